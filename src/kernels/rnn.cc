// SPDX-License-Identifier: MIT
// Recurrent ops: RNN, GRU (linear_before_reset) and LSTM (peepholes, input_forget), forward,
// reverse or bidirectional, layout 0 or 1, sequence_lens, initial states, clip and every
// activation function the spec names (with activation_alpha/beta). Float32: the input
// projection of all steps first (split over the pool by step), then per step the recurrent
// product (split by gate rows). Constant recurrent weights are rearranged once into panels of
// 16 rows, column-major within each (rnn_products.h), whose product needs no horizontal sums.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernels/op.h"
#include "kernels/rnn_products.h"

namespace onnxwasm {
namespace {

using namespace rnn;  // the products and gates (rnn_products.h)

enum class Cell { kRnn, kGru, kLstm };

int gates(Cell c) { return c == Cell::kRnn ? 1 : c == Cell::kGru ? 3 : 4; }

enum class ActKind { kSigmoid, kTanh, kRelu, kAffine, kLeakyRelu, kThresholdedRelu, kScaledTanh, kHardSigmoid, kElu,
                     kSoftsign, kSoftplus };
constexpr const char* kActNames[] = {"Sigmoid", "Tanh", "Relu", "Affine", "LeakyRelu", "ThresholdedRelu", "ScaledTanh",
                                     "HardSigmoid", "Elu", "Softsign", "Softplus"};

struct Act {
  ActKind kind = ActKind::kTanh;
  float alpha = 0, beta = 0;
  float operator()(float x) const {
    switch (kind) {
      case ActKind::kSigmoid: return 1 / (1 + std::exp(-x));
      case ActKind::kTanh: return std::tanh(x);
      case ActKind::kRelu: return x > 0 ? x : 0;
      case ActKind::kAffine: return alpha * x + beta;
      case ActKind::kLeakyRelu: return x >= 0 ? x : alpha * x;
      case ActKind::kThresholdedRelu: return x > alpha ? x : 0;
      case ActKind::kScaledTanh: return alpha * std::tanh(beta * x);
      case ActKind::kHardSigmoid: return std::fmax(0.f, std::fmin(1.f, alpha * x + beta));
      case ActKind::kElu: return x >= 0 ? x : alpha * (std::exp(x) - 1);
      case ActKind::kSoftsign: return x / (1 + std::fabs(x));
      case ActKind::kSoftplus: return std::log1p(std::exp(x));
    }
    return x;
  }
};

struct RnnState {
  Cell cell;
  int64_t hidden, layout;
  int dirs;
  bool reverse_only, linear_before_reset, input_forget;
  float clip;
  std::vector<Act> acts;  // per direction: f, g, h (as many as the cell uses)
  // Constant W and R, per direction, in panels (pack_panels), made at the first run that reads them.
  mutable std::mutex panels_mutex;
  mutable std::map<const float*, std::shared_ptr<const std::vector<float>>> panels;
  std::shared_ptr<const std::vector<float>> panels_of(const float* r, int64_t rows, int64_t n) const {
    std::lock_guard<std::mutex> lock(panels_mutex);
    auto& p = panels[r];
    if (!p) p = std::make_shared<const std::vector<float>>(pack_panels(r, rows, n));
    return p;
  }
};

template <Cell C>
Status prepare_rnn(const Node& node, int64_t, OpState* state) {
  auto s = std::make_shared<RnnState>();
  const std::string where = node.describe();
  s->cell = C;
  s->hidden = attr_int(node, "hidden_size", 0);
  OW_CHECK(s->hidden > 0 && s->hidden <= (1 << 20), INVALID_MODEL, "%s: hidden_size must be positive", where.c_str());
  std::string dir = attr_string(node, "direction", "forward");
  OW_CHECK(dir == "forward" || dir == "reverse" || dir == "bidirectional", INVALID_MODEL, "%s: direction '%s'",
           where.c_str(), dir.c_str());
  s->dirs = dir == "bidirectional" ? 2 : 1;
  s->reverse_only = dir == "reverse";
  s->layout = attr_int(node, "layout", 0);
  s->linear_before_reset = attr_int(node, "linear_before_reset", 0) != 0;
  s->input_forget = attr_int(node, "input_forget", 0) != 0;
  const Attribute* clip = node.attr("clip");
  s->clip = clip ? attr_float(node, "clip", 0) : 0;
  const Attribute* names = node.attr("activations");
  size_t per = C == Cell::kRnn ? 1 : C == Cell::kGru ? 2 : 3;
  std::vector<std::string> defaults = C == Cell::kRnn ? std::vector<std::string>{"Tanh"}
                                      : C == Cell::kGru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                        : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
  std::vector<std::string> list;
  if (names && names->kind == Attribute::Kind::kStrings) list = names->strings;
  if (list.empty()) for (int d = 0; d < s->dirs; d++) list.insert(list.end(), defaults.begin(), defaults.end());
  OW_CHECK(list.size() == per * s->dirs, INVALID_MODEL, "%s: %zu activations, expected %zu", where.c_str(), list.size(),
           per * s->dirs);
  const Attribute* al = node.attr("activation_alpha");
  const Attribute* be = node.attr("activation_beta");
  size_t ai = 0, bi = 0;
  for (const std::string& n : list) {
    Act a;
    size_t k = 0;
    while (k < std::size(kActNames) && n != kActNames[k]) k++;
    OW_CHECK(k < std::size(kActNames), UNSUPPORTED_OP, "%s: activation '%s' is not supported", where.c_str(), n.c_str());
    a.kind = static_cast<ActKind>(k);
    bool uses_alpha = n == "Affine" || n == "LeakyRelu" || n == "ThresholdedRelu" || n == "ScaledTanh" ||
                      n == "HardSigmoid" || n == "Elu";
    bool uses_beta = n == "Affine" || n == "ScaledTanh" || n == "HardSigmoid";
    a.alpha = n == "LeakyRelu" ? 0.01f : n == "HardSigmoid" ? 0.2f : 1.0f;
    a.beta = n == "HardSigmoid" ? 0.5f : 0.0f;
    if (uses_alpha && al && ai < al->floats.size()) a.alpha = al->floats[ai++];
    if (uses_beta && be && bi < be->floats.size()) a.beta = be->floats[bi++];
    s->acts.push_back(a);
  }
  *state = s;
  return Status::ok();
}

Status infer_rnn(InferContext& ctx) {
  const auto* s = state_as<RnnState>(ctx.state);
  const std::string where = ctx.node.describe();
  OW_RETURN_IF_ERROR(check_input_count(ctx, 3, s->cell == Cell::kLstm ? 8 : 6));
  for (size_t i = 0; i < ctx.num_inputs(); i++)
    if (ctx.has_input(i) && i != 4) OW_RETURN_IF_ERROR(check_dtype(ctx, i, {DType::kFloat32}));
  if (ctx.has_input(4)) OW_RETURN_IF_ERROR(check_dtype(ctx, 4, {DType::kInt32, DType::kInt64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 3));
  OW_RETURN_IF_ERROR(check_rank(ctx, 1, 3, 3));
  OW_RETURN_IF_ERROR(check_rank(ctx, 2, 3, 3));
  const Dims &x = ctx.in(0).dims, &w = ctx.in(1).dims, &r = ctx.in(2).dims;
  int64_t seq = s->layout ? x[1] : x[0], batch = s->layout ? x[0] : x[1], h = s->hidden, g = gates(s->cell);
  OW_CHECK((w[0] < 0 || w[0] == s->dirs) && (w[1] < 0 || w[1] == g * h) && (w[2] < 0 || x[2] < 0 || w[2] == x[2]),
           INVALID_INPUT, "%s: W %s does not fit input %s and hidden_size %lld", where.c_str(), dims_to_string(w).c_str(),
           dims_to_string(x).c_str(), static_cast<long long>(h));
  OW_CHECK((r[0] < 0 || r[0] == s->dirs) && (r[1] < 0 || r[1] == g * h) && (r[2] < 0 || r[2] == h), INVALID_INPUT,
           "%s: R %s does not fit hidden_size %lld", where.c_str(), dims_to_string(r).c_str(), static_cast<long long>(h));
  ctx.set_output(0, DType::kFloat32, s->layout ? Dims{batch, seq, s->dirs, h} : Dims{seq, s->dirs, batch, h});
  Dims state = s->layout ? Dims{batch, s->dirs, h} : Dims{s->dirs, batch, h};
  ctx.set_output(1, DType::kFloat32, state);
  if (s->cell == Cell::kLstm) ctx.set_output(2, DType::kFloat32, state);
  return Status::ok();
}

Status run_rnn(KernelContext& ctx) {
  const auto* s = state_as<RnnState>(ctx.state);
  const Tensor &x = ctx.in(0), &w = ctx.in(1), &r = ctx.in(2);
  auto opt = [&](size_t i) -> const Tensor* { return ctx.has_input(i) && ctx.in(i).size() ? &ctx.in(i) : nullptr; };
  const Tensor *b = opt(3), *lens = opt(4), *h0 = opt(5), *c0 = s->cell == Cell::kLstm ? opt(6) : nullptr,
               *peep = s->cell == Cell::kLstm ? opt(7) : nullptr;
  bool lay = s->layout != 0;
  int64_t seq = lay ? x.dims()[1] : x.dims()[0], batch = lay ? x.dims()[0] : x.dims()[1], in = x.dims()[2];
  int64_t h = s->hidden, g = gates(s->cell);
  size_t per = s->acts.size() / s->dirs;
  // The optional inputs' sizes (a hostile model may give anything).
  auto sized = [&](const Tensor* t, int64_t n, const char* what) -> Status {
    OW_CHECK(!t || t->size() == n, INVALID_INPUT, "%s has %lld values, expected %lld", what,
             static_cast<long long>(t ? t->size() : 0), static_cast<long long>(n));
    return Status::ok();
  };
  OW_RETURN_IF_ERROR(sized(b, s->dirs * 2 * g * h, "B"));
  OW_RETURN_IF_ERROR(sized(lens, batch, "sequence_lens"));
  OW_RETURN_IF_ERROR(sized(h0, s->dirs * batch * h, "initial_h"));
  OW_RETURN_IF_ERROR(sized(c0, s->dirs * batch * h, "initial_c"));
  OW_RETURN_IF_ERROR(sized(peep, s->dirs * 3 * h, "P"));
  OW_RETURN_IF_ERROR(sized(&w, s->dirs * g * h * in, "W"));
  OW_RETURN_IF_ERROR(sized(&r, s->dirs * g * h * h, "R"));
  auto state_index = [&](int d, int64_t bb, int64_t j) { return lay ? (bb * s->dirs + d) * h + j : (d * batch + bb) * h + j; };
  Tensor* y = ctx.outputs.size() > 0 ? ctx.outputs[0] : nullptr;
  Tensor* yh = ctx.outputs.size() > 1 ? ctx.outputs[1] : nullptr;
  Tensor* yc = ctx.outputs.size() > 2 ? ctx.outputs[2] : nullptr;
  if (y) std::fill(y->data<float>(), y->data<float>() + y->size(), 0.f);
  auto clip = [&](float v) { return s->clip > 0 ? std::fmin(s->clip, std::fmax(-s->clip, v)) : v; };
  const int64_t rows = g * h;
  // The input projection of every step at once: xw[(t * batch + b) * rows + q] = W x_t + Wb.
  OW_ASSIGN_OR_RETURN(Tensor xw_buffer, Tensor::make(DType::kFloat32, {seq * batch, rows}));
  float* xw = xw_buffer.data<float>();
  std::vector<float> H(h), C(h), rec(static_cast<size_t>(rows)), next(h), rh(h), nc(h);
  constexpr int64_t kRowsPerTask = 64;
  const int64_t tasks = (rows + kRowsPerTask - 1) / kRowsPerTask;
  for (int d = 0; d < s->dirs; d++) {
    const bool rev = s->reverse_only || d == 1;
    const Act* act = &s->acts[d * per];
    const bool default_lstm = s->cell == Cell::kLstm && act[0].kind == ActKind::kSigmoid && act[1].kind == ActKind::kTanh &&
                              act[2].kind == ActKind::kTanh && !(s->clip > 0) && !peep && !s->input_forget;
    const float *W = w.data<float>() + d * rows * in, *R = r.data<float>() + d * rows * h;
    const std::shared_ptr<const std::vector<float>> panels = ctx.is_constant(2) ? s->panels_of(R, rows, h) : nullptr;
#ifdef __wasm_simd128__
    // A step in one parallel pass: each task one panel of units, its four gates' products and
    // then its gates (2 threads: one wait per step instead of the gates on one thread after it).
    const bool fused_lstm = default_lstm && panels && h % kPanelRows == 0;
#else
    (void)default_lstm;  // read by the wasm SIMD path
    const bool fused_lstm = false;
#endif
    const float *Wb = b ? b->data<float>() + d * 2 * rows : nullptr, *Rb = Wb ? Wb + rows : nullptr;
    const float* P = peep ? peep->data<float>() + d * 3 * h : nullptr;
    // Layout 0 keeps the steps' inputs contiguous: four at a time through panels_gemm4 (constant
    // W, in panels, the biases added there) or rows_dot4.
    const int64_t quads = lay ? 0 : seq * batch / 4;
    const std::shared_ptr<const std::vector<float>> w_panels = quads && ctx.is_constant(1) ? s->panels_of(W, rows, in) : nullptr;
    std::vector<float> quad_bias;
    if (w_panels && Wb) {
      quad_bias.assign(static_cast<size_t>((rows + kPanelRows - 1) / kPanelRows * kPanelRows), 0.f);
      for (int64_t q = 0; q < rows; q++) quad_bias[q] = Wb[q] + (fused_lstm ? Rb[q] : 0.f);
    }
    ctx.pool->parallel_for(static_cast<size_t>(quads + seq * batch - quads * 4), [&](size_t task) {
      int64_t row = static_cast<int64_t>(task), count = 1;
      if (row < quads) row *= 4, count = 4;
      else row += quads * 3;
      float* out = xw + row * rows;
      if (count == 4 && w_panels) {
        panels_gemm4(w_panels->data(), rows, x.data<float>() + row * in, in, Wb ? quad_bias.data() : nullptr, out, rows);
        return;
      }
      if (count == 4) {
        rows_dot4(W, rows, x.data<float>() + row * in, in, out, rows);
      } else {
        const int64_t t = row / batch, bb = row % batch;
        rows_dot(W, rows, x.data<float>() + (lay ? (bb * seq + t) * in : (t * batch + bb) * in), in, out);
      }
      if (Wb)
        for (int64_t k = 0; k < count; k++) {
          add_into(out + k * rows, Wb, rows);
          if (fused_lstm) add_into(out + k * rows, Rb, rows);  // the step then adds none
        }
    });
    // rec[q] = R_q . v + Rb for rows [from, to), split over the pool.
    auto recur = [&](int64_t from, int64_t to, const float* v) {
      ctx.pool->parallel_for(static_cast<size_t>(tasks), [&](size_t task) {
        const int64_t lo = std::max(from, static_cast<int64_t>(task) * kRowsPerTask);
        const int64_t hi = std::min(to, static_cast<int64_t>(task + 1) * kRowsPerTask);
        if (lo >= hi) return;
        if (panels) panels_dot(panels->data(), lo, hi, v, h, &rec[lo]);
        else rows_dot(R + lo * h, hi - lo, v, h, &rec[lo]);
        if (Rb) add_into(&rec[lo], Rb + lo, hi - lo);
      });
    };
    for (int64_t bb = 0; bb < batch; bb++) {
      int64_t len = lens ? lens->int_at(bb) : seq;
      OW_CHECK(len >= 0 && len <= seq, INVALID_INPUT, "sequence_lens[%lld] = %lld is outside 0..%lld",
               static_cast<long long>(bb), static_cast<long long>(len), static_cast<long long>(seq));
      for (int64_t j = 0; j < h; j++) {
        H[j] = h0 ? h0->data<float>()[state_index(d, bb, j)] : 0.f;
        C[j] = c0 ? c0->data<float>()[state_index(d, bb, j)] : 0.f;
      }
      for (int64_t step = 0; step < len; step++) {
        const int64_t t = rev ? len - 1 - step : step;
        const float* gate = xw + (t * batch + bb) * rows;
        if (s->cell == Cell::kRnn) {
          recur(0, rows, H.data());
          for (int64_t j = 0; j < h; j++) next[j] = act[0](clip(gate[j] + rec[j]));
        } else if (s->cell == Cell::kGru) {
          // z and r first; the candidate reads r (H, or r * H before the product).
          recur(0, 2 * h, H.data());
          float* z = nc.data();
          for (int64_t j = 0; j < h; j++) {
            z[j] = act[0](clip(gate[j] + rec[j]));
            rh[j] = act[0](clip(gate[h + j] + rec[h + j]));  // r
          }
          if (s->linear_before_reset) {
            recur(2 * h, 3 * h, H.data());
            for (int64_t j = 0; j < h; j++) rec[2 * h + j] = rh[j] * rec[2 * h + j];
          } else {
            for (int64_t j = 0; j < h; j++) rh[j] *= H[j];
            recur(2 * h, 3 * h, rh.data());
          }
          for (int64_t j = 0; j < h; j++) {
            float ht = act[1](clip(gate[2 * h + j] + rec[2 * h + j]));
            next[j] = (1 - z[j]) * ht + z[j] * H[j];
          }
        } else if (fused_lstm) {
#ifdef __wasm_simd128__
          // On one thread, odd steps take the panels last to first: a step then starts on the
          // panels the one before read last, still in L2 (the recurrence's 1 MB at 256 units
          // fills a Zen 4's L2). lstm at 1 thread 0.98-0.99x (paired, both orders). Threads each
          // keep their own panels in order.
          const bool back = (step & 1) && ctx.pool->num_threads() <= 1;
          ctx.pool->parallel_for(static_cast<size_t>(h / kPanelRows), [&](size_t task) {
            const int64_t j = static_cast<int64_t>(back ? h / kPanelRows - 1 - task : task) * kPanelRows;
            float products[4 * kPanelRows];
            for (int64_t q = 0; q < 4; q++) panels_dot(panels->data(), q * h + j, q * h + j + kPanelRows, H.data(), h, products + q * kPanelRows);
            lstm_default_gates4(gate + j, h, products, kPanelRows, C.data() + j, kPanelRows, nc.data() + j, next.data() + j);
          });
#endif
          C.swap(nc);
        } else {
          recur(0, rows, H.data());
          int64_t j = 0;
#ifdef __wasm_simd128__
          if (default_lstm) j = lstm_default_gates4(gate, h, rec.data(), h, C.data(), h, nc.data(), next.data());
#endif
          for (; j < h; j++) {
            float pi = P ? P[j] : 0.f, po = P ? P[h + j] : 0.f, pf = P ? P[2 * h + j] : 0.f;
            float i_g = act[0](clip(gate[j] + rec[j] + pi * C[j]));
            float f_g = s->input_forget ? 1 - i_g : act[0](clip(gate[2 * h + j] + rec[2 * h + j] + pf * C[j]));
            float c_g = act[1](clip(gate[3 * h + j] + rec[3 * h + j]));
            nc[j] = f_g * C[j] + i_g * c_g;
            float o_g = act[0](clip(gate[h + j] + rec[h + j] + po * nc[j]));
            next[j] = o_g * act[2](nc[j]);
          }
          C.swap(nc);
        }
        H.swap(next);
        if (y)
          std::copy(H.begin(), H.end(),
                    y->data<float>() + (lay ? ((bb * seq + t) * s->dirs + d) * h : ((t * s->dirs + d) * batch + bb) * h));
      }
      for (int64_t j = 0; j < h; j++) {
        if (yh) yh->data<float>()[state_index(d, bb, j)] = H[j];
        if (yc) yc->data<float>()[state_index(d, bb, j)] = C[j];
      }
    }
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kRNN = {"RNN", "", 1, infer_rnn, prepare_rnn<Cell::kRnn>, run_rnn};
extern const OpDef kGRU = {"GRU", "", 1, infer_rnn, prepare_rnn<Cell::kGru>, run_rnn};
extern const OpDef kLSTM = {"LSTM", "", 1, infer_rnn, prepare_rnn<Cell::kLstm>, run_rnn};

}  // namespace onnxwasm
