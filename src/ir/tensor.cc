// SPDX-License-Identifier: MIT
#include "ir/tensor.h"

#include <atomic>
#include <cstring>
#include <new>

#include "core/small_float.h"

namespace onnxwasm {

namespace {
std::atomic<size_t> g_byte_limit{size_t(1) << 31};
}  // namespace

void set_tensor_byte_limit(size_t bytes) { g_byte_limit = bytes; }
size_t tensor_byte_limit() { return g_byte_limit; }

Tensor::~Tensor() { release(); }

Tensor::Tensor(Tensor&& o) noexcept
    : kind_(o.kind_), items_(std::move(o.items_)), dtype_(o.dtype_), dims_(std::move(o.dims_)), size_(o.size_), data_(o.data_), owned_(o.owned_) {
  o.data_ = nullptr;
  o.owned_ = false;
  o.size_ = 0;
  o.kind_ = ValueKind::kTensor;
}

Tensor& Tensor::operator=(Tensor&& o) noexcept {
  if (this != &o) {
    release();
    kind_ = o.kind_;
    items_ = std::move(o.items_);
    dtype_ = o.dtype_;
    dims_ = std::move(o.dims_);
    size_ = o.size_;
    data_ = o.data_;
    owned_ = o.owned_;
    o.data_ = nullptr;
    o.owned_ = false;
    o.size_ = 0;
    o.kind_ = ValueKind::kTensor;
  }
  return *this;
}

void Tensor::release() {
  if (owned_ && data_) {
    if (dtype_ == DType::kString) {
      auto* s = static_cast<std::string*>(data_);
      for (int64_t i = 0; i < size_; i++) s[i].~basic_string();
    }
    free(data_);
  }
  data_ = nullptr;
  owned_ = false;
}

Result<Tensor> Tensor::make(DType dtype, Dims dims) {
  int64_t n = num_elements(dims);
  OW_CHECK(n >= 0, OUT_OF_MEMORY, "tensor of dims %s (%s) is too large or has unknown dims",
           dims_to_string(dims).c_str(), dtype_name(dtype));
  size_t esize = dtype_size(dtype);
  OW_CHECK(esize > 0, INTERNAL, "tensor of unsupported dtype %d", static_cast<int>(dtype));
  OW_CHECK(static_cast<uint64_t>(n) <= SIZE_MAX / esize, OUT_OF_MEMORY,
           "tensor of %lld elements does not fit in memory", static_cast<long long>(n));
  Tensor t;
  t.dtype_ = dtype;
  t.dims_ = std::move(dims);
  t.size_ = n;
  size_t bytes = static_cast<size_t>(n) * esize;
  OW_CHECK(bytes <= g_byte_limit, OUT_OF_MEMORY, "a %s tensor %s would take %zu bytes, over the limit of %zu per tensor",
           dtype_name(dtype), dims_to_string(dims).c_str(), bytes, static_cast<size_t>(g_byte_limit));
  // 16 spare bytes: XNNPACK may read (never use) up to 16 bytes past the end of its inputs.
  t.data_ = malloc(bytes + 16);
  OW_CHECK(t.data_ != nullptr, OUT_OF_MEMORY, "could not allocate %zu bytes for a %s tensor %s",
           bytes, dtype_name(dtype), dims_to_string(t.dims_).c_str());
  t.owned_ = true;
  if (dtype == DType::kString) {
    auto* s = static_cast<std::string*>(t.data_);
    for (int64_t i = 0; i < n; i++) new (&s[i]) std::string();
  }
  return t;
}

Tensor Tensor::view(DType dtype, Dims dims, void* data) {
  Tensor t;
  t.dtype_ = dtype;
  t.size_ = num_elements(dims);
  t.dims_ = std::move(dims);
  t.data_ = data;
  t.owned_ = false;
  return t;
}

Tensor Tensor::sequence(DType elem, std::vector<std::shared_ptr<const Tensor>> items) {
  Tensor t;
  t.kind_ = ValueKind::kSequence;
  t.dtype_ = elem;
  t.items_ = std::move(items);
  return t;
}

Tensor Tensor::none() {
  Tensor t;
  t.kind_ = ValueKind::kNone;
  return t;
}

Result<Tensor> Tensor::clone() const {
  if (kind_ == ValueKind::kSequence) return sequence(dtype_, items_);  // items are immutable
  if (kind_ == ValueKind::kNone) return none();
  OW_ASSIGN_OR_RETURN(Tensor t, make(dtype_, dims_));
  if (dtype_ == DType::kString) {
    for (int64_t i = 0; i < size_; i++) t.data<std::string>()[i] = data<std::string>()[i];
  } else if (byte_size()) {
    memcpy(t.data_, data_, byte_size());
  }
  return t;
}

void copy_elements(const Tensor& src, int64_t src_offset, Tensor& dst, int64_t dst_offset, int64_t count) {
  if (count <= 0) return;
  if (src.dtype() == DType::kString) {
    for (int64_t i = 0; i < count; i++)
      dst.data<std::string>()[dst_offset + i] = src.data<std::string>()[src_offset + i];
    return;
  }
  size_t es = dtype_size(src.dtype());
  memcpy(static_cast<char*>(dst.raw()) + dst_offset * es,
         static_cast<const char*>(src.raw()) + src_offset * es, static_cast<size_t>(count) * es);
}

int64_t Tensor::int_at(int64_t i) const {
  switch (dtype_) {
    case DType::kInt64: return data<int64_t>()[i];
    case DType::kInt32: return data<int32_t>()[i];
    case DType::kInt16: return data<int16_t>()[i];
    case DType::kInt8: case DType::kInt4: return data<int8_t>()[i];
    case DType::kUint64: return static_cast<int64_t>(data<uint64_t>()[i]);
    case DType::kUint32: return data<uint32_t>()[i];
    case DType::kUint16: return data<uint16_t>()[i];
    case DType::kUint8: case DType::kBool: case DType::kUint4: return data<uint8_t>()[i];
    case DType::kFloat32: return static_cast<int64_t>(data<float>()[i]);
    case DType::kFloat64: return static_cast<int64_t>(data<double>()[i]);
    default: return 0;
  }
}

void Tensor::set_float_at(int64_t i, double v) {
  switch (dtype_) {
    case DType::kFloat64: data<double>()[i] = v; break;
    case DType::kFloat16: data<uint16_t>()[i] = float_to_half(static_cast<float>(v)); break;
    case DType::kBFloat16: data<uint16_t>()[i] = float_to_bfloat16(static_cast<float>(v)); break;
    // Integer types take exact values (callers store what they read, e.g. MaxPool).
    case DType::kInt8: data<int8_t>()[i] = static_cast<int8_t>(v); break;
    case DType::kUint8: data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
    default: data<float>()[i] = static_cast<float>(v); break;
  }
}

double Tensor::float_at(int64_t i) const {
  switch (dtype_) {
    case DType::kFloat32: return data<float>()[i];
    case DType::kFloat64: return data<double>()[i];
    case DType::kFloat16: return half_to_float(data<uint16_t>()[i]);
    case DType::kBFloat16: return bfloat16_to_float(data<uint16_t>()[i]);
    default: return static_cast<double>(int_at(i));
  }
}

}  // namespace onnxwasm
