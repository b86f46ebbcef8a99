// SPDX-License-Identifier: MIT
// External tensor data: weights kept in files beside the .onnx. The engine asks for each file
// by the location written in the model (already confined to the model's folder, normalized to
// '/'-separated form); this answers from options.externalData (onnxruntime-web's option:
// [{ path, data }], data being bytes, or a URL / a file path in Node) or, in Node when the model
// came from a file path, from the model's own folder, read straight into the wasm heap.
// Its answers are values, never exceptions: it is called from inside wasm.
import { OnnxWasmError } from './errors.js';
import { isNode, loadModelBytes } from './loader.js';

const normalize = (p) => String(p).replace(/\\/g, '/').split('/').filter((s) => s && s !== '.').join('/');

class ExternalDataSource {
  constructor(given, folder, fs, path) {
    this.given = given;
    this.folder = folder;
    this.fs = fs;
    this.path = path;
    this.fds = new Map();
    this.heapU8 = null;  // set by the backend: the module's current heap view
  }

  size(location) {
    try {
      const g = this.given.get(location);
      if (g) return g.length;
      if (!this.folder) return `not given: pass it in options.externalData as { path: '${location}', data }`;
      return this.fs.fstatSync(this.open(location)).size;
    } catch (e) {
      return String(e && e.message);
    }
  }

  read(location, offset, length, ptr) {
    try {
      const heap = this.heapU8();
      const g = this.given.get(location);
      if (g) {
        heap.set(g.subarray(offset, offset + length), ptr);
        return '';
      }
      const fd = this.open(location);
      for (let done = 0; done < length;) {
        const n = this.fs.readSync(fd, heap, ptr + done, Math.min(length - done, 1 << 30), offset + done);
        if (n <= 0) return 'the file ended early';
        done += n;
      }
      return '';
    } catch (e) {
      return String(e && e.message);
    }
  }

  // Opens <model folder>/<location>, refusing a link that leads outside the folder.
  open(location) {
    let fd = this.fds.get(location);
    if (fd !== undefined) return fd;
    const { fs, path } = this;
    const root = fs.realpathSync(this.folder);
    const real = fs.realpathSync(path.resolve(root, location));
    if (!real.startsWith(root + path.sep)) throw new Error("it leads (through a link) outside the model's folder");
    fd = fs.openSync(real, 'r');
    if (!fs.fstatSync(fd).isFile()) {
      fs.closeSync(fd);
      throw new Error('it is not a regular file');
    }
    this.fds.set(location, fd);
    return fd;
  }

  close() {
    for (const fd of this.fds.values()) this.fs.closeSync(fd);
    this.fds.clear();
  }
}

// The folder of a model given as a file path (or file: URL) in Node, else null.
async function modelFolder(source, path) {
  if (!isNode) return null;
  let file = null;
  if (source instanceof URL && source.protocol === 'file:') file = (await import('node:url')).fileURLToPath(source);
  else if (typeof source === 'string' && source.startsWith('file:')) file = (await import('node:url')).fileURLToPath(source);
  else if (typeof source === 'string' && !/^(https?|data|blob):/i.test(source)) file = source;
  return file === null ? null : path.dirname(path.resolve(file));
}

// The given files only (what a proxy worker receives: bytes, already loaded).
export function externalDataFromEntries(entries) {
  return new ExternalDataSource(new Map(entries), null, null, null);
}

export async function prepareExternalData(source, options) {
  const list = options.externalData ?? [];
  if (!Array.isArray(list)) {
    throw new OnnxWasmError('INVALID_ARGUMENT', 'externalData must be an array of { path, data }');
  }
  const given = new Map();
  for (const e of list) {
    if (!e || typeof e.path !== 'string' || e.data === undefined || e.data === null) {
      throw new OnnxWasmError('INVALID_ARGUMENT', 'each externalData entry must be { path: string, data }');
    }
    try {
      given.set(normalize(e.path), await loadModelBytes(e.data, { signal: options.signal }));
    } catch (err) {
      if (err.code === 'ABORTED') throw err;
      throw new OnnxWasmError('INVALID_ARGUMENT', `externalData '${e.path}': ${err.message}`, { cause: err });
    }
  }
  const fs = isNode ? await import('node:fs') : null;
  const path = isNode ? await import('node:path') : null;
  return new ExternalDataSource(given, await modelFolder(source, path), fs, path);
}
