// SPDX-License-Identifier: MIT
// A runtime value. Mostly a dense tensor: dtype, dims, and a malloc'd buffer (allocation
// failure is a Status, never an abort); string tensors hold constructed std::string objects.
// Sequence/Optional ops and control flow also pass a sequence of tensors (immutable, shared
// items; dtype() is the element type) or an empty optional (kNone). An optional that holds a
// value is that value itself.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/status.h"

namespace onnxwasm {

enum class ValueKind : uint8_t { kTensor, kSequence, kNone };

class Tensor {
 public:
  Tensor() = default;
  ~Tensor();
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;

  // Allocates (uninitialized, zeroed for strings) storage for dims; OUT_OF_MEMORY on failure.
  static Result<Tensor> make(DType dtype, Dims dims);
  // A view of memory owned elsewhere (the caller keeps it alive).
  static Tensor view(DType dtype, Dims dims, void* data);
  Result<Tensor> clone() const;
  // A sequence of `items` (each a tensor of dtype `elem`), and an empty optional.
  static Tensor sequence(DType elem, std::vector<std::shared_ptr<const Tensor>> items);
  static Tensor none();

  ValueKind kind() const { return kind_; }
  bool is_tensor() const { return kind_ == ValueKind::kTensor; }
  const std::vector<std::shared_ptr<const Tensor>>& items() const { return items_; }

  DType dtype() const { return dtype_; }
  const Dims& dims() const { return dims_; }
  size_t rank() const { return dims_.size(); }
  int64_t size() const { return size_; }
  size_t byte_size() const { return static_cast<size_t>(size_) * dtype_size(dtype_); }
  bool owns_data() const { return owned_; }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <class T> T* data() { return static_cast<T*>(data_); }
  template <class T> const T* data() const { return static_cast<const T*>(data_); }
  // Same bytes, new dims (element count must match; checked by callers via infer).
  void reshape(Dims dims) { dims_ = std::move(dims); }

  // Integer element i as int64 (int8..uint64, bool); used for shape-like inputs.
  int64_t int_at(int64_t i) const;
  double float_at(int64_t i) const;
  // Stores v at element i of a float tensor (float32/64, float16, bfloat16), rounded to its type,
  // or of an int8/uint8 tensor (v must be in range).
  void set_float_at(int64_t i, double v);

 private:
  void release();
  ValueKind kind_ = ValueKind::kTensor;
  std::vector<std::shared_ptr<const Tensor>> items_;  // kSequence
  DType dtype_ = DType::kUndefined;
  Dims dims_;
  int64_t size_ = 0;
  void* data_ = nullptr;
  bool owned_ = false;
};

using TensorPtr = std::shared_ptr<Tensor>;

// Largest tensor Tensor::make allocates (default 2 GiB: in 32-bit wasm, with a 4 GB heap, a
// larger one cannot be useful); beyond it make() fails with OUT_OF_MEMORY without trying.
// The fuzz target lowers it to keep hostile inputs cheap.
void set_tensor_byte_limit(size_t bytes);
size_t tensor_byte_limit();

// Copies `count` elements between tensors of the same dtype (strings by value).
void copy_elements(const Tensor& src, int64_t src_offset, Tensor& dst, int64_t dst_offset, int64_t count);

}  // namespace onnxwasm
