// SPDX-License-Identifier: MIT
// The recurrent kernels' (rnn.cc) products and gates: dot products over rows of a matrix (the
// input projection, four steps at a time; recurrent weights given as inputs), the panel form of
// constant recurrent weights, and the default LSTM gates, in wasm SIMD where it is built.
#include "kernels/rnn_products.h"

#include <algorithm>

#include "kernels/simd_math.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

// Hot loops stay out of line: V8 optimizes a function after enough of its own work, and inlined
// into run_rnn (one call per layer) they were still unoptimized after 5 runs in Chromium.
#define OW_HOT_LOOP __attribute__((noinline))

namespace onnxwasm::rnn {
namespace {

#ifdef __wasm_simd128__
// The sum of a vector's four lanes.
float hsum(v128_t a) {
  return (wasm_f32x4_extract_lane(a, 0) + wasm_f32x4_extract_lane(a, 1)) +
         (wasm_f32x4_extract_lane(a, 2) + wasm_f32x4_extract_lane(a, 3));
}

// The sums of four vectors' lanes, as one vector (lane k: the sum of the k-th vector).
v128_t hsum4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 1, 4, 5), wasm_i32x4_shuffle(a, b, 2, 3, 6, 7));
  const v128_t cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 1, 4, 5), wasm_i32x4_shuffle(c, d, 2, 3, 6, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 2, 4, 6), wasm_i32x4_shuffle(ab, cd, 1, 3, 5, 7));
}
#endif

}  // namespace

// a . b over n floats: four independent f32x4 sums with wasm SIMD, else eight scalar sums.
float dot(const float* a, const float* b, int64_t n) {
  int64_t i = 0;
  float sum = 0;
#ifdef __wasm_simd128__
  v128_t s0 = wasm_f32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12)));
  }
  sum = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
#else
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += a[i + k] * b[i + k];
  sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
#endif
  for (; i < n; i++) sum += a[i] * b[i];
  return sum;
}

// out[r] = M[r] . v for `rows` rows of M (row stride n): four rows share each load of v.
OW_HOT_LOOP void rows_dot(const float* m, int64_t rows, const float* v, int64_t n, float* out) {
  int64_t r = 0;
#ifdef __wasm_simd128__
  for (; r + 4 <= rows; r += 4) {
    const float *m0 = m + r * n, *m1 = m0 + n, *m2 = m1 + n, *m3 = m2 + n;
    v128_t s0 = wasm_f32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      const v128_t x = wasm_v128_load(v + i);
      s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(m0 + i), x));
      s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(m1 + i), x));
      s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(m2 + i), x));
      s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(m3 + i), x));
    }
    if (i == n) {
      wasm_v128_store(out + r, hsum4(s0, s1, s2, s3));
      continue;
    }
    float o0 = hsum(s0), o1 = hsum(s1), o2 = hsum(s2), o3 = hsum(s3);
    for (; i < n; i++) o0 += m0[i] * v[i], o1 += m1[i] * v[i], o2 += m2[i] * v[i], o3 += m3[i] * v[i];
    out[r] = o0, out[r + 1] = o1, out[r + 2] = o2, out[r + 3] = o3;
  }
#endif
  for (; r < rows; r++) out[r] = dot(m + r * n, v, n);
}

// R (rows x n, row-major) as panels of 16 rows: panel p holds rows 16p..16p+15 column by
// column (p[(p * n + k) * 16 + j] = R[16p + j][k], rows past the end 0). Its product with v
// splats one v[k] per column and accumulates 16 rows in four vectors: 15-25% faster than four
// row dot products with their horizontal sums (the recurrence's 1024 x 256 product in V8).
std::vector<float> pack_panels(const float* m, int64_t rows, int64_t n) {
  const int64_t panels = (rows + kPanelRows - 1) / kPanelRows;
  std::vector<float> p(static_cast<size_t>(panels * n * kPanelRows), 0.f);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t k = 0; k < n; k++) p[static_cast<size_t>(((r / kPanelRows) * n + k) * kPanelRows + r % kPanelRows)] = m[r * n + k];
  return p;
}

// out[0..16) = panel . v (the panel's 16 rows). Two columns' products are summed before they
// join a sum (as MLAS's wasm SGEMM kernel does): half the additions wait on the one before,
// 5-10% faster in V8 than one column at a time.
static OW_HOT_LOOP void panel_dot(const float* panel, const float* v, int64_t n, float* out) {
#ifdef __wasm_simd128__
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  int64_t k = 0;
  auto pair = [&](v128_t acc, const float* p, v128_t x, v128_t y) {
    return wasm_f32x4_add(acc, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(p), x), wasm_f32x4_mul(wasm_v128_load(p + kPanelRows), y)));
  };
  // Not unrolled: clang's 2x unroll loads all 16 panel vectors before their products, and V8
  // (15 usable xmm registers) then spills and reloads 8 of them every iteration.
