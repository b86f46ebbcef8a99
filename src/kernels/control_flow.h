// SPDX-License-Identifier: MIT
// Shared by the ops that run subgraphs (control_flow.cc, scan.cc).
#pragma once
#include <string_view>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {

// The compiled graph attribute `name` of the running node (null if absent).
const Program* subgraph(const KernelContext& ctx, std::string_view name);
// Runs `body` on `inputs` followed by the node's outer-scope values; it must give `num_outputs`.
Status run_body(const KernelContext& ctx, const Program& body, std::vector<const Tensor*> inputs, size_t num_outputs,
                std::vector<Tensor>* outputs);
// Nothing is known about the outputs of a subgraph before it runs.
Status infer_unknown_outputs(InferContext& ctx);
// Graph attribute `name` exists with that many inputs (SIZE_MAX: any) and outputs.
Status check_graph_attr(const Node& n, const char* name, size_t num_inputs, size_t num_outputs);

}  // namespace onnxwasm
