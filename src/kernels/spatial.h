// SPDX-License-Identifier: MIT
// Window geometry shared by Conv, ConvTranspose and the pools (and their XNNPACK lowerings):
// kernel, strides, dilations, explicit or auto pads, ceil_mode -> resolved pads and output sizes.
#pragma once
#include <string>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {

struct WindowAttrs {
  std::vector<int64_t> kernel;     // may be empty for Conv (taken from the weights)
  std::vector<int64_t> strides, dilations, pads;  // as in the model (may be empty)
  std::string auto_pad = "NOTSET";
  bool ceil_mode = false;
};

struct Window {
  std::vector<int64_t> kernel, strides, dilations, pad_begin, pad_end, out;
};

Result<WindowAttrs> parse_window_attrs(const Node& node, bool has_ceil_mode);
// Resolves attributes against the input's spatial dims (unknown dims give unknown outputs).
Result<Window> resolve_window(const Node& node, const WindowAttrs& attrs, const Dims& in_spatial,
                              const std::vector<int64_t>& kernel);

// ConvTranspose's geometry: output_padding, output_shape and SAME auto_pad resolved into
// pads (unknown input dims give unknown outputs).
struct ConvTransposeGeom {
  std::vector<int64_t> kernel, strides, dilations, pad_begin, pad_end, output_padding, out;
};
Result<ConvTransposeGeom> conv_transpose_geom(const Node& node, const Dims& x, const Dims& w);

}  // namespace onnxwasm
