// SPDX-License-Identifier: MIT
#include "kernels/spatial.h"

#include <algorithm>

namespace onnxwasm {

Result<WindowAttrs> parse_window_attrs(const Node& node, bool has_ceil_mode) {
  for (const char* name : {"kernel_shape", "strides", "dilations", "pads"})
    OW_RETURN_IF_ERROR(check_attr_kind(node, name, Attribute::Kind::kInts));
  WindowAttrs a;
  a.kernel = attr_ints(node, "kernel_shape");
  a.strides = attr_ints(node, "strides");
  a.dilations = attr_ints(node, "dilations");
  a.pads = attr_ints(node, "pads");
  a.auto_pad = attr_string(node, "auto_pad", "NOTSET");
  a.ceil_mode = has_ceil_mode && attr_int(node, "ceil_mode", 0) != 0;
  OW_CHECK(a.auto_pad == "NOTSET" || a.auto_pad == "VALID" || a.auto_pad == "SAME_UPPER" ||
               a.auto_pad == "SAME_LOWER",
           INVALID_MODEL, "%s: attribute 'auto_pad' must be NOTSET, VALID, SAME_UPPER or SAME_LOWER, got '%s'",
           node.describe().c_str(), a.auto_pad.c_str());
  return a;
}

Result<Window> resolve_window(const Node& node, const WindowAttrs& a, const Dims& in,
                              const std::vector<int64_t>& kernel) {
  const std::string where = node.describe();
  size_t r = in.size();
  OW_CHECK(kernel.size() == r, INVALID_MODEL, "%s: kernel has %zu spatial dims, input has %zu",
           where.c_str(), kernel.size(), r);
  auto check_len = [&](const std::vector<int64_t>& v, size_t want, const char* name) -> Status {
    OW_CHECK(v.empty() || v.size() == want, INVALID_MODEL,
             "%s: attribute '%s' has %zu values, expected %zu", where.c_str(), name, v.size(), want);
    return Status::ok();
  };
  OW_RETURN_IF_ERROR(check_len(a.strides, r, "strides"));
  OW_RETURN_IF_ERROR(check_len(a.dilations, r, "dilations"));
  OW_RETURN_IF_ERROR(check_len(a.pads, 2 * r, "pads"));
  Window w;
  w.kernel = kernel;
  w.strides = a.strides.empty() ? std::vector<int64_t>(r, 1) : a.strides;
  w.dilations = a.dilations.empty() ? std::vector<int64_t>(r, 1) : a.dilations;
  w.pad_begin.assign(r, 0);
  w.pad_end.assign(r, 0);
  w.out.assign(r, kUnknownDim);
  for (size_t i = 0; i < r; i++) {
    OW_CHECK(w.kernel[i] >= 1 && w.kernel[i] <= (1 << 20), INVALID_MODEL,
             "%s: kernel size %lld is invalid", where.c_str(), static_cast<long long>(w.kernel[i]));
    OW_CHECK(w.strides[i] >= 1 && w.strides[i] <= (1 << 20), INVALID_MODEL,
             "%s: attribute 'strides' must be >= 1, got %lld", where.c_str(),
             static_cast<long long>(w.strides[i]));
    OW_CHECK(w.dilations[i] >= 1 && w.dilations[i] <= (1 << 20), INVALID_MODEL,
             "%s: attribute 'dilations' must be >= 1, got %lld", where.c_str(),
             static_cast<long long>(w.dilations[i]));
    if (!a.pads.empty() && a.auto_pad == "NOTSET") {
      w.pad_begin[i] = a.pads[i];
      w.pad_end[i] = a.pads[i + r];
      OW_CHECK(w.pad_begin[i] >= 0 && w.pad_end[i] >= 0 && w.pad_begin[i] < (1 << 20) &&
                   w.pad_end[i] < (1 << 20),
               INVALID_MODEL, "%s: attribute 'pads' must be >= 0", where.c_str());
    }
    if (in[i] < 0) continue;
    int64_t ek = (w.kernel[i] - 1) * w.dilations[i] + 1;
    if (a.auto_pad == "SAME_UPPER" || a.auto_pad == "SAME_LOWER") {
      w.out[i] = (in[i] + w.strides[i] - 1) / w.strides[i];
      int64_t total = std::max<int64_t>(0, (w.out[i] - 1) * w.strides[i] + ek - in[i]);
      w.pad_begin[i] = a.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pad_end[i] = total - w.pad_begin[i];
      continue;
    }
    int64_t span = in[i] + w.pad_begin[i] + w.pad_end[i] - ek;
    OW_CHECK(span >= 0, INVALID_MODEL,
             "%s: the window (%lld with dilation) is larger than the padded input (%lld) on spatial axis %zu",
             where.c_str(), static_cast<long long>(ek),
             static_cast<long long>(in[i] + w.pad_begin[i] + w.pad_end[i]), i);
    w.out[i] = (a.ceil_mode ? (span + w.strides[i] - 1) / w.strides[i] : span / w.strides[i]) + 1;
    // With ceil_mode the last window must start inside the input or left padding.
    if (a.ceil_mode && (w.out[i] - 1) * w.strides[i] >= in[i] + w.pad_begin[i]) w.out[i]--;
  }
  return w;
}

Result<ConvTransposeGeom> conv_transpose_geom(const Node& node, const Dims& x, const Dims& w) {
  const std::string where = node.describe();
  size_t r = x.size() - 2;
  ConvTransposeGeom g;
  g.kernel.assign(w.begin() + 2, w.end());
  std::vector<int64_t> ks = attr_ints(node, "kernel_shape");
  if (!ks.empty()) g.kernel = ks;
  g.strides = attr_ints(node, "strides", std::vector<int64_t>(r, 1));
  g.dilations = attr_ints(node, "dilations", std::vector<int64_t>(r, 1));
  std::vector<int64_t> pads = attr_ints(node, "pads", std::vector<int64_t>(2 * r, 0));
  std::vector<int64_t> out_pad = attr_ints(node, "output_padding", std::vector<int64_t>(r, 0));
  std::vector<int64_t> out_shape = attr_ints(node, "output_shape");
  std::string auto_pad = attr_string(node, "auto_pad", "NOTSET");
  OW_CHECK(g.kernel.size() == r && g.strides.size() == r && g.dilations.size() == r && pads.size() == 2 * r &&
               out_pad.size() == r && (out_shape.empty() || out_shape.size() == r || out_shape.size() == r + 2),
           INVALID_MODEL, "%s: window attributes do not match %zu spatial dims", where.c_str(), r);
  if (out_shape.size() == r + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  g.pad_begin.assign(pads.begin(), pads.begin() + r);
  g.pad_end.assign(pads.begin() + r, pads.end());
  g.output_padding = out_pad;
  g.out.assign(r, kUnknownDim);
  for (size_t i = 0; i < r; i++) {
    OW_CHECK(g.strides[i] >= 1 && g.dilations[i] >= 1 && g.kernel[i] >= 1 && g.strides[i] <= (1 << 20) &&
                 g.dilations[i] <= (1 << 20) && g.kernel[i] <= (1 << 20) && out_pad[i] >= 0 && pads[i] >= 0 &&
                 pads[i + r] >= 0,
             INVALID_MODEL, "%s: invalid window attributes", where.c_str());
    if (x[2 + i] < 0) continue;
    int64_t full = g.strides[i] * (x[2 + i] - 1) + out_pad[i] + (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (!out_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      int64_t want = !out_shape.empty() ? out_shape[i] : x[2 + i] * g.strides[i];
      int64_t total = full - want;
      if (total < 0) total = 0;
      bool upper = auto_pad != "SAME_LOWER";
      g.pad_begin[i] = upper ? total / 2 : total - total / 2;
      g.pad_end[i] = total - g.pad_begin[i];
      g.out[i] = want;
    } else {
      g.out[i] = full - g.pad_begin[i] - g.pad_end[i];
    }
    OW_CHECK(g.out[i] >= 0, INVALID_MODEL, "%s: pads leave no output on spatial axis %zu", where.c_str(), i);
  }
  return g;
}

}  // namespace onnxwasm
