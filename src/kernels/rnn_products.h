// SPDX-License-Identifier: MIT
// Products and gates of the recurrent kernels (rnn.cc), in wasm SIMD where it is built.
#pragma once
#include <cstdint>
#include <vector>

namespace onnxwasm::rnn {

// a . b over n floats.
float dot(const float* a, const float* b, int64_t n);
// out[r] = M[r] . v for `rows` rows of M (row stride n).
void rows_dot(const float* m, int64_t rows, const float* v, int64_t n, float* out);
// out_t[r] = M[r] . v_t for four vectors v_t (stride n): out_t at out + t * out_stride.
void rows_dot4(const float* m, int64_t rows, const float* v, int64_t n, float* out, int64_t out_stride);
// out[i] += b[i] for n values.
void add_into(float* out, const float* b, int64_t n);

// Panels of 16 rows of a row-major matrix (pack_panels): each panel column by column, rows past
// the end 0. panels_dot: out[r - from] = M[r] . v for rows [from, to).
constexpr int64_t kPanelRows = 16;
std::vector<float> pack_panels(const float* m, int64_t rows, int64_t n);
void panels_dot(const float* panels, int64_t from, int64_t to, const float* v, int64_t n, float* out);

// out_t[r] = M[r] . v_t + bias[r] for four vectors v_t (at v + t * n) and every row of M's
// panels (out_t at out + t * out_stride); bias (or null) padded to whole panels.
void panels_gemm4(const float* panels, int64_t rows, const float* v, int64_t n, const float* bias, float* out,
                  int64_t out_stride);

#ifdef __wasm_simd128__
// The default LSTM gates (sigmoid, tanh, tanh; no clip, peepholes or coupled forget gate) of
// `units` units, four at a time while four remain; returns how many it did. gate = W x + biases
// and rec = R h, gate g of unit j at [g * stride + j] (stride: the hidden size, or the units).
int64_t lstm_default_gates4(const float* gate, int64_t gate_stride, const float* rec, int64_t rec_stride,
                            const float* c_prev, int64_t units, float* c_next, float* h_next);
#endif

}  // namespace onnxwasm::rnn
