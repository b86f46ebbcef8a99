// SPDX-License-Identifier: MIT
// How much SIMD throughput the host gives this process right now: a fixed wasm loop of eight
// independent i32x4.dot_i16x8_s chains (registers only, no memory), timed, in G multiply-adds/s.
// On a shared virtual machine another guest on a core's SMT sibling can halve it for minutes
// (session 30/31 hosts: ~41 quiet, 20-25 noisy) while a scalar loop keeps its speed, and the
// engines' ratios move with it; bench/bench.mjs reports it beside each paired measurement so a
// run's numbers can be read against the state of the host. Both engines' kernels are built on
// this instruction (XNNPACK's and ours for int8; onnxruntime-web's MLAS likewise).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const DOT = [0xfd, 0xba, 0x01], ADD = [0xfd, 0xae, 0x01];
const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
const v128 = (lanes) => [0xfd, 0x0c, ...lanes.flatMap((v) => [v & 0xff, (v >> 8) & 0xff])];  // 8 x i16

// (func (param $n i32) (result i32)): locals 1-8 the sums, 9 the other operand; n
// iterations of 64 multiply-adds; the lanes' total returned so nothing is dead.
function probeModule() {
  const body = [0x01, 0x09, 0x7b];  // 9 locals of v128
  for (let i = 1; i <= 8; i++) body.push(...v128([i, 2, 3, 4, 5, 6, 7, 8]), 0x21, i);
  body.push(...v128([3, 1, 4, 1, 5, 9, 2, 6]), 0x21, 9);
  body.push(0x03, 0x40);  // loop
  // sum_i += dot(sum_i, y): each chain waits on itself (a dot's latency is as long as the dots
  // eight chains issue meanwhile), and no operand is the same two iterations running, so V8
  // cannot take the dots out of the loop.
  for (let i = 1; i <= 8; i++) body.push(0x20, i, 0x20, i, 0x20, 9, ...DOT, ...ADD, 0x21, i);
  body.push(0x20, 0, 0x41, 0x01, 0x6b, 0x22, 0, 0x0d, 0, 0x0b);  // n -= 1; br_if n; end
  body.push(0x20, 1);
  for (let i = 2; i <= 8; i++) body.push(0x20, i, ...ADD);
  body.push(0xfd, 0x1b, 0, 0x0b);  // i32x4.extract_lane 0; end
  const code = [0x01, ...leb(body.length), ...body];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f]), ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, 0x01, 0x70, 0x00, 0x00]), ...section(10, code)]);
}

let probe = null;

// G multiply-adds/s over `ms` of the loop, after as long again of warm-up (V8 runs a wasm function
// from its baseline compiler until it has recompiled it, at a later call).
export function hostProbe(ms = 200) {
  probe ||= new WebAssembly.Instance(new WebAssembly.Module(probeModule())).exports.p;
  const iterations = 100000;
  const timed = (span) => {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < span) probe(iterations), calls++;
    return (calls * iterations * 64) / ((performance.now() - start) * 1e6);
  };
  timed(ms);
  return timed(ms);
}

// The same on `threads` threads at once (this one and threads - 1 workers), the least of their
// readings: a measurement on n threads is as slow as its busiest core.
export async function hostProbeThreads(threads, ms = 200) {
  if (threads <= 1) return hostProbe(ms);
  const workers = Array.from({ length: threads - 1 }, () => new Worker(new URL(import.meta.url), { workerData: { hostProbeMs: ms } }));
  const readings = workers.map((w) => new Promise((resolve, reject) => {
    w.on('message', (m) => { if (m !== 'started') resolve(m); });
    w.on('error', reject);
  }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));  // each one's 'started'
  const mine = hostProbe(ms);
  const all = [mine, ...(await Promise.all(readings))];
  await Promise.all(workers.map((w) => w.terminate()));
  return Math.min(...all);
}

if (!isMainThread && workerData && workerData.hostProbeMs) {
  parentPort.postMessage('started');
  parentPort.postMessage(hostProbe(workerData.hostProbeMs));
}
