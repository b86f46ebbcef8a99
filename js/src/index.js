// SPDX-License-Identifier: MIT
// ESM entry: export { InferenceSession, Tensor, env, OnnxWasmError }.
export { InferenceSession } from './session.js';
export { Tensor } from './tensor.js';
export { env } from './env.js';
export { OnnxWasmError, ERROR_CODES } from './errors.js';
// Diagnostics: the error codes compiled into the engine (equal to ERROR_CODES).
export { errorCodeNames, memoryInfo } from './backend.js';
