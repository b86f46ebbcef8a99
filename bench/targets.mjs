// SPDX-License-Identifier: MIT
// Issue 5's targets, checked on one bench run's rows (bench/bench.mjs): per target and thread
// count, the worst value over the models it covers and whether it is met. Latency ratios are
// the paired ones (both engines in one process), creation's the medians of process pairs. The
// float CNNs' Chromium target is bench/browser-paired.mjs's, not checked here.

const FLOAT_CNNS = ['mobilenet_v2', 'resnet50', 'squeezenet1_1', 'efficientnet_b0', 'unet_small', 'light_squeezenet',
  'light_resnet50', 'light_inception_v1', 'light_densenet121', 'light_shufflenet', 'digits'];
const QDQ = ['mobilenet_v2_qdq', 'resnet18_qdq'];
const SEQUENCE = ['vit_small', 'bert_like', 'lstm'];

// How each kind of target reads: which way is worse (a value is met unless worse than its
// bound), how its bound and a value print.
const KINDS = {
  ratio: { worse: (a, b) => a > b, bound: (b) => `<= ${b.toFixed(2)}`, show: (v) => v.toFixed(4) },
  speedup: { worse: (a, b) => a < b, bound: (b) => `>= ${b}x`, show: (v) => `${v.toFixed(3)}x` },
  bytes: { worse: (a, b) => a > b, bound: (b) => `<= ${b >> 20} MB`, show: (v) => `${v} B` },
};

// [{ target, threads, kind, bound, value, where, met }] for `rows` and `wasmBytes` ({ file: bytes }).
// A target none of whose models ran is left out.
export function checkTargets(rows, wasmBytes) {
  const checks = [];
  const worst = (target, threads, kind, bound, values) => {
    if (values.length === 0) return;
    const pick = values.reduce((a, b) => (KINDS[kind].worse(b.value, a.value) ? b : a));
    checks.push({ target, threads, kind, bound, value: pick.value, where: pick.where, met: !KINDS[kind].worse(pick.value, bound) });
  };
  for (const threads of [...new Set(rows.map((r) => r.threads))]) {
    const at = rows.filter((r) => r.threads === threads);
    const paired = (names) => at.filter((r) => names.includes(r.model)).map((r) => ({ value: r.paired.ratio, where: r.model }));
    worst('float CNNs, latency', threads, 'ratio', 0.75, paired(FLOAT_CNNS));
    worst('int8 QDQ models, latency', threads, 'ratio', 0.35, paired(QDQ));
    worst('ViT, BERT-like, LSTM, latency', threads, 'ratio', 1.0, paired(SEQUENCE));
    worst('session creation, cold', threads, 'ratio', 0.33, at.map((r) => ({ value: r.createRatio.cold, where: r.model })));
    worst('session creation, warm', threads, 'ratio', 0.33, at.map((r) => ({ value: r.createRatio.warm, where: r.model })));
    if (threads > 1)
      worst('resnet50 speed-up over 1 thread', threads, 'speedup', 1.8,
        at.filter((r) => r.model === 'resnet50' && r.scaling).map((r) => ({ value: r.scaling.speedup, where: 'resnet50' })));
  }
  worst('each .wasm, raw', 0, 'bytes', 3 << 20, Object.entries(wasmBytes).map(([file, bytes]) => ({ value: bytes, where: file })));
  return checks;
}

// The checks as a markdown table, then a line saying how many were missed.
export function targetsMarkdown(checks) {
  let md = '| target | threads | bound | worst (where) | met |\n|---|---:|---|---|---|\n';
  for (const c of checks) {
    const k = KINDS[c.kind];
    md += `| ${c.target} | ${c.threads || '—'} | ${k.bound(c.bound)} | ${k.show(c.value)} (${c.where}) | ${c.met ? 'yes' : '**no**'} |\n`;
  }
  const missed = checks.filter((c) => !c.met).length;
  return `${md}\n${missed === 0 ? 'Every target checked here is met' : `${missed} of ${checks.length} targets missed`} in this run.\n`;
}
