// SPDX-License-Identifier: MIT
// bench/targets.mjs: the targets read off a bench run's rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTargets, targetsMarkdown } from '../../bench/targets.mjs';

const row = (model, threads, ratio, cold = 0.2, warm = 0.1, speedup) => ({
  model, threads, paired: { ratio }, createRatio: { cold, warm }, scaling: speedup ? { speedup } : null,
});
const rows = [
  row('mobilenet_v2', 1, 0.5), row('resnet50', 1, 0.6, 0.3504), row('resnet18_qdq', 1, 0.34), row('lstm', 1, 0.97),
  row('mobilenet_v2', 2, 0.5), row('resnet50', 2, 0.76, 0.2, 0.1, 1.79), row('resnet18_qdq', 2, 0.351), row('lstm', 2, 0.8),
];
const sizes = { 'a.wasm': 2_284_812, 'b.wasm': 3 * 1024 * 1024 + 1 };

test('each target reports its worst model and whether it is met', () => {
  const checks = checkTargets(rows, sizes);
  const find = (target, threads) => checks.find((c) => c.target === target && c.threads === threads);
  assert.deepEqual(
    [find('float CNNs, latency', 1).where, find('float CNNs, latency', 1).met, find('float CNNs, latency', 2).where, find('float CNNs, latency', 2).met],
    ['resnet50', true, 'resnet50', false]);
  assert.equal(find('int8 QDQ models, latency', 1).met, true);
  assert.equal(find('int8 QDQ models, latency', 2).met, false);  // 0.351: bounds are not rounded
  assert.equal(find('session creation, cold', 1).met, false);
  assert.equal(find('session creation, cold', 1).value, 0.3504);
  assert.equal(find('ViT, BERT-like, LSTM, latency', 1).where, 'lstm');
  assert.deepEqual([find('resnet50 speed-up over 1 thread', 2).value, find('resnet50 speed-up over 1 thread', 2).met], [1.79, false]);
  assert.equal(find('resnet50 speed-up over 1 thread', 1), undefined);
  assert.deepEqual([find('each .wasm, raw', 0).where, find('each .wasm, raw', 0).met], ['b.wasm', false]);
});

test('the markdown counts the misses, and says when every target is met', () => {
  const md = targetsMarkdown(checkTargets(rows, sizes));
  assert.match(md, /\| int8 QDQ models, latency \| 2 \| <= 0\.35 \| 0\.3510 \(resnet18_qdq\) \| \*\*no\*\* \|/);
  assert.match(md, /5 of 12 targets missed in this run/);
  const good = [row('mobilenet_v2', 1, 0.5), row('mobilenet_v2', 2, 0.4), row('resnet50', 2, 0.5, 0.2, 0.1, 1.9)];
  assert.match(targetsMarkdown(checkTargets(good, { 'a.wasm': 1000 })), /Every target checked here is met in this run/);
});
