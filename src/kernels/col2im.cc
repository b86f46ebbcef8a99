// SPDX-License-Identifier: MIT
// Col2Im: sums sliding blocks [N, C * prod(block), L] back into an image [N, C, spatial...]
// (strides, dilations, pads; any number of spatial dims). Float32/float64.
#include "kernels/op.h"

namespace onnxwasm {
namespace {

struct Col2ImGeom {
  std::vector<int64_t> image, block, strides, dilations, pads, blocks_per_dim;
};

Result<Col2ImGeom> col2im_geom(const Node& node, const Tensor& image, const Tensor& block, const Dims& x) {
  Col2ImGeom g;
  for (int64_t i = 0; i < image.size(); i++) g.image.push_back(image.int_at(i));
  for (int64_t i = 0; i < block.size(); i++) g.block.push_back(block.int_at(i));
  size_t r = g.image.size();
  OW_CHECK(r <= 8, UNSUPPORTED_OP, "%s: %zu spatial dims (at most 8 are supported)", node.describe().c_str(), r);
  g.strides = attr_ints(node, "strides", std::vector<int64_t>(r, 1));
  g.dilations = attr_ints(node, "dilations", std::vector<int64_t>(r, 1));
  g.pads = attr_ints(node, "pads", std::vector<int64_t>(2 * r, 0));
  OW_CHECK(r >= 1 && g.block.size() == r && g.strides.size() == r && g.dilations.size() == r && g.pads.size() == 2 * r,
           INVALID_MODEL, "%s: image_shape, block_shape and the attributes disagree on the spatial rank", node.describe().c_str());
  int64_t blocks = 1, per_block = 1;
  for (size_t i = 0; i < r; i++) {
    OW_CHECK(g.image[i] >= 1 && g.block[i] >= 1 && g.strides[i] >= 1 && g.dilations[i] >= 1 && g.pads[i] >= 0 &&
                 g.pads[i + r] >= 0 && g.image[i] <= (1 << 20) && g.block[i] <= (1 << 20),
             INVALID_INPUT, "%s: invalid geometry", node.describe().c_str());
    int64_t span = g.image[i] + g.pads[i] + g.pads[i + r] - (g.dilations[i] * (g.block[i] - 1) + 1);
    OW_CHECK(span >= 0, INVALID_INPUT, "%s: the block does not fit the padded image on axis %zu", node.describe().c_str(), i);
    g.blocks_per_dim.push_back(span / g.strides[i] + 1);
    blocks *= g.blocks_per_dim.back();
    per_block *= g.block[i];
  }
  OW_CHECK(x.size() == 3 && x[1] % per_block == 0 && x[2] == blocks, INVALID_INPUT,
           "%s: input %s does not hold %lld blocks of %lld values", node.describe().c_str(), dims_to_string(x).c_str(),
           static_cast<long long>(blocks), static_cast<long long>(per_block));
  return g;
}

Status infer_col2im(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 3, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 2, {DType::kInt64}));
  const Tensor *image = ctx.value(1), *block = ctx.value(2);
  const Dims& x = ctx.in(0).dims;
  if (!image || !block || !dims_known(x)) {
    ctx.outputs[0] = ValueType{ctx.in(0).dtype, {}, false};
    return Status::ok();
  }
  OW_ASSIGN_OR_RETURN(Col2ImGeom g, col2im_geom(ctx.node, *image, *block, x));
  int64_t per_block = 1;
  for (int64_t b : g.block) per_block *= b;
  Dims out = {x[0], x[1] / per_block};
  out.insert(out.end(), g.image.begin(), g.image.end());
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_col2im(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  OW_ASSIGN_OR_RETURN(Col2ImGeom g, col2im_geom(ctx.node, ctx.in(1), ctx.in(2), x.dims()));
  size_t r = g.image.size();
  int64_t n = x.dims()[0], c = y.dims()[1], per_block = x.dims()[1] / c, blocks = x.dims()[2], pixels = y.size() / (n * c);
  std::vector<double> acc(static_cast<size_t>(y.size()), 0.0);
  std::vector<int64_t> k(r), l(r);
  for (int64_t b = 0; b < n; b++)
    for (int64_t ch = 0; ch < c; ch++)
      for (int64_t kk = 0; kk < per_block; kk++)
        for (int64_t ll = 0; ll < blocks; ll++) {
          // Block offset kk and block position ll as per-axis coordinates (row-major).
          int64_t rk = kk, rl = ll, pos = 0;
          bool inside = true;
          for (size_t d = r; d-- > 0;) {
            k[d] = rk % g.block[d];
            rk /= g.block[d];
            l[d] = rl % g.blocks_per_dim[d];
            rl /= g.blocks_per_dim[d];
          }
          for (size_t d = 0; d < r; d++) {
            int64_t p = l[d] * g.strides[d] - g.pads[d] + k[d] * g.dilations[d];
            if (p < 0 || p >= g.image[d]) { inside = false; break; }
            pos = pos * g.image[d] + p;
          }
          if (inside) acc[(b * c + ch) * pixels + pos] += x.float_at(((b * c + ch) * per_block + kk) * blocks + ll);
        }
  for (int64_t i = 0; i < y.size(); i++) y.set_float_at(i, acc[i]);
  return Status::ok();
}

}  // namespace

extern const OpDef kCol2Im = {"Col2Im", "", 18, infer_col2im, nullptr, run_col2im};

}  // namespace onnxwasm
