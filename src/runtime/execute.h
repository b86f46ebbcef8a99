// SPDX-License-Identifier: MIT
// Running a Program's nodes on reference kernels: one node at a time for the Session's plan,
// or a whole program for a subgraph (If branches, Loop/Scan bodies).
#pragma once
#include <vector>

#include "core/status.h"
#include "core/threadpool.h"
#include "passes/program.h"

namespace onnxwasm {

// Runs node `pn`: infers its outputs from the concrete inputs in `cur`, allocates them in
// `owned` (ops with any_value make their own), runs its kernel and points `cur` at them.
Status run_node(const Program& program, const ProgramNode& pn, std::vector<const Tensor*>& cur, std::vector<Tensor>& owned,
                ThreadPool* pool);

// Moves (or copies, for constants, inputs and repeats) the program's outputs into `outputs`.
Status collect_outputs(const Program& program, std::vector<const Tensor*>& cur, std::vector<Tensor>& owned,
                       std::vector<Tensor>* outputs);

// A whole program on `inputs` (its graph inputs, in order): the runner control-flow kernels use.
Status run_program(const Program& program, const std::vector<const Tensor*>& inputs, std::vector<Tensor>* outputs,
                   ThreadPool* pool);

}  // namespace onnxwasm
