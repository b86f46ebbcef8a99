// SPDX-License-Identifier: MIT
#include "ir/graph.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace onnxwasm {

const char* attribute_kind_name(Attribute::Kind kind) {
  static const char* names[] = {"UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH",
                                "FLOATS", "INTS", "STRINGS", "TENSORS", "GRAPHS",
                                "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"};
  return names[static_cast<int>(kind)];
}

const Attribute* Node::attr(std::string_view attr_name) const {
  for (const Attribute& a : attributes)
    if (a.name == attr_name) return &a;
  return nullptr;
}

std::string Node::describe() const {
  std::string d = domain.empty() ? op_type : domain + "." + op_type;
  return "node '" + name + "' (" + d + ")";
}

int64_t Model::opset(const std::string& domain) const {
  auto it = opsets.find(domain);
  if (it == opsets.end() && domain == "ai.onnx") it = opsets.find("");
  return it == opsets.end() ? 0 : it->second;
}

// Names a subgraph reads from its outer scopes (at any depth): what it uses but does not define.
static void outer_references(const Graph& g, std::unordered_set<std::string>* out) {
  std::unordered_set<std::string> defined;
  for (const ValueInfo& v : g.inputs) defined.insert(v.name);
  for (const auto& kv : g.initializers) defined.insert(kv.first);
  for (const Node& n : g.nodes)
    for (const std::string& o : n.outputs) defined.insert(o);
  std::unordered_set<std::string> used;
  for (const Node& n : g.nodes) {
    for (const std::string& i : n.inputs) used.insert(i);
    for (const Attribute& a : n.attributes) {
      if (a.g) outer_references(*a.g, &used);
      for (const auto& sg : a.graphs) if (sg) outer_references(*sg, &used);
    }
  }
  for (const ValueInfo& v : g.outputs) used.insert(v.name);
  for (const std::string& u : used)
    if (!u.empty() && !defined.count(u)) out->insert(u);
}

std::vector<std::string> outer_values(const Node& n) {
  std::unordered_set<std::string> names;
  for (const Attribute& a : n.attributes) {
    if (a.g) outer_references(*a.g, &names);
    for (const auto& sg : a.graphs) if (sg) outer_references(*sg, &names);
  }
  std::vector<std::string> out(names.begin(), names.end());
  std::sort(out.begin(), out.end());
  return out;
}

// Kahn's algorithm over value names, depth-first so a value's users run soon after it. A node
// with subgraphs also depends on the outer values its subgraphs read.
Result<std::vector<size_t>> topological_order(const Graph& graph,
                                              const std::vector<std::string>& outer) {
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < graph.nodes.size(); i++) {
    for (const std::string& out : graph.nodes[i].outputs) {
      if (out.empty()) continue;
      OW_CHECK(producer.emplace(out, i).second, INVALID_MODEL,
               "value '%s' is produced twice (by %s and %s)", out.c_str(),
               graph.nodes[producer[out]].describe().c_str(), graph.nodes[i].describe().c_str());
    }
  }
  std::unordered_set<std::string> available(outer.begin(), outer.end());
  for (const ValueInfo& v : graph.inputs) available.insert(v.name);
  for (const auto& kv : graph.initializers) available.insert(kv.first);

  std::vector<int> pending(graph.nodes.size(), 0);
  std::vector<std::vector<size_t>> users(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); i++) {
    std::vector<std::string> inputs = graph.nodes[i].inputs;
    std::unordered_set<std::string> implicit;
    for (const Attribute& a : graph.nodes[i].attributes) {
      if (a.g) outer_references(*a.g, &implicit);
      for (const auto& sg : a.graphs) if (sg) outer_references(*sg, &implicit);
    }
    for (const std::string& name : implicit)
      if (producer.count(name)) inputs.push_back(name);  // outer-scope names resolve further out
    for (const std::string& in : inputs) {
      if (in.empty() || available.count(in)) continue;
      auto it = producer.find(in);
      OW_CHECK(it != producer.end(), INVALID_MODEL,
               "%s: input '%s' is not produced by any node, graph input or initializer",
               graph.nodes[i].describe().c_str(), in.c_str());
      pending[i]++;
      users[it->second].push_back(i);
    }
  }
  std::vector<size_t> order, ready;
  for (size_t i = graph.nodes.size(); i-- > 0;)
    if (pending[i] == 0) ready.push_back(i);
  while (!ready.empty()) {
    size_t n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (auto it = users[n].rbegin(); it != users[n].rend(); ++it)
      if (--pending[*it] == 0) ready.push_back(*it);
  }
  if (order.size() != graph.nodes.size()) {
    for (size_t i = 0; i < graph.nodes.size(); i++)
      if (pending[i] > 0)
        return make_status(Code::INVALID_MODEL, "graph has a cycle through %s",
                           graph.nodes[i].describe().c_str());
  }
  for (const ValueInfo& out : graph.outputs)
    OW_CHECK(available.count(out.name) || producer.count(out.name), INVALID_MODEL,
             "graph output '%s' is not produced by any node, input or initializer",
             out.name.c_str());
  return order;
}

}  // namespace onnxwasm
