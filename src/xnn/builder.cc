// SPDX-License-Identifier: MIT
#include "xnn/builder.h"

#include <algorithm>
#include <limits>

#include "xnnpack/subgraph.h"

namespace onnxwasm {

Dims dims_in_layout(const Dims& d, Layout layout) {
  if (layout != Layout::kNHWC || d.size() != 4) return d;
  return {d[0], d[2], d[3], d[1]};
}

int64_t nhwc_axis(int64_t a) { return a == 0 ? 0 : a == 1 ? 3 : a - 1; }

Status xnn_check(xnn_status status, const char* call, const Node& node) {
  if (status == xnn_status_success) return Status::ok();
  static const char* names[] = {"success", "uninitialized", "invalid_parameter", "invalid_state",
                                "unsupported_parameter", "unsupported_hardware", "out_of_memory",
                                "reallocation_required", "deprecated"};
  const char* name = static_cast<unsigned>(status) < 9 ? names[status] : "unknown";
  return make_status(status == xnn_status_out_of_memory ? Code::OUT_OF_MEMORY : Code::INTERNAL,
                     "%s for %s: %s", call, node.describe().c_str(), name);
}

XnnBuilder::XnnBuilder(const Program& program, xnn_subgraph_t subgraph, std::vector<int> inputs,
                       std::vector<int> outputs)
    : program_(program), subgraph_(subgraph), inputs_(std::move(inputs)), outputs_(std::move(outputs)) {}

bool XnnBuilder::is_output(int id) const {
  return std::find(outputs_.begin(), outputs_.end(), id) != outputs_.end();
}

bool XnnBuilder::fused(int node_index) const {
  return std::find(fused_.begin(), fused_.end(), node_index) != fused_.end();
}

const XnnBuilder::Quantized* XnnBuilder::quantized(int id) const {
  auto it = quantized_.find(id);
  return it == quantized_.end() ? nullptr : &it->second;
}

int XnnBuilder::dequantized_source(int id) const {
  auto it = dequantized_.find(id);
  return it == dequantized_.end() ? -1 : it->second;
}

Result<uint32_t> XnnBuilder::define_quantized(xnn_datatype type, const Dims& dims, float scale, int32_t zero_point,
                                              const void* data, const Node& node) {
  std::vector<size_t> d(dims.begin(), dims.end());
  uint32_t id = XNN_INVALID_VALUE_ID;
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_quantized_tensor_value(subgraph_, type, zero_point, scale, d.size(), d.data(), data,
                                                                 XNN_INVALID_VALUE_ID, 0, &id),
                               "xnn_define_quantized_tensor_value", node));
  return id;
}

Result<uint32_t> XnnBuilder::define_channelwise(xnn_datatype type, const Dims& dims, std::vector<float> scales,
                                                const void* data, const Node& node) {
  std::vector<size_t> d(dims.begin(), dims.end());
  buffers_.push_back(std::make_unique<std::vector<float>>(std::move(scales)));
  uint32_t id = XNN_INVALID_VALUE_ID;
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_channelwise_quantized_tensor_value(subgraph_, type, buffers_.back()->data(), d.size(),
                                                                             0, d.data(), data, XNN_INVALID_VALUE_ID, 0, &id),
                               "xnn_define_channelwise_quantized_tensor_value", node));
  return id;
}

Result<uint32_t> XnnBuilder::quantized_input(int id, Layout layout, const Node& node) {
  auto it = quantized_.find(id);
  OW_CHECK(it != quantized_.end(), INTERNAL, "%s: quantized value '%s' is not defined in its XNNPACK region",
           node.describe().c_str(), program_.values[id].name.c_str());
  const Dims& dims = type(id).dims;
  if (dims.size() != 4 || it->second.layout == layout) return it->second.xid;
  // Transposes move bytes whatever they mean: the permuted tensor keeps the quantization.
  Quantized q = it->second;
  OW_ASSIGN_OR_RETURN(uint32_t t, define_quantized(xnn_datatype_qint8, dims_in_layout(dims, layout), q.scale, q.zero_point,
                                                   nullptr, node));
  const size_t to_nhwc[4] = {0, 2, 3, 1}, to_nchw[4] = {0, 3, 1, 2};
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_static_transpose(subgraph_, 4, layout == Layout::kNHWC ? to_nhwc : to_nchw, q.xid, t, 0),
                               "xnn_define_static_transpose", node));
  q.xid = t;
  q.layout = layout;
  quantized_[id] = q;  // later readers in this layout take the transposed copy
  return t;
}

