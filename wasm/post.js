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
// A session's pthreadpool starts threads-1 pthreads synchronously, and a main thread cannot
// wait for a new Worker to start: so before a session's threads are created the wrapper awaits
// this, which makes sure `n` idle workers exist and have loaded the module. Workers load in
// the background (PTHREAD_POOL_DELAY_LOAD): the wrapper parses the model meanwhile. Workers of
// released sessions return to the idle pool, so the pool never exceeds the threads in use at
// once. New workers are unref'd: idle ones must not keep a Node process alive.
Module['ensureWorkers'] = function (n) {
  if (typeof PThread === 'undefined') return Promise.resolve();
  for (var i = PThread.unusedWorkers.length; i < n; i++) {
    PThread.allocateUnusedWorker();
    PThread.loadWasmModuleToWorker(PThread.unusedWorkers[PThread.unusedWorkers.length - 1]);
  }
  Module['unrefWorkers']();
  return new Promise(function (resolve) {
    (function poll() {
      if (PThread.unusedWorkers.every(function (w) { return w.loaded; })) resolve();
      else setTimeout(poll, 1);
    })();
  });
};
