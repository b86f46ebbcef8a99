// SPDX-License-Identifier: MIT
// Conv (2D, float32) -> xnn_define_convolution_2d in NHWC. Weights are reordered OIHW -> OHWI
// once here; XNNPACK packs them when the runtime is created. 1D and 3D convs stay on the
// reference kernel.
#include <cmath>

#include "kernels/spatial.h"
#include "xnn/rules.h"

namespace onnxwasm {

Status lower_conv(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  OW_XNN_REQUIRE(p.values[pn.inputs[0]].type.dims.size() == 4, "not a 2D convolution");
  OW_XNN_REQUIRE(p.values[pn.inputs[1]].constant, "weights are not constant");
  OW_XNN_REQUIRE(pn.inputs.size() < 3 || pn.inputs[2] < 0 || p.values[pn.inputs[2]].constant, "bias is not constant");
  OW_ASSIGN_OR_RETURN(WindowAttrs attrs, parse_window_attrs(n, false));
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  const Tensor& w = *p.values[pn.inputs[1]].constant;
  int64_t group = attr_int(n, "group", 1);
  int64_t m = w.dims()[0], cg = w.dims()[1], kh = w.dims()[2], kw = w.dims()[3];
  OW_ASSIGN_OR_RETURN(Window win, resolve_window(n, attrs, {x[2], x[3]}, {kh, kw}));
  if (!b) return Status::ok();

  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], Layout::kNHWC, n));
  uint32_t filter;
  if (cg == 1 || kh * kw == 1) {
    // Depthwise and 1x1 filters: OIHW already is XNNPACK's OHWI order, no copy needed.
    OW_ASSIGN_OR_RETURN(filter, b->packed_view(w, {m, kh, kw, cg}, n));
  } else {
    std::vector<float> ohwi(static_cast<size_t>(w.size()));
    const float* src = w.data<float>();
    for (int64_t o = 0; o < m; o++)
      for (int64_t i = 0; i < cg; i++)
        for (int64_t y = 0; y < kh; y++)
          for (int64_t xx = 0; xx < kw; xx++)
            ohwi[((o * kh + y) * kw + xx) * cg + i] = src[((o * cg + i) * kh + y) * kw + xx];
    OW_ASSIGN_OR_RETURN(filter, b->packed_tensor(std::move(ohwi), {m, kh, kw, cg}, n));
  }
  uint32_t bias = XNN_INVALID_VALUE_ID;
  if (pn.inputs.size() > 2 && pn.inputs[2] >= 0) {
    OW_ASSIGN_OR_RETURN(bias, b->input(pn.inputs[2], Layout::kNative, n));
  }
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNHWC, n));
  return xnn_check(xnn_define_convolution_2d(
                       b->subgraph(), static_cast<uint32_t>(win.pad_begin[0]), static_cast<uint32_t>(win.pad_end[1]),
                       static_cast<uint32_t>(win.pad_end[0]), static_cast<uint32_t>(win.pad_begin[1]),
                       static_cast<uint32_t>(kh), static_cast<uint32_t>(kw), static_cast<uint32_t>(win.strides[0]),
                       static_cast<uint32_t>(win.strides[1]), static_cast<uint32_t>(win.dilations[0]),
                       static_cast<uint32_t>(win.dilations[1]), static_cast<uint32_t>(group),
                       static_cast<size_t>(cg), static_cast<size_t>(m / group), -INFINITY, INFINITY, in, filter,
                       bias, out, 0),
                   "xnn_define_convolution_2d", n);
}

}  // namespace onnxwasm