Layout XnnBuilder::layout_of(int id) const {
  auto it = values_.find(id);
  return it == values_.end() ? Layout::kNative : it->second.layout;
}

Result<uint32_t> XnnBuilder::define(const Dims& dims, const void* data, uint32_t external_id,
                                    uint32_t flags, const Node& node) {
  std::vector<size_t> d(dims.begin(), dims.end());
  uint32_t id = XNN_INVALID_VALUE_ID;
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_tensor_value(subgraph_, xnn_datatype_fp32, d.size(), d.data(),
                                                       data, external_id, flags, &id),
                               "xnn_define_tensor_value", node));
  if (data != nullptr) static_data_[id] = data;
  return id;
}

// The weights as the region's cache would pack them, or nothing where it would not.
std::optional<PackedWeights::Igemm> XnnBuilder::packable(uint32_t filter, uint32_t bias, size_t out, size_t in, size_t taps,
                                                         PackedWeights::Order order, size_t stride) const {
  auto data = [&](uint32_t id) {
    auto it = static_data_.find(id);
    return static_cast<const float*>(it == static_data_.end() ? nullptr : it->second);
  };
  if (weights_ == nullptr || data(filter) == nullptr || (bias != XNN_INVALID_VALUE_ID && data(bias) == nullptr) ||
      !PackedWeights::packs_conv(out, in))
    return std::nullopt;
  return PackedWeights::Igemm{data(filter), bias == XNN_INVALID_VALUE_ID ? nullptr : data(bias), out, in, taps, order, stride};
}

bool XnnBuilder::expect_igemm(uint32_t filter, uint32_t bias, size_t out, size_t in, size_t taps, bool oihw) {
  auto w = packable(filter, bias, out, in, taps, oihw ? PackedWeights::Order::kOihw : PackedWeights::Order::kOhwi, 0);
  if (w) weights_->expect_igemm(*w);
  return w.has_value();
}

void XnnBuilder::expect_fully_connected(uint32_t filter, uint32_t bias, size_t out, size_t in, bool transposed) {
  auto w = packable(filter, bias, out, in, 1, transposed ? PackedWeights::Order::kIo : PackedWeights::Order::kOhwi,
                    transposed ? out : 0);
  if (w) weights_->expect_fully_connected(*w);
}

const void* XnnBuilder::int8_kernel_view(int source, const Tensor& kernel) {
  PackSource s;
  s.constant = source;
  return add_pack_source(std::move(s), kernel.raw());
}

Result<uint32_t> XnnBuilder::static_tensor(std::vector<float> data, const Dims& dims, const Node& node) {
  // XNNPACK may read up to 16 bytes past static data. A fresh vector sized once: growing
  // `data` in place could double its capacity, and this one lives as long as the runtime.
  auto padded = std::make_unique<std::vector<float>>(data.size() + 4);
  std::copy(data.begin(), data.end(), padded->begin());
  buffers_.push_back(std::move(padded));
  return define(dims, buffers_.back()->data(), XNN_INVALID_VALUE_ID, 0, node);
}

// Program reads of constant `id`: one per (node, input slot), none if a graph output.
static int program_reads(const Program& p, int id) {
  int reads = 0;
  std::vector<int> users = p.values[id].users;
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  for (int u : users) {
    if (u < 0) return -1;
    for (int in : p.nodes[u].inputs) reads += in == id;
  }
  return reads;
}

const void* XnnBuilder::add_pack_source(PackSource source, const void* view) {
  const void* ptr = view ? view : !source.floats.empty() ? static_cast<const void*>(source.floats.data())
                                                          : static_cast<const void*>(source.bytes.data());
  auto it = packing_.find(ptr);
  if (it == packing_.end()) it = packing_.emplace(ptr, std::move(source)).first;
  it->second.pending++;  // a view packed by more than one operator
  return ptr;
}

