// SPDX-License-Identifier: MIT
// Public types of onnx-wasm: a drop-in subset of onnxruntime-web's API (hand-written; checked
// by tsc against tests/js/types-check.ts and the examples).

/**
 * Element types. Beyond onnxruntime-web's: `bfloat16` (raw bits in a Uint16Array), the float8
 * types (raw bits in a Uint8Array), `int4` / `uint4` (one element per byte). `string` tensors
 * hold an Array of JS strings.
 */
export type TensorType =
  | 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16'
  | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool' | 'string'
  | 'bfloat16' | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz' | 'int4' | 'uint4';

export interface TensorDataTypeMap {
  float32: Float32Array; float16: Uint16Array; float64: Float64Array;
  int8: Int8Array; uint8: Uint8Array; int16: Int16Array; uint16: Uint16Array;
  int32: Int32Array; uint32: Uint32Array; int64: BigInt64Array; uint64: BigUint64Array;
  bool: Uint8Array; string: string[];
  bfloat16: Uint16Array; float8e4m3fn: Uint8Array; float8e4m3fnuz: Uint8Array;
  float8e5m2: Uint8Array; float8e5m2fnuz: Uint8Array; int4: Int8Array; uint4: Uint8Array;
}

export type TensorData = TensorDataTypeMap[TensorType];

export declare class Tensor<T extends TensorType = TensorType> {
  constructor(type: T, data: TensorDataTypeMap[T] | readonly number[] | readonly bigint[] | readonly string[], dims?: readonly number[]);
  constructor(data: TensorDataTypeMap[T], dims?: readonly number[]);
  readonly type: T;
  readonly data: TensorDataTypeMap[T];
  readonly dims: readonly number[];
  readonly size: number;
  /**
   * An image as a float32 tensor [1, 3, H, W] (or [1, H, W, 3] with layout 'NHWC') of
   * (pixel / 255 - mean[c]) / std[c], resized to width x height when given.
   */
  static fromImage(source: ImageSource, options?: ImageOptions): Promise<Tensor<'float32'>>;
  /** The inverse of fromImage for 3-channel float32 tensors (a plain object where ImageData is missing). */
  toImageData(options?: Omit<ImageOptions, 'width' | 'height'>): ImageData;
}

/** Raw RGBA pixels: width * height * 4 bytes (what Node decoders give). */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export type ImageSource = RawImage | ImageData | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | ImageBitmap;

export interface ImageOptions {
  width?: number;
  height?: number;
  layout?: 'NCHW' | 'NHWC';
  /** Per channel (or one value for all), applied after scaling pixels to [0, 1]. */
  mean?: number | readonly [number, number, number];
  std?: number | readonly [number, number, number];
}

export type ErrorCode =
  | 'OK' | 'INVALID_ARGUMENT' | 'INVALID_MODEL' | 'UNSUPPORTED_OP' | 'INVALID_INPUT'
  | 'OUT_OF_MEMORY' | 'INVALID_STATE' | 'ABORTED' | 'INTERNAL';

export declare const ERROR_CODES: readonly ErrorCode[];

/** Every failure is an OnnxWasmError: `code` is stable, `message` says what and where. */
export declare class OnnxWasmError extends Error {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown });
  readonly code: ErrorCode;
}

export interface ValueMetadata {
  name: string;
  /** False for a Sequence (`isSequence`) or an Optional (`isOptional`) graph value. */
  isTensor: boolean;
  isSequence?: true;
  isOptional?: true;
  type: TensorType | string;
  /** Dims: a number, a symbolic name, or -1 when unknown; undefined when the model gives none. */
  shape?: Array<number | string>;
}

export interface SessionOptions {
  /** Threads for this session (default: env.numThreads). */
  numThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Values for symbolic dims, e.g. { batch: 1 }. */
  freeDimensionOverrides?: Record<string, number>;
  /** Download progress for URL sources. */
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  /** Aborts a download; the promise rejects with code 'ABORTED'. */
  signal?: AbortSignal;
  /**
   * Browsers: keep the downloaded model in the Cache API (keyed by URL); a later create()
   * reuses it when a HEAD request reports the same ETag and size, or when offline.
   */
  cache?: boolean;
  /** 'xnnpack' (default) or 'reference' (portable kernels only; slow, for checking). */
  executionMode?: 'xnnpack' | 'reference';
  /** Fail instead of falling back when an XNNPACK region cannot be built (tests). */
  xnnStrict?: boolean;
  /**
   * Files holding the model's external tensor data, by the location the model names
   * (as in onnxruntime-web): bytes, or a URL (a file path in Node). In Node, a model loaded
   * from a file path also finds them in its own folder. Locations are confined to that folder.
   */
  externalData?: ReadonlyArray<{ path: string; data: Uint8Array | ArrayBuffer | string | URL }>;
}

/**
 * A graph value: a Tensor; a Sequence as an array of Tensors (one type); an Optional as its
 * value, or null when empty.
 */
export type OnnxValue = Tensor | Tensor[] | null;
export type FeedsType = Record<string, OnnxValue>;
/** What run() resolves to: Tensors, unless the model's outputs are sequences or optionals (pass a type). */
export type ReturnType = Record<string, Tensor>;

/**
 * One row of InferenceSession.endProfiling(): total time of an XNNPACK region, a reference
 * kernel, or one XNNPACK operator inside a region, over the profiled runs.
 */
export interface ProfileEntry {
  kind: 'xnnpack' | 'reference' | 'xnnpack-op';
  /**
   * "region of N nodes from node 'x' (Conv)", "node 'x' (Op)", or for an XNNPACK operator the
   * node it was lowered from and its kind: "node 'x' (Conv): Convolution (NHWC, F32) IGEMM".
   */
  name: string;
  calls: number;
  ms: number;
}

export declare class InferenceSession {
  static create(source: string | URL | ArrayBuffer | Uint8Array, options?: SessionOptions): Promise<InferenceSession>;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];
  /** Where nodes run (XNNPACK regions and reference kernels), and whether this session shares its
   *  compiled model with another session of the same model bytes and options. */
  readonly debugInfo: string;
  /** Times every XNNPACK region, XNNPACK operator and reference kernel of the runs that follow. */
  startProfiling(): Promise<void>;
  /** Stops timing: one entry per region, operator or kernel, slowest first. */
  endProfiling(): Promise<ProfileEntry[]>;
  run<R extends Record<string, OnnxValue> = ReturnType>(feeds: FeedsType, fetches?: readonly string[] | Record<string, unknown>): Promise<R>;
  release(): Promise<void>;
}

export interface Env {
  /** Threads per session: default min(4, cores) where threads are possible, else 1. */
  numThreads: number;
  /** Folder or URL prefix holding the .wasm and glue files. */
  wasmPaths?: string;
  /**
   * 'auto' picks the threaded build for sessions of more than one thread where SharedArrayBuffer
   * works, else 'simd' (single thread, no worker to start).
   */
  wasmBuild: 'auto' | 'threaded' | 'simd';
  logLevel: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
}

export declare const env: Env;

/** Diagnostics: the error codes compiled into the engine. */
export declare function errorCodeNames(): Promise<ErrorCode[]>;

/** Diagnostics: bytes in use by the engine's allocator and the size of its heap (the wasm
 *  memory, which only grows, so this is its high-water mark) in the running module. */
export declare function memoryInfo(): Promise<{ usedBytes: number; heapBytes: number }>;
