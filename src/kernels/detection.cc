// SPDX-License-Identifier: MIT
// NonMaxSuppression: center_point_box, per-class max outputs, IoU and score thresholds.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

// --- NonMaxSuppression ---

// The selected (batch, class, box) triples. Their count depends on the values, so infer runs
// this too when the inputs are known (always at run time) to size the output.
Result<std::vector<int64_t>> nms_select(const Node& node, const std::vector<const Tensor*>& in) {
  const Tensor &boxes = *in[0], &scores = *in[1];
  auto opt = [&](size_t i) { return i < in.size() && in[i] && in[i]->size() ? in[i] : nullptr; };
  int64_t max_out = opt(2) ? opt(2)->int_at(0) : 0;
  double iou_th = opt(3) ? opt(3)->float_at(0) : 0;
  bool has_score_th = opt(4) != nullptr;
  double score_th = has_score_th ? opt(4)->float_at(0) : 0;
  bool center = attr_int(node, "center_point_box", 0) != 0;
  int64_t batches = boxes.dims()[0], n = boxes.dims()[1], classes = scores.dims()[1];
  OW_CHECK(boxes.rank() == 3 && scores.rank() == 3 && boxes.dims()[2] == 4 && scores.dims()[0] == batches &&
               scores.dims()[2] == n, INVALID_INPUT,
           "boxes %s and scores %s do not match", dims_to_string(boxes.dims()).c_str(), dims_to_string(scores.dims()).c_str());
  auto corners = [&](int64_t b, int64_t i, double* y1, double* x1, double* y2, double* x2) {
    const int64_t at = (b * n + i) * 4;
    double a = boxes.float_at(at), c = boxes.float_at(at + 1), d = boxes.float_at(at + 2), e = boxes.float_at(at + 3);
    if (center) { *x1 = a - d / 2; *x2 = a + d / 2; *y1 = c - e / 2; *y2 = c + e / 2; }
    else { *y1 = std::min(a, d); *y2 = std::max(a, d); *x1 = std::min(c, e); *x2 = std::max(c, e); }
  };
  auto iou = [&](int64_t b, int64_t i, int64_t j) {
    double ay1, ax1, ay2, ax2, by1, bx1, by2, bx2;
    corners(b, i, &ay1, &ax1, &ay2, &ax2);
    corners(b, j, &by1, &bx1, &by2, &bx2);
    double iw = std::max(0.0, std::min(ax2, bx2) - std::max(ax1, bx1));
    double ih = std::max(0.0, std::min(ay2, by2) - std::max(ay1, by1));
    double inter = iw * ih, uni = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
    return uni <= 0 ? 0.0 : inter / uni;
  };
  std::vector<int64_t> selected;
  for (int64_t b = 0; b < batches; b++)
    for (int64_t c = 0; c < classes; c++) {
      std::vector<int64_t> order;
      for (int64_t i = 0; i < n; i++)
        if (!has_score_th || scores.float_at((b * classes + c) * n + i) > score_th) order.push_back(i);
      std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) {
        return scores.float_at((b * classes + c) * n + i) > scores.float_at((b * classes + c) * n + j);
      });
      std::vector<int64_t> kept;
      for (int64_t i : order) {
        if (static_cast<int64_t>(kept.size()) >= max_out) break;
        bool ok = true;
        for (int64_t k : kept) if (iou(b, i, k) > iou_th) { ok = false; break; }
        if (ok) kept.push_back(i);
      }
      for (int64_t k : kept) selected.insert(selected.end(), {b, c, k});
    }
  return selected;
}

Status infer_nms(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 5));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 3));
  OW_RETURN_IF_ERROR(check_rank(ctx, 1, 3, 3));
  std::vector<const Tensor*> in;
  for (size_t i = 0; i < ctx.num_inputs(); i++) {
    in.push_back(ctx.has_input(i) ? ctx.value(i) : nullptr);
    if (ctx.has_input(i) && !in.back()) { ctx.set_output(0, DType::kInt64, {kUnknownDim, 3}); return Status::ok(); }
  }
  OW_ASSIGN_OR_RETURN(std::vector<int64_t> sel, nms_select(ctx.node, in));
  ctx.set_output(0, DType::kInt64, {static_cast<int64_t>(sel.size() / 3), 3});
  return Status::ok();
}

Status run_nms(KernelContext& ctx) {
  OW_ASSIGN_OR_RETURN(std::vector<int64_t> sel, nms_select(ctx.node, ctx.inputs));
  OW_CHECK(static_cast<int64_t>(sel.size()) == ctx.out(0).size(), INTERNAL, "selection changed between infer and run");
  std::copy(sel.begin(), sel.end(), ctx.out(0).data<int64_t>());
  return Status::ok();
}

}  // namespace

extern const OpDef kNonMaxSuppression = {"NonMaxSuppression", "", 10, infer_nms, nullptr, run_nms};

}  // namespace onnxwasm
