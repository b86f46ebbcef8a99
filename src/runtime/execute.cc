// SPDX-License-Identifier: MIT
#include "runtime/execute.h"

namespace onnxwasm {

Status run_node(const Program& program, const ProgramNode& pn, std::vector<const Tensor*>& cur, std::vector<Tensor>& owned,
                ThreadPool* pool) {
  std::vector<const Tensor*> in_values;
  std::vector<ValueType> in_types;
  in_types.reserve(pn.inputs.size());
  for (int id : pn.inputs) {
    OW_CHECK(id < 0 || cur[id], INTERNAL, "%s: an input was not computed", pn.node->describe().c_str());
    in_values.push_back(id < 0 ? nullptr : cur[id]);
    in_types.push_back(id < 0 ? ValueType{} : type_of_value(*cur[id]));
  }
  std::vector<const ValueType*> in_type_ptrs;
  for (size_t i = 0; i < pn.inputs.size(); i++) in_type_ptrs.push_back(pn.inputs[i] < 0 ? nullptr : &in_types[i]);
  std::vector<ValueType> out_types;
  OW_RETURN_IF_ERROR(infer_node(pn, in_type_ptrs, in_values, &out_types));
  std::vector<Tensor*> outs;
  for (size_t i = 0; i < pn.outputs.size(); i++) {
    int id = pn.outputs[i];
    if (id < 0) { outs.push_back(nullptr); continue; }
    if (pn.op->any_value) {
      owned[id] = Tensor();  // the kernel makes it
    } else {
      OW_CHECK(out_types[i].has_rank && dims_known(out_types[i].dims), INTERNAL,
               "%s: output %zu has no concrete shape at run time", pn.node->describe().c_str(), i);
      OW_ASSIGN_OR_RETURN(owned[id], Tensor::make(out_types[i].dtype, out_types[i].dims));
    }
    cur[id] = &owned[id];
    outs.push_back(&owned[id]);
  }
  KernelContext kc{*pn.node, pn.opset, pn.state.get(), in_values, outs, pool};
  for (int id : pn.inputs) kc.constant_inputs.push_back(id >= 0 && cur[id] && cur[id] == program.values[id].constant.get());
  kc.subgraphs = &pn.subgraphs;
  kc.run_subgraph = run_program;
  OW_RETURN_IF_ERROR(pn.op->run(kc).with_context(pn.node->describe()));
  if (pn.op->any_value)
    for (size_t i = 0; i < outs.size(); i++)
      OW_CHECK(!outs[i] || !outs[i]->is_tensor() || outs[i]->dtype() != DType::kUndefined, INTERNAL,
               "%s: output %zu was not made", pn.node->describe().c_str(), i);
  return Status::ok();
}

Status collect_outputs(const Program& program, std::vector<const Tensor*>& cur, std::vector<Tensor>& owned,
                       std::vector<Tensor>* outputs) {
  outputs->clear();
  outputs->reserve(program.outputs.size());
  for (int id : program.outputs) {
    if (owned[id].owns_data() && cur[id] == &owned[id]) {
      outputs->push_back(std::move(owned[id]));
      cur[id] = &outputs->back();  // a second listing of the same output copies this one
    } else {
      // A graph output that is a constant, an input, a sequence, or listed twice: copy it.
      OW_CHECK(cur[id], INTERNAL, "graph output '%s' was not computed", program.values[id].name.c_str());
      OW_ASSIGN_OR_RETURN(Tensor t, cur[id]->clone());
      outputs->push_back(std::move(t));
    }
  }
  return Status::ok();
}

Status run_program(const Program& program, const std::vector<const Tensor*>& inputs, std::vector<Tensor>* outputs,
                   ThreadPool* pool) {
  OW_CHECK(inputs.size() == program.inputs.size(), INTERNAL, "subgraph takes %zu inputs, got %zu", program.inputs.size(),
           inputs.size());
  size_t nv = program.values.size();
  std::vector<const Tensor*> cur(nv, nullptr);
  std::vector<Tensor> owned(nv);
  for (size_t id = 0; id < nv; id++) cur[id] = program.values[id].constant.get();
  for (size_t i = 0; i < inputs.size(); i++) cur[program.inputs[i]] = inputs[i];
  for (const ProgramNode& pn : program.nodes) OW_RETURN_IF_ERROR(run_node(program, pn, cur, owned, pool));
  return collect_outputs(program, cur, owned, outputs);
}

}  // namespace onnxwasm