#pragma clang loop unroll(disable)
  for (; k + 2 <= n; k += 2, panel += 2 * kPanelRows) {
    const v128_t x = wasm_v128_load32_splat(v + k), y = wasm_v128_load32_splat(v + k + 1);
    a0 = pair(a0, panel, x, y), a1 = pair(a1, panel + 4, x, y), a2 = pair(a2, panel + 8, x, y), a3 = pair(a3, panel + 12, x, y);
  }
  for (; k < n; k++, panel += kPanelRows) {
    const v128_t x = wasm_v128_load32_splat(v + k);
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(panel), x));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(panel + 4), x));
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(panel + 8), x));
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(panel + 12), x));
  }
  wasm_v128_store(out, a0), wasm_v128_store(out + 4, a1), wasm_v128_store(out + 8, a2), wasm_v128_store(out + 12, a3);
#else
  float acc[kPanelRows] = {};
  for (int64_t k = 0; k < n; k++, panel += kPanelRows)
    for (int64_t j = 0; j < kPanelRows; j++) acc[j] += panel[j] * v[k];
  std::copy(acc, acc + kPanelRows, out);
#endif
}

// out[r - from] = R[r] . v for rows [from, to) of panels `p` (n columns).
void panels_dot(const float* p, int64_t from, int64_t to, const float* v, int64_t n, float* out) {
  float part[kPanelRows];
  for (int64_t first = from - from % kPanelRows; first < to; first += kPanelRows) {
    const int64_t lo = std::max(from, first), hi = std::min(to, first + kPanelRows);
    if (lo == first && hi == first + kPanelRows) {
      panel_dot(p + first * n, v, n, out + (first - from));
      continue;
    }
    panel_dot(p + first * n, v, n, part);
    std::copy(part + (lo - first), part + (hi - first), out + (lo - from));
  }
}

// Four vectors' products with panels (pack_panels) of M, plus a bias: out_t[r] = M[r] . v_t +
// bias[r] for t < 4 (v_t at v + t * n, out_t at out + t * out_stride) and every row r < rows;
// `bias` (or null) padded to whole panels. Half a panel (8 rows) by the four vectors: eight
// sums from two loads of the panel and four splats per column, as XNNPACK's 4x8 GEMM kernel
// (the input projection in V8: ~20% faster than rows_dot4's row dot products).
OW_HOT_LOOP void panels_gemm4(const float* p, int64_t rows, const float* v, int64_t n, const float* bias, float* out,
                              int64_t out_stride) {
  constexpr int64_t kHalf = kPanelRows / 2;
  for (int64_t first = 0; first < rows; first += kHalf) {
    const float* w = p + (first / kPanelRows) * n * kPanelRows + first % kPanelRows;
    float sums[4][kHalf];
#ifdef __wasm_simd128__
    const float *v0 = v, *v1 = v + n, *v2 = v + 2 * n, *v3 = v + 3 * n;
    const v128_t zero = wasm_f32x4_splat(0);
    v128_t a0 = bias ? wasm_v128_load(bias + first) : zero, a1 = bias ? wasm_v128_load(bias + first + 4) : zero;
    v128_t b0 = a0, b1 = a1, c0 = a0, c1 = a1, d0 = a0, d1 = a1;
    for (int64_t k = 0; k < n; k++, w += kPanelRows) {
      const v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + 4);
      v128_t x = wasm_v128_load32_splat(v0 + k);
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(w0, x)), a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(w1, x));
      x = wasm_v128_load32_splat(v1 + k);
      b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(w0, x)), b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(w1, x));
      x = wasm_v128_load32_splat(v2 + k);
      c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(w0, x)), c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(w1, x));
      x = wasm_v128_load32_splat(v3 + k);
      d0 = wasm_f32x4_add(d0, wasm_f32x4_mul(w0, x)), d1 = wasm_f32x4_add(d1, wasm_f32x4_mul(w1, x));
    }
    if (first + kHalf <= rows) {
      float* o = out + first;
      wasm_v128_store(o, a0), wasm_v128_store(o + 4, a1);
      wasm_v128_store(o + out_stride, b0), wasm_v128_store(o + out_stride + 4, b1);
      wasm_v128_store(o + 2 * out_stride, c0), wasm_v128_store(o + 2 * out_stride + 4, c1);
      wasm_v128_store(o + 3 * out_stride, d0), wasm_v128_store(o + 3 * out_stride + 4, d1);
      continue;
    }
    wasm_v128_store(sums[0], a0), wasm_v128_store(sums[0] + 4, a1), wasm_v128_store(sums[1], b0), wasm_v128_store(sums[1] + 4, b1);
    wasm_v128_store(sums[2], c0), wasm_v128_store(sums[2] + 4, c1), wasm_v128_store(sums[3], d0), wasm_v128_store(sums[3] + 4, d1);
