// SPDX-License-Identifier: MIT
// Conv (2D, float32) -> xnn_define_convolution_2d in NHWC; ConvTranspose (2D) ->
// xnn_define_deconvolution_2d. Weights are packed when the runtime is created: those of
// convolutions without groups by the region's weights cache, straight from ONNX's OIHW order;
// the others by XNNPACK, from OHWI (reordered here where that differs). Per-channel affine
// nodes right after (BatchNormalization, a scale layer: rules_affine.cc) are folded in, so a
// Relu after them fuses too. 1D and 3D convolutions stay on the reference kernel.
#include <cmath>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#include "kernels/spatial.h"
#include "xnn/rules.h"
#include "xnn/winograd.h"
#include "xnn/winograd_qs8.h"

namespace onnxwasm {
namespace {

// dst[o][i] = src[o][i] * mul[o] for m rows of `row` floats (dst may be src). In wasm SIMD by
// hand: this file is built -Os (CMakeLists.txt), where clang leaves the loop scalar, and
// unfused BatchNormalization scales every weight of its convolution (light_resnet50: 100 MB).
void scale_rows(const float* src, float* dst, int64_t m, int64_t row, const float* mul) {
  for (int64_t o = 0; o < m; o++, src += row, dst += row) {
    int64_t i = 0;
#ifdef __wasm_simd128__
    const v128_t s = wasm_f32x4_splat(mul[o]);
    for (; i + 4 <= row; i += 4) wasm_v128_store(dst + i, wasm_f32x4_mul(wasm_v128_load(src + i), s));
#endif
    for (; i < row; i++) dst[i] = src[i] * mul[o];
  }
}

}  // namespace

Status lower_conv(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  OW_XNN_REQUIRE(p.values[pn.inputs[0]].type.dims.size() == 4, "not a 2D convolution");
  OW_XNN_REQUIRE(constant_weights(p, pn.inputs[1]), "weights are not constant");
  OW_XNN_REQUIRE(pn.inputs.size() < 3 || pn.inputs[2] < 0 || p.values[pn.inputs[2]].constant, "bias is not constant");
  OW_ASSIGN_OR_RETURN(WindowAttrs attrs, parse_window_attrs(n, false));
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  const Dims& w = p.values[pn.inputs[1]].type.dims;
  OW_XNN_REQUIRE(w.size() == 4, "weights are not 4-D");
  int64_t group = attr_int(n, "group", 1);
  int64_t m = w[0], cg = w[1], kh = w[2], kw = w[3];
  OW_ASSIGN_OR_RETURN(Window win, resolve_window(n, attrs, {x[2], x[3]}, {kh, kw}));
  if (!b) return Status::ok();
  const int winograd = winograd_tile(kh, kw, win.strides[0], win.strides[1], win.dilations[0], win.dilations[1], group, cg, m,
                                     win.out[0], win.out[1]);
  // A QDQ convolution runs in int8 (rules_quant.cc), its 3x3 stride-1 ones as int8 Winograd
  // (winograd_qs8.h): resnet18_qdq's 56x56 ones took 2.4 ms as F(2x2, 3x3) against 2.7 as float
  // Winograd F(4x4, 3x3) between their DequantizeLinear and QuantizeLinear (int8 F(4x4): 1.2),
  // where those of more than 1024 input channels (whose int8 sums could overflow) still run
  // where 4x4 tiles fit: XNNPACK's direct int8 3x3 convolutions run no faster than its float
  // ones here (wasm SIMD's int8 dot product needs its inputs widened to 16 bits first), and 4x4
  // tiles do a quarter of the multiplies.
  if (winograd != 4 || winograd_qs8_tile(kh, kw, win.strides[0], win.strides[1], win.dilations[0], win.dilations[1], group, cg, m,
                                         win.out[0], win.out[1]) != 0) {
    OW_ASSIGN_OR_RETURN(bool quantized, lower_conv_qs8(pn, p, win, b));
    if (quantized) return Status::ok();
  }

  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], Layout::kNHWC, n));
  const AffineChain affine = affine_chain(p, *b, pn.outputs[0], m);
  // Without groups the region's weights cache packs the kernel itself, from ONNX's OIHW order;
  // otherwise XNNPACK packs it and needs OHWI, which depthwise and 1x1 kernels already are.
  // Winograd's operator (winograd.h) packs its own weights, from OIHW.
  const size_t taps = static_cast<size_t>(kh * kw);
  const bool packed_here =
      winograd == 0 && group == 1 && PackedWeights::packs_conv(static_cast<size_t>(m), static_cast<size_t>(cg));
  const bool to_ohwi = winograd == 0 && !packed_here && cg > 1 && taps > 1;
  uint32_t filter;
  if (!affine.nodes.empty()) {
    // Each output channel's weights times its scale (and reordered where needed): in place
    // unless reordered.
    const int64_t row = cg * kh * kw;
    OW_ASSIGN_OR_RETURN(filter, b->packed_reordered(pn.inputs[1], {m, kh, kw, cg}, [&](const float* src, float* dst) {
      if (to_ohwi) oihw_to_ohwi(src, dst, m, cg, kh * kw);
      scale_rows(to_ohwi ? dst : src, dst, m, row, affine.mul.data());
    }, n, to_ohwi ? XnnBuilder::Overwrite::kNo : XnnBuilder::Overwrite::kInPlace));
  } else if (!to_ohwi) {
    OW_ASSIGN_OR_RETURN(filter, b->packed_view(pn.inputs[1], {m, kh, kw, cg}, n));
  } else {
    OW_ASSIGN_OR_RETURN(filter, b->packed_reordered(pn.inputs[1], {m, kh, kw, cg},
                                                    [&](const float* src, float* dst) { oihw_to_ohwi(src, dst, m, cg, kh * kw); }, n));
  }
  const int bias_id = pn.inputs.size() > 2 && pn.inputs[2] >= 0 ? pn.inputs[2] : -1;
  uint32_t bias = XNN_INVALID_VALUE_ID;
  if (!affine.nodes.empty()) {
    std::vector<float> shifted = affine.add;
    if (bias_id >= 0) {
      OW_ASSIGN_OR_RETURN(std::vector<float> given, b->float_values(bias_id, n));
      for (int64_t o = 0; o < m; o++) shifted[o] += given[o] * affine.mul[o];
    }
    OW_ASSIGN_OR_RETURN(bias, b->packed_tensor(std::move(shifted), {m}, bias_id, n));
  } else if (bias_id >= 0) {
    OW_ASSIGN_OR_RETURN(bias, b->packed_view(bias_id, p.values[bias_id].type.dims, n));
  }
  if (packed_here)
    OW_XNN_REQUIRE(b->expect_igemm(filter, bias, static_cast<size_t>(m), static_cast<size_t>(cg), taps, cg > 1 && taps > 1),
                   "the weights cache does not take the kernel");
  // Folded: the convolution defines the last affine node's output, and the region skips them.
  for (int ni : affine.nodes) b->mark_fused(ni);
  const int out_id = affine.nodes.empty() ? pn.outputs[0] : p.nodes[affine.nodes.back()].outputs[0];
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(out_id, Layout::kNHWC, n));
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_convolution_2d(
                       b->subgraph(), static_cast<uint32_t>(win.pad_begin[0]), static_cast<uint32_t>(win.pad_end[1]),
                       static_cast<uint32_t>(win.pad_end[0]), static_cast<uint32_t>(win.pad_begin[1]),
                       static_cast<uint32_t>(kh), static_cast<uint32_t>(kw), static_cast<uint32_t>(win.strides[0]),
                       static_cast<uint32_t>(win.strides[1]), static_cast<uint32_t>(win.dilations[0]),
                       static_cast<uint32_t>(win.dilations[1]), static_cast<uint32_t>(group),
                       static_cast<size_t>(cg), static_cast<size_t>(m / group), -INFINITY, INFINITY, in, filter,
                       bias, out, 0),
                   "xnn_define_convolution_2d", n));
  if (winograd != 0) use_winograd(b->subgraph(), winograd), b->winograd_convolutions++;
  return Status::ok();
}

