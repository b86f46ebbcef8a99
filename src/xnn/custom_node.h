// SPDX-License-Identifier: MIT
// What the operators this project puts in XNNPACK subgraph nodes (winograd.h, patches.h) share.
#pragma once
#include <cstddef>

#include <xnnpack.h>

#include "xnnpack/subgraph.h"

namespace onnxwasm {

// The end of a node's reshape: `output` becomes n x h x w x c (NHWC), and XNNPACK is told to
// reallocate its buffers where the output grew or `workspace_grew`.
inline xnn_status reshape_nhwc_output(xnn_value& output, size_t n, size_t h, size_t w, size_t c, bool workspace_grew = false) {
  output.shape.num_dims = 4;
  output.shape.dim[0] = n, output.shape.dim[1] = h, output.shape.dim[2] = w, output.shape.dim[3] = c;
  const size_t size = xnn_tensor_get_size(&output);
  if (size > output.size || workspace_grew) {
    output.size = size;
    return xnn_status_reallocation_required;
  }
  return xnn_status_success;
}

}  // namespace onnxwasm
