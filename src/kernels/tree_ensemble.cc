// SPDX-License-Identifier: MIT
// ai.onnx.ml TreeEnsemble (opset 5): decision trees given as parallel node arrays; each row of
// X walks every tree from its root to a leaf, the leaf's weight is aggregated into its target.
// The trees are checked once at creation (indices in range, no cycles), so a hostile model
// cannot make a walk run forever or read outside the arrays.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

enum class Mode : uint8_t { kLeq, kLt, kGte, kGt, kEq, kNeq, kMember };
enum class Aggregate { kAverage, kSum, kMin, kMax };
enum class PostTransform { kNone, kSoftmax, kLogistic, kSoftmaxZero, kProbit };

// Where a branch goes: another node, or a leaf (index into the leaf arrays).
struct Branch {
  int64_t index;
  bool leaf;
};

struct TreeNode {
  Mode mode;
  bool missing_tracks_true;
  int64_t feature;
  double split;
  std::vector<double> members;  // sorted, kMember only
  Branch on_true, on_false;
};

struct TreeEnsembleState {
  std::vector<TreeNode> nodes;
  std::vector<Branch> roots;
  std::vector<double> leaf_weights;
  std::vector<int64_t> leaf_targets;
  int64_t n_targets;
  int64_t max_feature = -1;
  Aggregate aggregate;
  PostTransform post;
};

// A tensor attribute's values as doubles (float, double or float16 tensors).
Result<std::vector<double>> tensor_attr(const Node& n, const char* name, bool required) {
  const Attribute* a = n.attr(name);
  if (!a || !a->t) {
    OW_CHECK(!required, INVALID_MODEL, "%s: attribute '%s' (a tensor) is required", n.describe().c_str(), name);
    return std::vector<double>{};
  }
  OW_CHECK(a->t->dtype() == DType::kFloat32 || a->t->dtype() == DType::kFloat64 || a->t->dtype() == DType::kFloat16 ||
               a->t->dtype() == DType::kUint8,
           INVALID_MODEL, "%s: attribute '%s' is a %s tensor", n.describe().c_str(), name, dtype_name(a->t->dtype()));
  std::vector<double> v(static_cast<size_t>(a->t->size()));
  for (size_t i = 0; i < v.size(); i++) v[i] = a->t->float_at(static_cast<int64_t>(i));
  return v;
}

// Every walk from a root must end at a leaf: depth-first over node-to-node edges, refusing a
// node met again on the current path (iterative, so a deep tree cannot overflow the stack).
Status check_acyclic(const Node& n, const TreeEnsembleState& s) {
  enum : uint8_t { kNew, kOnPath, kDone };
  std::vector<uint8_t> mark(s.nodes.size(), kNew);
  std::vector<std::pair<int64_t, int>> stack;  // node, next child to visit (0 true, 1 false)
  for (const Branch& root : s.roots) {
    if (root.leaf || mark[root.index] == kDone) continue;
    stack.push_back({root.index, 0});
    mark[root.index] = kOnPath;
    while (!stack.empty()) {
      auto& [at, child] = stack.back();
      if (child == 2) {
        mark[at] = kDone;
        stack.pop_back();
        continue;
      }
      const Branch& b = child++ == 0 ? s.nodes[at].on_true : s.nodes[at].on_false;
      if (b.leaf || mark[b.index] == kDone) continue;
      OW_CHECK(mark[b.index] == kNew, INVALID_MODEL, "%s: node %lld is its own descendant (the trees have a cycle)",
               n.describe().c_str(), static_cast<long long>(b.index));
      mark[b.index] = kOnPath;
      stack.push_back({b.index, 0});
    }
  }
  return Status::ok();
}

