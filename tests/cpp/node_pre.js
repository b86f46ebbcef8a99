// SPDX-License-Identifier: MIT
// --pre-js of the wasm test binary: Emscripten 3.1.6 fetch()es the .wasm whenever fetch
// exists, which fails on a file path in Node 18+; hand it the bytes instead.
if (!Module['wasmBinary'] && typeof __dirname !== 'undefined') {
  Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'ow_tests.wasm'));
}
