// SPDX-License-Identifier: MIT
// The wasm memory of whatever engine runs in this process: every WebAssembly.Memory made
// from here on (imported, as threaded builds do) or exported by an instance. Call before the
// engine starts its module. A wasm memory never shrinks: its size is the heap's high-water.
export function trackWasmMemory() {
  const memories = [];
  const RealMemory = WebAssembly.Memory;
  WebAssembly.Memory = function Memory(desc) {
    const m = new RealMemory(desc);
    memories.push(m);
    return m;
  };
  WebAssembly.Memory.prototype = RealMemory.prototype;
  const realInstantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (...args) => {
    const r = await realInstantiate(...args);
    for (const v of Object.values((r.instance || r).exports)) if (v instanceof RealMemory) memories.push(v);
    return r;
  };
  return () => Math.max(0, ...memories.map((m) => m.buffer.byteLength));
}