Result<uint32_t> XnnBuilder::packed_tensor(std::vector<float> data, const Dims& dims, int source, const Node& node) {
  PackSource s;
  s.floats = std::move(data);
  s.constant = source;
  return define(dims, add_pack_source(std::move(s), nullptr), XNN_INVALID_VALUE_ID, 0, node);
}

Result<std::vector<float>> XnnBuilder::float_values(int id, const Node& node) const {
  const ProgramValue& v = program_.values[id];
  if (v.constant) return std::vector<float>(v.constant->data<float>(), v.constant->data<float>() + v.constant->size());
  OW_CHECK(v.quant && v.producer >= 0 && v.type.dtype == DType::kFloat32, INTERNAL, "%s: '%s' is not constant",
           node.describe().c_str(), v.name.c_str());
  const ProgramNode& dq = program_.nodes[v.producer];
  std::vector<const Tensor*> ins;
  for (int in : dq.inputs) {
    OW_CHECK(in < 0 || program_.values[in].constant, INTERNAL, "%s: an input is no longer constant", dq.node->describe().c_str());
    ins.push_back(in >= 0 ? program_.values[in].constant.get() : nullptr);
  }
  std::vector<float> out(static_cast<size_t>(num_elements(v.type.dims)));
  Tensor view = Tensor::view(DType::kFloat32, v.type.dims, out.data());
  OW_RETURN_IF_ERROR(fold_node(dq, ins, {&view}));
  return out;
}

Result<uint32_t> XnnBuilder::packed_view(int id, const Dims& dims, const Node& node) {
  if (!constant(id)) {  // kept quantized: dequantized for packing, freed once packed
    OW_ASSIGN_OR_RETURN(std::vector<float> values, float_values(id, node));
    return packed_tensor(std::move(values), dims, id, node);
  }
  PackSource s;
  s.constant = id;
  return define(dims, add_pack_source(std::move(s), constant(id)->raw()), XNN_INVALID_VALUE_ID, 0, node);
}

Result<uint32_t> XnnBuilder::packed_reordered(int id, const Dims& dims,
                                              const std::function<void(const float*, float*)>& reorder, const Node& node,
                                              Overwrite in_place) {
  if (!constant(id)) {
    OW_ASSIGN_OR_RETURN(std::vector<float> values, float_values(id, node));
    std::vector<float> copy(values.size());
    reorder(values.data(), copy.data());
    return packed_tensor(std::move(copy), dims, id, node);
  }
  const Tensor& c = *constant(id);
  if (handoff_ && handoff_->exclusive(id) && program_reads(program_, id) == 1) {
    // The session gave up the constant for good (static shapes, read only here): reorder its
    // own storage, through a transient copy of one weight unless the reorder needs none.
    float* own = static_cast<float*>(const_cast<void*>(c.raw()));
    if (in_place == Overwrite::kInPlace) {
      reorder(own, own);
    } else {
      std::vector<float> original(c.data<float>(), c.data<float>() + c.size());
      reorder(original.data(), own);
    }
    consumed_ = true;
    return packed_view(id, dims, node);
  }
  std::vector<float> copy(static_cast<size_t>(c.size()));
  reorder(c.data<float>(), copy.data());
  return packed_tensor(std::move(copy), dims, id, node);
}

const void* XnnBuilder::packed_bytes(size_t size, int source, const std::function<void(uint8_t*)>& fill) {
  PackSource s;
  s.bytes.resize(size + 16);  // XNNPACK may read up to 16 bytes past static data (sized once: growing doubles)
  fill(s.bytes.data());
  s.constant = source;
  return add_pack_source(std::move(s), nullptr);
}

const void* XnnBuilder::packed_bytes(const void* data, size_t size, int source) {
  const uint8_t* bytes = static_cast<const uint8_t*>(data);
  return packed_bytes(size, source, [&](uint8_t* dst) { std::copy(bytes, bytes + size, dst); });
}

void XnnBuilder::packed(const void* kernel, const void* bias) {
  for (const void* ptr : {kernel, bias}) {
    auto it = ptr ? packing_.find(ptr) : packing_.end();
    if (it == packing_.end()) continue;
    const int c = it->second.constant;
    if (--it->second.pending == 0) packing_.erase(it);
    if (c < 0 || !handoff_) continue;
    if (++packed_reads_[c] == program_reads(program_, c)) {
      handoff_->release(c);
      consumed_ = true;
    }
  }
}