Status prepare_tree_ensemble(const Node& n, int64_t, OpState* state) {
  auto s = std::make_shared<TreeEnsembleState>();
  const std::string who = n.describe();
  std::vector<int64_t> features = attr_ints(n, "nodes_featureids"), true_ids = attr_ints(n, "nodes_truenodeids"),
                       false_ids = attr_ints(n, "nodes_falsenodeids"), true_leafs = attr_ints(n, "nodes_trueleafs"),
                       false_leafs = attr_ints(n, "nodes_falseleafs"),
                       missing = attr_ints(n, "nodes_missing_value_tracks_true"), roots = attr_ints(n, "tree_roots");
  OW_ASSIGN_OR_RETURN(std::vector<double> splits, tensor_attr(n, "nodes_splits", true));
  OW_ASSIGN_OR_RETURN(std::vector<double> modes, tensor_attr(n, "nodes_modes", true));
  OW_ASSIGN_OR_RETURN(std::vector<double> members, tensor_attr(n, "membership_values", false));
  OW_ASSIGN_OR_RETURN(s->leaf_weights, tensor_attr(n, "leaf_weights", true));
  s->leaf_targets = attr_ints(n, "leaf_targetids");
  s->n_targets = attr_int(n, "n_targets", 0);
  int64_t aggregate = attr_int(n, "aggregate_function", 1), post = attr_int(n, "post_transform", 0);
  OW_CHECK(aggregate >= 0 && aggregate <= 3, INVALID_MODEL, "%s: aggregate_function %lld is not 0-3", who.c_str(),
           static_cast<long long>(aggregate));
  OW_CHECK(post >= 0 && post <= 4, INVALID_MODEL, "%s: post_transform %lld is not 0-4", who.c_str(), static_cast<long long>(post));
  s->aggregate = static_cast<Aggregate>(aggregate);
  s->post = static_cast<PostTransform>(post);
  OW_CHECK(s->n_targets >= 1 && s->n_targets <= (int64_t{1} << 24), INVALID_MODEL, "%s: n_targets %lld is out of range",
           who.c_str(), static_cast<long long>(s->n_targets));

  const size_t count = splits.size(), leaves = s->leaf_weights.size();
  for (const auto* v : {&features, &true_ids, &false_ids, &true_leafs, &false_leafs})
    OW_CHECK(v->size() == count, INVALID_MODEL, "%s: the nodes_* attributes differ in length (%zu splits)", who.c_str(), count);
  OW_CHECK(modes.size() == count && (missing.empty() || missing.size() == count), INVALID_MODEL,
           "%s: the nodes_* attributes differ in length (%zu splits)", who.c_str(), count);
  OW_CHECK(s->leaf_targets.size() == leaves, INVALID_MODEL, "%s: %zu leaf_targetids but %zu leaf_weights", who.c_str(),
           s->leaf_targets.size(), leaves);
  for (int64_t t : s->leaf_targets)
    OW_CHECK(t >= 0 && t < s->n_targets, INVALID_MODEL, "%s: leaf target %lld is not below n_targets %lld", who.c_str(),
             static_cast<long long>(t), static_cast<long long>(s->n_targets));

  auto branch = [&](int64_t index, int64_t leaf) -> Result<Branch> {
    OW_CHECK(index >= 0 && static_cast<size_t>(index) < (leaf ? leaves : count), INVALID_MODEL,
             "%s: %s index %lld is out of range", who.c_str(), leaf ? "leaf" : "node", static_cast<long long>(index));
    return Branch{index, leaf != 0};
  };
  size_t next_member = 0;
  s->nodes.resize(count);
  for (size_t i = 0; i < count; i++) {
    TreeNode& t = s->nodes[i];
    OW_CHECK(modes[i] >= 0 && modes[i] <= 6, INVALID_MODEL, "%s: node %zu has mode %g (0-6)", who.c_str(), i, modes[i]);
    t.mode = static_cast<Mode>(static_cast<int>(modes[i]));
    t.feature = features[i];
    OW_CHECK(t.feature >= 0, INVALID_MODEL, "%s: node %zu reads feature %lld", who.c_str(), i, static_cast<long long>(t.feature));
    s->max_feature = std::max(s->max_feature, t.feature);
    t.split = splits[i];
    t.missing_tracks_true = !missing.empty() && missing[i] != 0;
    OW_ASSIGN_OR_RETURN(t.on_true, branch(true_ids[i], true_leafs[i]));
    OW_ASSIGN_OR_RETURN(t.on_false, branch(false_ids[i], false_leafs[i]));
    if (t.mode == Mode::kMember) {  // the next run of membership_values up to a NaN
      OW_CHECK(next_member < members.size(), INVALID_MODEL, "%s: node %zu tests set membership but membership_values ran out",
               who.c_str(), i);
      while (next_member < members.size() && !std::isnan(members[next_member])) t.members.push_back(members[next_member++]);
      next_member++;
      std::sort(t.members.begin(), t.members.end());
    }
  }
  for (int64_t r : roots) {
    OW_CHECK(r >= 0 && static_cast<size_t>(r) < count, INVALID_MODEL, "%s: tree root %lld is out of range", who.c_str(),
             static_cast<long long>(r));
    const TreeNode& t = s->nodes[r];
    // A tree that is a single leaf: a root whose two branches are the same leaf.
    bool leaf = t.on_true.leaf && t.on_false.leaf && t.on_true.index == t.on_false.index;
    s->roots.push_back(leaf ? t.on_true : Branch{r, false});
  }
  OW_CHECK(!s->roots.empty(), INVALID_MODEL, "%s: no tree_roots", who.c_str());
  OW_RETURN_IF_ERROR(check_acyclic(n, *s));
  *state = s;
  return Status::ok();
}

Status infer_tree_ensemble(InferContext& ctx) {
  const auto* s = state_as<TreeEnsembleState>(ctx.state);
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kFloat16}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 2, 2));
  const Dims& x = ctx.in(0).dims;
  OW_CHECK(x[1] < 0 || s->max_feature < x[1], INVALID_INPUT, "%s: a node reads feature %lld but X has %lld features",
           ctx.node.describe().c_str(), static_cast<long long>(s->max_feature), static_cast<long long>(x[1]));
  ctx.set_output(0, ctx.in(0).dtype, {x[0], s->n_targets});
  return Status::ok();
}

