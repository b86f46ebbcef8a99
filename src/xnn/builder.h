// SPDX-License-Identifier: MIT
// XnnBuilder: defines one region's XNNPACK subgraph. It tracks each value's layout inside the
// region (ONNX-native, or NHWC for rank-4 activations around Conv and pools), inserts
// transposes only where a consumer needs the other layout, permutes constant data once, and
// makes region inputs and outputs external values in ONNX layout.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <xnnpack.h>

#include "passes/program.h"
#include "xnn/packed_weights.h"
#include "xnn/region.h"

namespace onnxwasm {

enum class Layout { kNative, kNHWC };

// Dims of an ONNX (NCHW) rank-4 shape in `layout`; other ranks are unchanged.
Dims dims_in_layout(const Dims& dims, Layout layout);
// NCHW axis -> its position in NHWC.
int64_t nhwc_axis(int64_t nchw_axis);

Status xnn_check(xnn_status status, const char* call, const Node& node);

// Convolution weights [O][I][taps] (ONNX OIHW) -> XNNPACK's [O][taps][I] (OHWI).
template <class T>
void oihw_to_ohwi(const T* src, T* dst, int64_t out_channels, int64_t in_channels, int64_t taps) {
  for (int64_t o = 0; o < out_channels; o++) {
    const T* s = src + o * in_channels * taps;
    T* d = dst + o * in_channels * taps;
    for (int64_t i = 0; i < in_channels; i++)
      for (int64_t t = 0; t < taps; t++) d[t * in_channels + i] = s[i * taps + t];
  }
}

class XnnBuilder {
 public:
  XnnBuilder(const Program& program, xnn_subgraph_t subgraph, std::vector<int> inputs,
             std::vector<int> outputs);
  const Program& program() const { return program_; }
  xnn_subgraph_t subgraph() const { return subgraph_; }
  const ValueType& type(int id) const { return program_.values[id].type; }
  const Tensor* constant(int id) const { return program_.values[id].constant.get(); }

