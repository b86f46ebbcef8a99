// SPDX-License-Identifier: MIT
// Recurrent ops: RNN, GRU (linear_before_reset) and LSTM (peepholes, input_forget), forward,
// reverse or bidirectional, layout 0 or 1, sequence_lens, initial states, clip and every
// activation function the spec names (with activation_alpha/beta). Float32, in double.
#include <cmath>
#include <string>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

enum class Cell { kRnn, kGru, kLstm };

int gates(Cell c) { return c == Cell::kRnn ? 1 : c == Cell::kGru ? 3 : 4; }

struct Act {
  std::string name;
  double alpha = 0, beta = 0;
  double operator()(double x) const {
    if (name == "Sigmoid") return 1 / (1 + std::exp(-x));
    if (name == "Tanh") return std::tanh(x);
    if (name == "Relu") return x > 0 ? x : 0;
    if (name == "Affine") return alpha * x + beta;
    if (name == "LeakyRelu") return x >= 0 ? x : alpha * x;
    if (name == "ThresholdedRelu") return x > alpha ? x : 0;
    if (name == "ScaledTanh") return alpha * std::tanh(beta * x);
    if (name == "HardSigmoid") return std::fmax(0, std::fmin(1, alpha * x + beta));
    if (name == "Elu") return x >= 0 ? x : alpha * (std::exp(x) - 1);
    if (name == "Softsign") return x / (1 + std::fabs(x));
    return std::log1p(std::exp(x));  // Softplus
  }
};

