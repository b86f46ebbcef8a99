// SPDX-License-Identifier: MIT
// A plain static file server for the browser tests (what "any plain web server" means):
// files under the repository root, correct MIME types (application/wasm for .wasm, so
// WebAssembly.compileStreaming can be used, unless `wasmType` names another, as some hosts
// send), and, when `isolated`, the COOP/COEP headers that make a page cross-origin isolated
// (SharedArrayBuffer, hence threads).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.onnx': 'application/octet-stream',
};

export function serve(root, { isolated, port = 0, mounts = {}, wasmType = TYPES['.wasm'] }) {
  const requests = [];  // [method, path], for the cache tests
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    requests.push([req.method, url.pathname]);
    // `mounts` maps a URL prefix to another folder (the tests' generated models).
    const prefix = Object.keys(mounts).find((m) => url.pathname.startsWith(m));
    const base = prefix ? mounts[prefix] : root;
    let file = path.join(base, decodeURIComponent(prefix ? url.pathname.slice(prefix.length - 1) : url.pathname));
    if (url.pathname.endsWith('/')) file = path.join(file, 'index.html');
    if (!file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    const stat = fs.statSync(file);
    const type = path.extname(file) === '.wasm' ? wasmType : TYPES[path.extname(file)];
    const headers = { 'Content-Type': type || 'application/octet-stream',
      'Content-Length': stat.size, 'Cache-Control': 'no-store', ETag: `"${stat.size}-${stat.mtimeMs}"` };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => {
    resolve({ url: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((r) => server.close(r)) });
  }));
}