void XnnBuilder::release_packed() {
  for (auto& kv : packing_) std::fill(kv.second.floats.begin(), kv.second.floats.end(), std::numeric_limits<float>::quiet_NaN());
  packing_.clear();
}

// Permutes an NCHW-broadcastable constant (rank <= 4) into NHWC order.
static std::vector<float> constant_to_nhwc(const Tensor& t, Dims* out_dims) {
  Dims d = t.dims();
  while (d.size() < 4) d.insert(d.begin(), 1);
  Dims o = {d[0], d[2], d[3], d[1]};
  std::vector<float> v(static_cast<size_t>(t.size()));
  const float* src = t.data<float>();
  size_t k = 0;
  for (int64_t n = 0; n < d[0]; n++)
    for (int64_t h = 0; h < d[2]; h++)
      for (int64_t w = 0; w < d[3]; w++)
        for (int64_t c = 0; c < d[1]; c++) v[k++] = src[((n * d[1] + c) * d[2] + h) * d[3] + w];
  *out_dims = o;
  return v;
}

Result<uint32_t> XnnBuilder::input(int id, Layout layout, const Node& node) {
  const Dims& dims = type(id).dims;
  if (dims.size() > 4) layout = Layout::kNative;
  auto it = values_.find(id);
  if (it != values_.end()) {
    auto have = it->second.ids.find(layout);
    if (have != it->second.ids.end()) return have->second;
  }
  if (it == values_.end() && dequantized_.count(id)) {
    // First float use of a DequantizeLinear output: convert from its quantized source, in the
    // source's layout.
    int src = dequantized_.at(id);
    const Quantized* q = quantized(src);
    OW_CHECK(q, INTERNAL, "%s: '%s' dequantizes a value not in the region", node.describe().c_str(),
             program_.values[id].name.c_str());
    Layout from = dims.size() == 4 ? q->layout : Layout::kNative;
    OW_ASSIGN_OR_RETURN(uint32_t f, define(dims_in_layout(dims, from), nullptr, XNN_INVALID_VALUE_ID, 0, node));
    OW_RETURN_IF_ERROR(xnn_check(xnn_define_unary(subgraph_, xnn_unary_convert, nullptr, q->xid, f, 0), "xnn_define_unary(convert)",
                                 node));
    values_[id] = Defined{from, {{from, f}}};
    it = values_.find(id);
    if (from == layout) return f;
  }
  if (it == values_.end() && !constant(id) && program_.values[id].quant) {
    // Weights kept quantized, read as a plain operand: dequantized once, kept for the runtime.
    OW_ASSIGN_OR_RETURN(std::vector<float> values, float_values(id, node));
    Dims d = dims;
    if (layout == Layout::kNHWC && dims.size() == 4) {
      Tensor t = Tensor::view(DType::kFloat32, dims, values.data());
      values = constant_to_nhwc(t, &d);
    } else {
      layout = Layout::kNative;
    }
    OW_ASSIGN_OR_RETURN(uint32_t xid, static_tensor(std::move(values), d, node));
    values_[id].layout = layout;
    values_[id].ids[layout] = xid;
    return xid;
  }
  if (const Tensor* c = constant(id)) {
    uint32_t xid;
    if (layout == Layout::kNHWC) {
      Dims d;
      std::vector<float> data = constant_to_nhwc(*c, &d);
      OW_ASSIGN_OR_RETURN(xid, static_tensor(std::move(data), d, node));
    } else if (!c->owns_data()) {
      // Storage not from Tensor::make (a model's raw_data buffer) lacks the 16 bytes XNNPACK
      // may read past static data: a padded copy.
      const float* f = c->data<float>();
      OW_ASSIGN_OR_RETURN(xid, static_tensor(std::vector<float>(f, f + c->size()), dims, node));
    } else {
      OW_ASSIGN_OR_RETURN(xid, define(dims, c->raw(), XNN_INVALID_VALUE_ID, 0, node));
      referenced_.push_back(id);
    }
    values_[id].layout = Layout::kNative;
    values_[id].ids[layout] = xid;
    return xid;
  }
  if (it == values_.end()) {
    // First use of a region input: an external value in ONNX layout.
    auto pos = std::find(inputs_.begin(), inputs_.end(), id);
    OW_CHECK(pos != inputs_.end(), INTERNAL, "%s: value '%s' is not defined in its XNNPACK region",
             node.describe().c_str(), program_.values[id].name.c_str());
    OW_ASSIGN_OR_RETURN(uint32_t xid, define(dims, nullptr, static_cast<uint32_t>(pos - inputs_.begin()),
                                             XNN_VALUE_FLAG_EXTERNAL_INPUT, node));
    values_[id] = Defined{Layout::kNative, {{Layout::kNative, xid}}};
    it = values_.find(id);
    if (layout == Layout::kNative) return xid;
  }
  // Convert from the layout the value has to the one asked for.
  Layout from = it->second.layout;
  uint32_t src = it->second.ids.at(from);
  if (dims.size() < 4) {
    // A dynamic broadcast operand: reshape to rank 4, then permute.
    Dims d4 = dims;
    while (d4.size() < 4) d4.insert(d4.begin(), 1);
    OW_ASSIGN_OR_RETURN(uint32_t r4, define(d4, nullptr, XNN_INVALID_VALUE_ID, 0, node));
    std::vector<size_t> shape(d4.begin(), d4.end());
    OW_RETURN_IF_ERROR(xnn_check(xnn_define_static_reshape(subgraph_, 4, shape.data(), src, r4, 0),
                                 "xnn_define_static_reshape", node));
    OW_ASSIGN_OR_RETURN(uint32_t t, define(dims_in_layout(d4, Layout::kNHWC), nullptr, XNN_INVALID_VALUE_ID, 0, node));
    const size_t perm[4] = {0, 2, 3, 1};
    OW_RETURN_IF_ERROR(xnn_check(xnn_define_static_transpose(subgraph_, 4, perm, r4, t, 0),
                                 "xnn_define_static_transpose", node));
    it->second.ids[layout] = t;
    return t;
  }
  OW_ASSIGN_OR_RETURN(uint32_t t, define(dims_in_layout(dims, layout), nullptr, XNN_INVALID_VALUE_ID, 0, node));
  const size_t to_nhwc[4] = {0, 2, 3, 1}, to_nchw[4] = {0, 3, 1, 2};
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_static_transpose(subgraph_, 4, layout == Layout::kNHWC ? to_nhwc : to_nchw,
                                                           src, t, 0),
                               "xnn_define_static_transpose", node));
  it->second.ids[layout] = t;
  return t;
}