struct RnnState {
  Cell cell;
  int64_t hidden, layout;
  int dirs;
  bool reverse_only, linear_before_reset, input_forget;
  double clip;
  std::vector<Act> acts;  // per direction: f, g, h (as many as the cell uses)
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
  static const char* known[] = {"Sigmoid", "Tanh", "Relu", "Affine", "LeakyRelu", "ThresholdedRelu", "ScaledTanh",
                                "HardSigmoid", "Elu", "Softsign", "Softplus"};
  for (const std::string& n : list) {
    Act a;
    a.name = n;
    bool ok = false;
    for (const char* k : known) ok |= n == k;
    OW_CHECK(ok, UNSUPPORTED_OP, "%s: activation '%s' is not supported", where.c_str(), n.c_str());
    bool uses_alpha = n == "Affine" || n == "LeakyRelu" || n == "ThresholdedRelu" || n == "ScaledTanh" ||
                      n == "HardSigmoid" || n == "Elu";
    bool uses_beta = n == "Affine" || n == "ScaledTanh" || n == "HardSigmoid";
    a.alpha = n == "LeakyRelu" ? 0.01 : n == "HardSigmoid" ? 0.2 : 1.0;
    a.beta = n == "HardSigmoid" ? 0.5 : 0.0;
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
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32}));
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
  auto xat = [&](int64_t t, int64_t bb, int64_t i) { return x.float_at(lay ? (bb * seq + t) * in + i : (t * batch + bb) * in + i); };
  auto state_index = [&](int d, int64_t bb, int64_t j) { return lay ? (bb * s->dirs + d) * h + j : (d * batch + bb) * h + j; };
  Tensor* y = ctx.outputs.size() > 0 ? ctx.outputs[0] : nullptr;
  Tensor* yh = ctx.outputs.size() > 1 ? ctx.outputs[1] : nullptr;
  Tensor* yc = ctx.outputs.size() > 2 ? ctx.outputs[2] : nullptr;
  if (y) for (int64_t i = 0; i < y->size(); i++) y->data<float>()[i] = 0.f;
  auto clip = [&](double v) { return s->clip > 0 ? std::fmin(s->clip, std::fmax(-s->clip, v)) : v; };
  for (int d = 0; d < s->dirs; d++) {
    bool rev = s->reverse_only || d == 1;
    const Act* act = &s->acts[d * per];
    for (int64_t bb = 0; bb < batch; bb++) {
      int64_t len = lens ? lens->int_at(bb) : seq;
      OW_CHECK(len >= 0 && len <= seq, INVALID_INPUT, "sequence_lens[%lld] = %lld is outside 0..%lld",
               static_cast<long long>(bb), static_cast<long long>(len), static_cast<long long>(seq));
      std::vector<double> H(h), C(h), gate(static_cast<size_t>(g * h)), rec(static_cast<size_t>(g * h));
      for (int64_t j = 0; j < h; j++) {
        H[j] = h0 ? h0->float_at(state_index(d, bb, j)) : 0;
        C[j] = c0 ? c0->float_at(state_index(d, bb, j)) : 0;
      }
      for (int64_t step = 0; step < len; step++) {
        int64_t t = rev ? len - 1 - step : step;
        // gate = W x_t + Wb; rec = R H + Rb (kept apart for GRU's linear_before_reset).
        for (int64_t q = 0; q < g * h; q++) {
          double a = b ? b->float_at(d * 2 * g * h + q) : 0, c = b ? b->float_at(d * 2 * g * h + g * h + q) : 0;
          for (int64_t i = 0; i < in; i++) a += w.float_at((d * g * h + q) * in + i) * xat(t, bb, i);
          gate[q] = a;
          rec[q] = c;
        }
        auto recur = [&](int64_t q, const std::vector<double>& hv) {
          double c = rec[q];
          for (int64_t k = 0; k < h; k++) c += r.float_at((d * g * h + q) * h + k) * hv[k];
          return c;
        };
        std::vector<double> next(h);
        if (s->cell == Cell::kRnn) {
          for (int64_t j = 0; j < h; j++) next[j] = act[0](clip(gate[j] + recur(j, H)));
        } else if (s->cell == Cell::kGru) {
          std::vector<double> z(h), rr(h), rh(h);
          for (int64_t j = 0; j < h; j++) {
            z[j] = act[0](clip(gate[j] + recur(j, H)));
            rr[j] = act[0](clip(gate[h + j] + recur(h + j, H)));
          }
          for (int64_t j = 0; j < h; j++) rh[j] = rr[j] * H[j];
          for (int64_t j = 0; j < h; j++) {
            double hh = s->linear_before_reset ? gate[2 * h + j] + rr[j] * recur(2 * h + j, H)
                                               : gate[2 * h + j] + recur(2 * h + j, rh);
            double ht = act[1](clip(hh));
            next[j] = (1 - z[j]) * ht + z[j] * H[j];
          }
        } else {
          std::vector<double> nc(h);
          for (int64_t j = 0; j < h; j++) {
            double pi = peep ? peep->float_at(d * 3 * h + j) : 0, po = peep ? peep->float_at(d * 3 * h + h + j) : 0,
                   pf = peep ? peep->float_at(d * 3 * h + 2 * h + j) : 0;
            double i_g = act[0](clip(gate[j] + recur(j, H) + pi * C[j]));
            double f_g = s->input_forget ? 1 - i_g : act[0](clip(gate[2 * h + j] + recur(2 * h + j, H) + pf * C[j]));
            double c_g = act[1](clip(gate[3 * h + j] + recur(3 * h + j, H)));
            nc[j] = f_g * C[j] + i_g * c_g;
            double o_g = act[0](clip(gate[h + j] + recur(h + j, H) + po * nc[j]));
            next[j] = o_g * act[2](nc[j]);
          }
          C = nc;
        }
        H = next;
        if (y)
          for (int64_t j = 0; j < h; j++)
            y->data<float>()[lay ? ((bb * seq + t) * s->dirs + d) * h + j : ((t * s->dirs + d) * batch + bb) * h + j] =
                static_cast<float>(H[j]);
      }
      for (int64_t j = 0; j < h; j++) {
        if (yh) yh->data<float>()[state_index(d, bb, j)] = static_cast<float>(H[j]);
        if (yc) yc->data<float>()[state_index(d, bb, j)] = static_cast<float>(C[j]);
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
