// SPDX-License-Identifier: MIT
// What the operators this project puts in XNNPACK subgraph nodes (winograd.h, winograd_qs8.h,
// conv_qs8.h) share.
#pragma once
#include <cstddef>

#include <pthreadpool.h>
#include <xnnpack.h>

#include "xnnpack/common.h"
#include "xnnpack/operator.h"
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

// The end of a reshape that runs `task` over `tasks` (none: nothing to run, an empty batch)
// with `scratch_bytes` of workspace per thread, its output n x h x w x c (NHWC).
inline xnn_status reshape_tasks_with_scratch(xnn_operator* op, xnn_operator_data* opdata, pthreadpool_task_1d_with_thread_t task,
                                             size_t tasks, size_t threads, size_t scratch_bytes, xnn_value& output, size_t n,
                                             size_t h, size_t w, size_t c) {
  const size_t old_workspace = opdata->workspace_size;
  opdata->workspace_size = threads * scratch_bytes + XNN_EXTRA_BYTES;
  opdata->workspace_alignment = XNN_ALLOCATION_ALIGNMENT;
  op->compute[0].type = tasks != 0 ? xnn_parallelization_type_1d_with_thread : xnn_parallelization_type_invalid;
  op->compute[0].task_1d_with_thread = task;
  op->compute[0].context_offset = 0;
  op->compute[0].range[0] = tasks;
  op->state = xnn_run_state_needs_setup;
  return reshape_nhwc_output(output, n, h, w, c, opdata->workspace_size > old_workspace);
}

// A node's setup for an operator that keeps its plan (`input`, `output` and `scratch` pointers
// among its fields) in the operator's context: the run's tensors and workspace.
template <typename Plan>
xnn_status setup_plan(const xnn_operator_data* opdata, const xnn_value* values, size_t, pthreadpool_t) {
  xnn_operator* op = opdata->operator_objects[0];
  Plan& p = *reinterpret_cast<Plan*>(&op->context);
  p.input = static_cast<decltype(p.input)>(values[opdata->inputs[0]].data);
  p.output = static_cast<decltype(p.output)>(values[opdata->outputs[0]].data);
  p.scratch = static_cast<decltype(p.scratch)>(opdata->workspace);
  op->state = xnn_run_state_ready;
  return xnn_status_success;
}

}  // namespace onnxwasm
