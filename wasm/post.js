// SPDX-License-Identifier: MIT
// Appended inside the Emscripten module factory (--post-js): gives js/src/backend.js a way
// to let Node exit while pthread workers idle, and to end them when the last session goes.
Module['unrefWorkers'] = function () {
  if (typeof PThread === 'undefined') return;
  PThread.unusedWorkers.concat(PThread.runningWorkers).forEach(function (w) {
    if (w && typeof w.unref === 'function') w.unref();
  });
};
Module['terminateWorkers'] = function () {
  if (typeof PThread !== 'undefined') PThread.terminateAllThreads();
};
// A fresh view of the heap: memory growth replaces the buffer (and with threads another
// thread may have grown it), so views are never cached across calls.
Module['heapU8'] = function () {
  return new Uint8Array(wasmMemory.buffer);
};
