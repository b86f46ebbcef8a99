// SPDX-License-Identifier: MIT
// The benchmark's inputs: the same seeded values for both engines, from a spec per input
// ({name, dtype, dims}; bench/models.mjs inputSpecs). Integer inputs (token ids) are drawn
// below 100. Imported by Node scripts and by bench/pages/latency.html alike.
export function makeFeeds(specs, Tensor) {
  const feeds = {};
  let s = 7;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (const { name, dtype, dims } of specs) {
    const n = dims.reduce((a, b) => a * b, 1);
    let data;
    if (dtype === 'int64') data = BigInt64Array.from({ length: n }, () => BigInt(Math.floor(next() * 100)));
    else if (dtype === 'int32') data = Int32Array.from({ length: n }, () => Math.floor(next() * 100));
    else data = Float32Array.from({ length: n }, next);
    feeds[name] = new Tensor(dtype, data, dims);
  }
  return feeds;
}