Result<uint32_t> XnnBuilder::output(int id, Layout layout, const Node& node) {
  const Dims& dims = type(id).dims;
  if (dims.size() != 4) layout = Layout::kNative;
  auto pos = std::find(outputs_.begin(), outputs_.end(), id);
  uint32_t ext = XNN_INVALID_VALUE_ID, flags = 0;
  if (pos != outputs_.end() && layout == Layout::kNative) {
    ext = static_cast<uint32_t>(inputs_.size() + (pos - outputs_.begin()));
    flags = XNN_VALUE_FLAG_EXTERNAL_OUTPUT;
  }
  OW_ASSIGN_OR_RETURN(uint32_t xid, define(dims_in_layout(dims, layout), nullptr, ext, flags, node));
  values_[id] = Defined{layout, {{layout, xid}}};
  return xid;
}

Status XnnBuilder::finish(const Node& last) {
  for (size_t i = 0; i < outputs_.size(); i++) {
    int id = outputs_[i];
    auto it = values_.find(id);
    OW_CHECK(it != values_.end(), INTERNAL, "region output '%s' was never defined",
             program_.values[id].name.c_str());
    if (it->second.layout == Layout::kNative) continue;
    OW_ASSIGN_OR_RETURN(uint32_t ext, define(type(id).dims, nullptr, static_cast<uint32_t>(inputs_.size() + i),
                                             XNN_VALUE_FLAG_EXTERNAL_OUTPUT, last));
    const size_t to_nchw[4] = {0, 3, 1, 2};
    OW_RETURN_IF_ERROR(xnn_check(xnn_define_static_transpose(subgraph_, 4, to_nchw, it->second.ids.at(Layout::kNHWC), ext, 0),
                                 "xnn_define_static_transpose", last));
  }
  return Status::ok();
}

}  // namespace onnxwasm