// ONNX ConvTranspose weights are [Cin, Cout/group, kh, kw]; XNNPACK wants, per group,
// [Cout/group, kh, kw, Cin/group].
Status lower_conv_transpose(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  OW_XNN_REQUIRE(x.size() == 4, "not a 2D transposed convolution");
  OW_XNN_REQUIRE(constant_weights(p, pn.inputs[1]), "weights are not constant");
  OW_XNN_REQUIRE(pn.inputs.size() < 3 || pn.inputs[2] < 0 || p.values[pn.inputs[2]].constant, "bias is not constant");
  const Dims& w = p.values[pn.inputs[1]].type.dims;
  OW_XNN_REQUIRE(w.size() == 4, "weights are not 4-D");
  OW_ASSIGN_OR_RETURN(ConvTransposeGeom geom, conv_transpose_geom(n, x, w));
  const int64_t group = attr_int(n, "group", 1), cin = w[0], og = w[1], kh = w[2], kw = w[3];
  const int64_t ig = cin / group;
  OW_XNN_REQUIRE(geom.kernel == std::vector<int64_t>({kh, kw}), "kernel_shape differs from the weights");
  for (int i = 0; i < 2; i++) {
    // XNNPACK derives the output size from the pads; output_shape beyond the full size is not that.
    int64_t full = geom.strides[i] * (x[2 + i] - 1) + geom.output_padding[i] + (geom.kernel[i] - 1) * geom.dilations[i] + 1;
    OW_XNN_REQUIRE(geom.out[i] == full - geom.pad_begin[i] - geom.pad_end[i], "output_shape is larger than the full output");
    OW_XNN_REQUIRE(geom.output_padding[i] < geom.strides[i], "output_padding is not below the stride");
  }
  if (!b) return Status::ok();
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], Layout::kNHWC, n));
  auto reorder = [&](const float* src, float* ohwi) {
    for (int64_t g = 0; g < group; g++)
      for (int64_t o = 0; o < og; o++)
        for (int64_t i = 0; i < ig; i++)
          for (int64_t y = 0; y < kh; y++)
            for (int64_t xx = 0; xx < kw; xx++)
              ohwi[(((g * og + o) * kh + y) * kw + xx) * ig + i] = src[(((g * ig + i) * og + o) * kh + y) * kw + xx];
  };
  OW_ASSIGN_OR_RETURN(uint32_t filter, b->packed_reordered(pn.inputs[1], {group * og, kh, kw, ig}, reorder, n));
  uint32_t bias = XNN_INVALID_VALUE_ID;
  if (pn.inputs.size() > 2 && pn.inputs[2] >= 0) {
    OW_ASSIGN_OR_RETURN(bias, b->packed_view(pn.inputs[2], p.values[pn.inputs[2]].type.dims, n));
  }
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNHWC, n));
  auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
  return xnn_check(xnn_define_deconvolution_2d(b->subgraph(), u(geom.pad_begin[0]), u(geom.pad_end[1]), u(geom.pad_end[0]),
                                               u(geom.pad_begin[1]), u(geom.output_padding[0]), u(geom.output_padding[1]),
                                               u(kh), u(kw), u(geom.strides[0]), u(geom.strides[1]), u(geom.dilations[0]),
                                               u(geom.dilations[1]), u(group), static_cast<size_t>(ig),
                                               static_cast<size_t>(og), -INFINITY, INFINITY, in, filter, bias, out, 0),
                   "xnn_define_deconvolution_2d", n);
}

}  // namespace onnxwasm
