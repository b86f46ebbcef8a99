// SPDX-License-Identifier: MIT
// The paired measurement shared by bench/run-paired.mjs, bench/run-scaling.mjs (Node) and
// bench/pages/paired.html (Chromium): two engines' sessions, `rounds` rounds, each `perTurn`
// runs of one engine then of the other (the order alternating), with a pause at each switch
// so the other engine's idle workers have gone to sleep (onnxruntime-web's spun for over
// 100 ms in session 21: at 2 threads a 20 ms pause left lstm's paired ratio at 1.75, 300 ms
// at 1.11; 1.30's spin ~20 ms in session 34's measurement, well inside the 300 ms).
// engines: [{ session, feeds }], ours first. Returns the median over rounds of ours / ort (each
// turn at its median run) and each engine's median run.
export const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function pairedRounds(engines, { threads, rounds, perTurn }) {
  const switchPause = threads > 1 ? 300 : 20;
  const times = [[], []];
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const turn = [];
    for (const k of r % 2 ? [1, 0] : [0, 1]) {
      await pause(switchPause);
      const ts = [];
      for (let i = 0; i < perTurn; i++) {
        const t = performance.now();
        await engines[k].session.run(engines[k].feeds);
        ts.push(performance.now() - t);
      }
      times[k].push(...ts);
      turn[k] = median(ts);
    }
    ratios.push(turn[0] / turn[1]);
  }
  return { ratio: median(ratios), ours: median(times[0]), ort: median(times[1]) };
}

// The Node scripts' measurement (bench/run-paired.mjs, bench/run-scaling.mjs): warm-up runs per
// engine (at least 5 and 1 s: V8 optimizes a wasm function only after enough of its own work),
// then pairedRounds with enough runs per turn for about 50 ms of engines[timed] (1 to 20), from
// the median of its last 5 warm-up runs (one run timed right after the other engine's warm-up
// ran while that engine's workers still spun, and could read 2x long at 2 threads).
export async function warmUpAndPair(engines, { threads, rounds, timed = 0 }) {
  let runMs = 0;
  for (const [k, e] of engines.entries()) {
    const start = performance.now();
    const ts = [];
    for (let i = 0; i < 5 || performance.now() - start < 1000; i++) {
      const t = performance.now();
      await e.session.run(e.feeds);
      ts.push(performance.now() - t);
    }
    if (k === timed) runMs = median(ts.slice(-5));
  }
  const perTurn = Math.max(1, Math.min(20, Math.round(50 / runMs)));
  return { ...(await pairedRounds(engines, { threads, rounds, perTurn })), perTurn };
}
