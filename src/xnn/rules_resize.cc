// SPDX-License-Identifier: MIT
// Resize (opset 11+), bilinear on the two spatial axes of NCHW, with constant scales ->
// xnn_define_static_resize_bilinear_2d in NHWC. XNNPACK maps coordinates with in/out, so the
// scales must be exactly out/in; its flags give half_pixel (default), align_corners and
// asymmetric (TensorFlow's legacy mode).
#include "xnn/rules.h"

namespace onnxwasm {

Status lower_resize(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  OW_XNN_REQUIRE(n.op_type == "Resize" && pn.opset >= 11, "Resize before opset 11");
  OW_XNN_REQUIRE(attr_string(n, "mode", "nearest") == "linear", "not linear");
  OW_XNN_REQUIRE(attr_int(n, "antialias", 0) == 0 && !n.attr("axes"), "antialias or axes");
  const Dims &x = p.values[pn.inputs[0]].type.dims, &y = p.values[pn.outputs[0]].type.dims;
  OW_XNN_REQUIRE(x.size() == 4 && x[0] == y[0] && x[1] == y[1], "not a 2D resize of NCHW");
  OW_XNN_REQUIRE(pn.inputs.size() == 3 && pn.inputs[2] >= 0 && p.values[pn.inputs[2]].constant, "scales are not constant");
  const Tensor& scales = *p.values[pn.inputs[2]].constant;
  OW_XNN_REQUIRE(scales.size() == 4, "scales for %lld axes", static_cast<long long>(scales.size()));
  for (int i = 2; i < 4; i++)
    OW_XNN_REQUIRE(static_cast<double>(scales.data<float>()[i]) * static_cast<double>(x[i]) == static_cast<double>(y[i]),
                   "the scale is not output/input");
  const std::string coord = attr_string(n, "coordinate_transformation_mode", "half_pixel");
  uint32_t flags = 0;
  if (coord == "align_corners") flags = XNN_FLAG_ALIGN_CORNERS;
  else if (coord == "asymmetric") flags = XNN_FLAG_TENSORFLOW_LEGACY_MODE;
  else OW_XNN_REQUIRE(coord == "half_pixel" || (coord == "pytorch_half_pixel" && y[2] > 1 && y[3] > 1),
                      "coordinate_transformation_mode %s", coord.c_str());
  if (!b) return Status::ok();
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], Layout::kNHWC, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNHWC, n));
  return xnn_check(xnn_define_static_resize_bilinear_2d(b->subgraph(), static_cast<size_t>(y[2]), static_cast<size_t>(y[3]),
                                                        in, out, flags),
                   "xnn_define_static_resize_bilinear_2d", n);
}

}  // namespace onnxwasm