#else
    for (int t = 0; t < 4; t++)
      for (int64_t j = 0; j < kHalf; j++) sums[t][j] = bias ? bias[first + j] : 0.f;
    for (int64_t k = 0; k < n; k++, w += kPanelRows)
      for (int t = 0; t < 4; t++)
        for (int64_t j = 0; j < kHalf; j++) sums[t][j] += w[j] * v[t * n + k];
#endif
    for (int t = 0; t < 4; t++) std::copy(sums[t], sums[t] + std::min(kHalf, rows - first), out + t * out_stride + first);
  }
}

OW_HOT_LOOP void add_into(float* out, const float* b, int64_t n) {  // out[i] += b[i]
  for (int64_t i = 0; i < n; i++) out[i] += b[i];
}

// out_t[r] = M[r] . v_t for four vectors v_t (stride n) and `rows` rows of M: each pair of
// rows is loaded once for the four vectors (the input projection is a matrix product, not
// four matrix-vector ones). Two rows by four vectors keep the eight sums, the four inputs and
// the two rows in registers (four by four spilled: 22 against 31 GMAC/s).
OW_HOT_LOOP void rows_dot4(const float* m, int64_t rows, const float* v, int64_t n, float* out, int64_t out_stride) {
  int64_t r = 0;
#ifdef __wasm_simd128__
  const float *v0 = v, *v1 = v + n, *v2 = v + 2 * n, *v3 = v + 3 * n;
  for (; r + 4 <= rows && n % 4 == 0; r += 4) {
    v128_t sums[4][4];  // [row][vector]
    for (int pair = 0; pair < 4; pair += 2) {
      const float *m0 = m + (r + pair) * n, *m1 = m0 + n;
      v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
      for (int64_t i = 0; i < n; i += 4) {
        const v128_t x0 = wasm_v128_load(v0 + i), x1 = wasm_v128_load(v1 + i);
        const v128_t x2 = wasm_v128_load(v2 + i), x3 = wasm_v128_load(v3 + i);
        const v128_t w0 = wasm_v128_load(m0 + i), w1 = wasm_v128_load(m1 + i);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(w0, x0)), a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(w0, x1));
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(w0, x2)), a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(w0, x3));
        b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(w1, x0)), b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(w1, x1));
        b2 = wasm_f32x4_add(b2, wasm_f32x4_mul(w1, x2)), b3 = wasm_f32x4_add(b3, wasm_f32x4_mul(w1, x3));
      }
      sums[pair][0] = a0, sums[pair][1] = a1, sums[pair][2] = a2, sums[pair][3] = a3;
      sums[pair + 1][0] = b0, sums[pair + 1][1] = b1, sums[pair + 1][2] = b2, sums[pair + 1][3] = b3;
    }
    for (int t = 0; t < 4; t++)
      wasm_v128_store(out + t * out_stride + r, hsum4(sums[0][t], sums[1][t], sums[2][t], sums[3][t]));
  }
#endif
  for (int t = 0; t < 4; t++) rows_dot(m + r * n, rows - r, v + t * n, n, out + t * out_stride + r);
}

#ifdef __wasm_simd128__
// The default LSTM gates (rnn_products.h), four units at a time, in chunks of up to four
// vectors taken phase by phase: the cell's tanh waits on the other gates, ~200 instructions of
// dependent work per vector, and a vector at a time took ~240 cycles (V8, this CPU's window
// holds about one); a phase's vectors are independent, so their chains overlap.
OW_HOT_LOOP int64_t lstm_default_gates4(const float* gate, int64_t gate_stride, const float* rec, int64_t rec_stride,
                                        const float* c_prev, int64_t units, float* c_next, float* h_next) {
  constexpr int64_t kChunk = 4;
  int64_t j = 0;
  while (j + 4 <= units) {
    const int64_t vectors = std::min(kChunk, (units - j) / 4);
    v128_t o_g[kChunk], c[kChunk];
    for (int64_t v = 0; v < vectors; v++) {
      const int64_t u = j + 4 * v;
      auto at = [&](int64_t g) {
        return wasm_f32x4_add(wasm_v128_load(gate + g * gate_stride + u), wasm_v128_load(rec + g * rec_stride + u));
      };
      const v128_t i_g = simd::sigmoid4(at(0)), f_g = simd::sigmoid4(at(2)), c_g = simd::tanh4(at(3));
      o_g[v] = simd::sigmoid4(at(1));
      c[v] = wasm_f32x4_add(wasm_f32x4_mul(f_g, wasm_v128_load(c_prev + u)), wasm_f32x4_mul(i_g, c_g));
      wasm_v128_store(c_next + u, c[v]);
    }
    for (int64_t v = 0; v < vectors; v++) wasm_v128_store(h_next + j + 4 * v, wasm_f32x4_mul(o_g[v], simd::tanh4(c[v])));
    j += 4 * vectors;
  }
  return j;
}
#endif

}  // namespace onnxwasm::rnn