  // Layout value `id` has now (constants and region inputs: native).
  Layout layout_of(int id) const;
  // The xnn id of value `id` in `layout`. A value of rank < 4 asked for in NHWC is taken as a
  // broadcast operand of a rank-4 NCHW tensor: padded to rank 4 with leading 1s, then permuted.
  Result<uint32_t> input(int id, Layout layout, const Node& node);
  // Defines value `id` (produced by the node being lowered) in `layout`.
  Result<uint32_t> output(int id, Layout layout, const Node& node);
  // A static float tensor whose data the region keeps alive (elementwise operands, read at
  // every run).
  Result<uint32_t> static_tensor(std::vector<float> data, const Dims& dims, const Node& node);
  // --- Packed weights ---
  // Weights a packing operator (convolution, fully connected) reads once, when the runtime is
  // created. packed_tensor takes a copy made for it (reordered or scaled) from constant
  // `source` (-1: none); packed_view hands XNNPACK constant `id`'s own memory.
  Result<uint32_t> packed_tensor(std::vector<float> data, const Dims& dims, int source, const Node& node);
  Result<uint32_t> packed_view(int id, const Dims& dims, const Node& node);
  // The float values of weights `id`: a constant's, or those of a DequantizeLinear of constants
  // kept as a node (run here, one weight at a time, as compile would have folded it).
  Result<std::vector<float>> float_values(int id, const Node& node) const;
  // Constant `id` (float) in the element order XNNPACK needs: `reorder(src, dst)` writes it.
  // When the constant is the builder's to consume (handed off, not shared, and this is its only
  // read in the program) it is reordered in place, so no second copy of it lives while the
  // region packs; otherwise a reordered copy is packed. A reorder that may write over what it
  // reads (`in_place`: src == dst, as scaling each value) then needs no transient copy either.
  enum class Overwrite { kNo, kInPlace };
  Result<uint32_t> packed_reordered(int id, const Dims& dims, const std::function<void(const float*, float*)>& reorder,
                                    const Node& node, Overwrite in_place = Overwrite::kNo);
  // Float convolution `filter` (defined by packed_view/packed_reordered: OHWI, or ONNX's
  // OIHW with `oihw`) with `bias` (XNN_INVALID_VALUE_ID: none), no groups: the region's weights
  // cache packs it itself. False, and nothing done, where the cache would not (see
  // PackedWeights::packs_conv): XNNPACK then packs it, from OHWI.
  bool expect_igemm(uint32_t filter, uint32_t bias, size_t out, size_t in, size_t taps, bool oihw = false);
  // Float fully-connected `filter` (out x in, or in x out when `transposed`: MatMul's) with
  // `bias`: the region's weights cache packs it where it can (else XNNPACK does, as before).
  void expect_fully_connected(uint32_t filter, uint32_t bias, size_t out, size_t in, bool transposed);
  // The int8 `kernel` of constant `source` as it is (OIHW), for an operator of ours that packs
  // it itself (winograd_qs8.h, conv_qs8.h); released as the others once packed.
  const void* int8_kernel_view(int source, const Tensor& kernel);
  void set_packed_weights(PackedWeights* weights) { weights_ = weights; }
  // Bytes for define_quantized / define_channelwise weights, copied from constant `source`.
  const void* packed_bytes(const void* data, size_t size, int source);
  // The same, `size` bytes that `fill` writes straight into the copy packing reads (weights
  // reordered for XNNPACK need no copy of their own first).
  const void* packed_bytes(size_t size, int source, const std::function<void(uint8_t*)>& fill);
  // After an operator packed `kernel` and `bias` (PackedWeights calls it): the copies made for
  // them are freed, and a constant every program read of which has now been packed is released
  // through the handoff, when the session gave one (a static session: nothing reads it again).
  void packed(const void* kernel, const void* bias);
  void set_handoff(const ConstantHandoff* handoff) { handoff_ = handoff; }
  // Constants were freed or reordered in place: the region cannot fall back if it fails.
  bool consumed_constants() const { return consumed_; }
  // Frees the copies left once xnn_create_runtime has packed them; they are first overwritten
  // with NaN so a read after creation shows in the parity tests instead of passing silently.
  void release_packed();
  // --- QDQ models (rules_quant.cc) ---
  // An 8-bit ONNX value (a QuantizeLinear output) as an XNNPACK qint8 tensor; uint8 values are
  // kept as int8 with the zero point moved by -128 (the same reals).
  struct Quantized { uint32_t xid; Layout layout; float scale; int32_t zero_point; };
  const Quantized* quantized(int id) const;
  void set_quantized(int id, Quantized q) { quantized_[id] = q; }
  // The qint8 tensor of quantized value `id` in `layout` (transposed when needed).
  Result<uint32_t> quantized_input(int id, Layout layout, const Node& node);
  // A DequantizeLinear output: float value `id` is quantized value `source` dequantized. Its
  // float tensor is only made (an XNNPACK convert) when a consumer asks input() for it.
  void set_dequantized(int id, int source) { dequantized_[id] = source; }
  int dequantized_source(int id) const;  // -1 if `id` is not one
  Result<uint32_t> define_quantized(xnn_datatype type, const Dims& dims, float scale, int32_t zero_point, const void* data,
                                    const Node& node);
  Result<uint32_t> define_channelwise(xnn_datatype type, const Dims& dims, std::vector<float> scales, const void* data,
                                      const Node& node);
  // The region's nodes are [first, last] of the program; `id` is read after the region.
  void set_span(int first, int last) { first_ = first; last_ = last; }
  bool in_region(int node_index) const { return node_index >= first_ && node_index <= last_; }
  bool is_output(int id) const;
  // Nodes a fused lowering already defined (the region skips them).
  void mark_fused(int node_index) { fused_.push_back(node_index); }
  // For debugInfo: int8 convolutions (patches: over 16-bit patches, conv_qs8.h), and other int8 ops.
  int qint8_convolutions = 0, qint8_patches = 0, qint8_other = 0;
  int winograd_convolutions = 0;  // float 3x3 ones run as Winograd (winograd.h)
  int qint8_winograd = 0;         // qint8 ones (winograd_qs8.h)
  bool fused(int node_index) const;

  // Adds the transposes that bring NHWC region outputs back to ONNX layout.
  Status finish(const Node& last);
  std::vector<std::unique_ptr<std::vector<float>>> take_buffers() { return std::move(buffers_); }
  // Constants whose own memory the subgraph points at (they must outlive the runtime).
  const std::vector<int>& referenced_constants() const { return referenced_; }

 private:
  std::optional<PackedWeights::Igemm> packable(uint32_t filter, uint32_t bias, size_t out, size_t in, size_t taps,
                                               PackedWeights::Order order, size_t stride) const;
  Result<uint32_t> define(const Dims& dims, const void* data, uint32_t external_id, uint32_t flags,
                          const Node& node);
  const Program& program_;
  xnn_subgraph_t subgraph_;
  std::vector<int> inputs_, outputs_;
  struct Defined { Layout layout; std::map<Layout, uint32_t> ids; };
  std::map<int, Defined> values_;
  std::vector<std::unique_ptr<std::vector<float>>> buffers_;
  // What each pointer handed to a packing operator is: a copy (owned here) or a view, the
  // constant it came from, and how many operators still have to pack it.
  struct PackSource {
    std::vector<float> floats;
    std::vector<uint8_t> bytes;
    int constant = -1;
    int pending = 0;
  };
  const void* add_pack_source(PackSource source, const void* view);
  std::map<const void*, PackSource> packing_;
  std::map<int, int> packed_reads_;  // constant id -> its reads packed so far
  const ConstantHandoff* handoff_ = nullptr;
  bool consumed_ = false;
  std::vector<int> referenced_;
  std::map<int, Quantized> quantized_;
  std::map<int, int> dequantized_;
  std::vector<int> fused_;
  int first_ = 0, last_ = -1;
  std::map<uint32_t, const void*> static_data_;  // xnn id -> the data it was defined with
  PackedWeights* weights_ = nullptr;
};

}  // namespace onnxwasm