bool goes_true(const TreeNode& t, double x) {
  if (std::isnan(x) && t.missing_tracks_true) return true;
  switch (t.mode) {
    case Mode::kLeq: return x <= t.split;
    case Mode::kLt: return x < t.split;
    case Mode::kGte: return x >= t.split;
    case Mode::kGt: return x > t.split;
    case Mode::kEq: return x == t.split;
    case Mode::kNeq: return x != t.split;
    case Mode::kMember: return std::binary_search(t.members.begin(), t.members.end(), x);
  }
  return false;
}

// sqrt(2) * erfinv(2p - 1): a rational first guess refined by Newton steps on erf.
double probit(double p) {
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  double y = 2 * p - 1, w = -std::log((1 - y) * (1 + y)), x;
  if (w < 5) {
    w -= 2.5;
    x = (((2.81022636e-08 * w + 3.43273939e-07) * w - 3.5233877e-06) * w - 4.39150654e-06) * w + 0.00021858087;
    x = (((x * w - 0.00125372503) * w - 0.00417768164) * w + 0.246640727) * w + 1.50140941;
  } else {
    w = std::sqrt(w) - 3;
    x = (((-0.000200214257 * w + 0.000100950558) * w + 0.00134934322) * w - 0.00367342844) * w + 0.00573950773;
    x = (((x * w - 0.0076224613) * w + 0.00943887047) * w + 1.00167406) * w + 2.83297682;
  }
  x *= y;
  for (int i = 0; i < 2; i++) x -= (std::erf(x) - y) / (2 / std::sqrt(M_PI) * std::exp(-x * x));
  return std::sqrt(2.0) * x;
}

void post_transform(PostTransform post, double* row, int64_t n) {
  switch (post) {
    case PostTransform::kNone: return;
    case PostTransform::kLogistic:
      for (int64_t i = 0; i < n; i++) row[i] = 1 / (1 + std::exp(-row[i]));
      return;
    case PostTransform::kProbit:
      for (int64_t i = 0; i < n; i++) row[i] = probit(row[i]);
      return;
    case PostTransform::kSoftmax:
    case PostTransform::kSoftmaxZero: {  // SOFTMAX_ZERO leaves zeros at zero
      bool zero = post == PostTransform::kSoftmaxZero;
      double top = -std::numeric_limits<double>::infinity(), sum = 0;
      for (int64_t i = 0; i < n; i++)
        if (!zero || row[i] != 0) top = std::max(top, row[i]);
      for (int64_t i = 0; i < n; i++) sum += row[i] = (zero && row[i] == 0) ? 0 : std::exp(row[i] - top);
      for (int64_t i = 0; i < n; i++) row[i] = sum > 0 ? row[i] / sum : 0;
      return;
    }
  }
}

Status run_tree_ensemble(KernelContext& ctx) {
  const auto* s = state_as<TreeEnsembleState>(ctx.state);
  const Tensor& x = ctx.in(0);
  const int64_t rows = x.dims()[0], features = x.dims()[1], targets = s->n_targets;
  std::vector<double> row(static_cast<size_t>(targets));
  std::vector<bool> hit(static_cast<size_t>(targets));
  for (int64_t r = 0; r < rows; r++) {
    std::fill(row.begin(), row.end(), 0.0);
    std::fill(hit.begin(), hit.end(), false);
    for (const Branch& root : s->roots) {
      Branch at = root;
      while (!at.leaf) {
        const TreeNode& t = s->nodes[at.index];
        at = goes_true(t, x.float_at(r * features + t.feature)) ? t.on_true : t.on_false;
      }
      const int64_t target = s->leaf_targets[at.index];
      const double w = s->leaf_weights[at.index];
      double& v = row[target];
      switch (s->aggregate) {
        case Aggregate::kSum:
        case Aggregate::kAverage: v += w; break;
        // A target no leaf reached stays 0, as in onnxruntime.
        case Aggregate::kMin: v = hit[target] ? std::min(v, w) : w; break;
        case Aggregate::kMax: v = hit[target] ? std::max(v, w) : w; break;
      }
      hit[target] = true;
    }
    if (s->aggregate == Aggregate::kAverage)
      for (double& v : row) v /= static_cast<double>(s->roots.size());
    post_transform(s->post, row.data(), targets);
    for (int64_t t = 0; t < targets; t++) ctx.out(0).set_float_at(r * targets + t, row[t]);
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kTreeEnsemble = {"TreeEnsemble", "ai.onnx.ml", 5, infer_tree_ensemble, prepare_tree_ensemble,
                                    run_tree_ensemble};

}  // namespace onnxwasm
