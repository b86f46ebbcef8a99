// SPDX-License-Identifier: MIT
// A dense tensor: dtype, dims, and a malloc'd buffer (allocation failure is a Status, never
// an abort). String tensors hold constructed std::string objects.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/status.h"

namespace onnxwasm {

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
