#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// A plain static server for the examples (any static server works; this one needs nothing
// installed): serves the repository on http://127.0.0.1:8080 with the COOP/COEP headers that
// let pages use threads. `--plain` leaves them out (onnx-wasm then runs single-threaded).
//   node examples/serve.mjs [--plain] [--port N]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../tests/browser/server.mjs';

const args = process.argv.slice(2);
const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 8080;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const server = await serve(root, { isolated: !args.includes('--plain'), port });
console.log(`serving ${root} at ${server.url} (${args.includes('--plain') ? 'no COOP/COEP: single-threaded' : 'cross-origin isolated: threads'})`);
console.log(`  script-tag example: ${server.url}/examples/script-tag/`);
