// SPDX-License-Identifier: MIT
#include "xnn/packed_weights.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#include "xnnpack/common.h"
#include "xnnpack/config.h"
#include "xnnpack/microkernel-type.h"

namespace onnxwasm {
namespace {
constexpr size_t kAlign = 64;  // at least XNN_ALLOCATION_ALIGNMENT on every target
constexpr size_t kNotFound = SIZE_MAX;  // XNN_CACHE_NOT_FOUND
}  // namespace

PackedWeights::PackedWeights(OnPacked on_packed) : on_packed_(std::move(on_packed)) {
  provider_.context = this;
  provider_.look_up = &PackedWeights::look_up;
  provider_.reserve_space = &PackedWeights::reserve_space;
  provider_.look_up_or_insert = &PackedWeights::look_up_or_insert;
  provider_.is_finalized = &PackedWeights::is_finalized;
  provider_.offset_to_addr = &PackedWeights::offset_to_addr;
  provider_.delete_cache = &PackedWeights::delete_cache;
}

PackedWeights::~PackedWeights() {
  for (void* p : buffers_) free(p);
}

void PackedWeights::finalize() { finalized_ = true; }

// XNNPACK's f32 IGEMM layout for kr = sr = 1 (xnn_pack_f32_conv_goki_w): per block of nr
// output channels, nr biases, then for each of the taps x in weights of a row the nr rows'
// values side by side (a transpose of the block); missing rows and bias are zeros.
static void pack_igemm(const PackedWeights::Igemm& w, size_t nr, float* dst) {
  const size_t row = w.taps * w.in;
  for (size_t block = 0; block < w.out; block += nr) {
    const size_t n = std::min(nr, w.out - block);
    for (size_t j = 0; j < nr; j++) dst[j] = w.bias != nullptr && j < n ? w.bias[block + j] : 0.f;
    dst += nr;
    const float* k = w.kernel + block * row;
    size_t t = 0;
#ifdef __wasm_simd128__
    if (nr == 8 && n == 8) {
      // Four weights of each of the 8 rows, transposed 4x4 twice: 32 packed values.
      for (; t + 4 <= row; t += 4, dst += 32) {
        for (size_t half = 0; half < 2; half++) {
          const float* r = k + half * 4 * row + t;
          v128_t a = wasm_v128_load(r), b = wasm_v128_load(r + row), c = wasm_v128_load(r + 2 * row),
                 d = wasm_v128_load(r + 3 * row);
          v128_t ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
          v128_t cd_lo = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), cd_hi = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
          float* o = dst + half * 4;
          wasm_v128_store(o, wasm_i32x4_shuffle(ab_lo, cd_lo, 0, 1, 4, 5));
          wasm_v128_store(o + 8, wasm_i32x4_shuffle(ab_lo, cd_lo, 2, 3, 6, 7));
          wasm_v128_store(o + 16, wasm_i32x4_shuffle(ab_hi, cd_hi, 0, 1, 4, 5));
          wasm_v128_store(o + 24, wasm_i32x4_shuffle(ab_hi, cd_hi, 2, 3, 6, 7));
        }
      }
    }
#endif
    for (; t < row; t++, dst += nr)
      for (size_t j = 0; j < nr; j++) dst[j] = j < n ? k[j * row + t] : 0.f;
  }
}

size_t PackedWeights::look_up(void* self, const xnn_weights_cache_look_up_key* key) {
  auto* w = static_cast<PackedWeights*>(self);
  auto it = std::find_if(w->igemm_.begin(), w->igemm_.end(), [&](const Igemm& c) { return c.kernel == key->kernel; });
  if (it == w->igemm_.end() || it->bias != key->bias || w->finalized_) return kNotFound;
  const Igemm c = *it;
  w->igemm_.erase(it);
  const xnn_gemm_config* config = xnn_init_f32_gemm_config();
  if (config == nullptr || config->log2_kr != 0 || config->log2_sr != 0 || c.taps < 2 || (c.in == 1 && c.out == 1))
    return kNotFound;
  // XNNPACK's seed: groups ^ in ^ out ^ nr ^ kr ^ sr ^ kernel type ^ operator flags. What is
  // left after the known terms are the flags; a depthwise one means another layout.
  const uint32_t known = 1u ^ static_cast<uint32_t>(c.in) ^ static_cast<uint32_t>(c.out) ^ config->nr ^ 1u ^ 1u ^
                         static_cast<uint32_t>(xnn_microkernel_type_igemm);
  if ((key->seed ^ known) & XNN_FLAG_DEPTHWISE_CONVOLUTION) return kNotFound;
  const size_t nr = config->nr;
  const size_t bytes = (c.taps * c.in + 1) * sizeof(float) * ((c.out + nr - 1) / nr * nr);
  auto* packed = static_cast<float*>(reserve_space(self, (bytes + XNN_ALLOCATION_ALIGNMENT - 1) / XNN_ALLOCATION_ALIGNMENT *
                                                             XNN_ALLOCATION_ALIGNMENT));
  if (packed == nullptr) return kNotFound;
  pack_igemm(c, nr, packed);
  if (w->on_packed_) w->on_packed_(key->kernel, key->bias);
  w->packed_here_.push_back({key->kernel, w->buffers_.size() - 1});
  return w->buffers_.size() - 1;
}

// Reserved space is owned from here on, so an operator that fails between reserving and
// inserting leaks nothing.
void* PackedWeights::reserve_space(void* self, size_t n) {
  auto* w = static_cast<PackedWeights*>(self);
  void* p = nullptr;
  if (w->finalized_ || posix_memalign(&p, kAlign, n == 0 ? kAlign : n) != 0) return nullptr;
  w->buffers_.push_back(p);
  w->bytes_ += n;
  return p;
}

size_t PackedWeights::look_up_or_insert(void* self, const xnn_weights_cache_look_up_key* key, void* ptr, size_t) {
  auto* w = static_cast<PackedWeights*>(self);
  // After a look_up that packed here, XNNPACK asks again, with no pointer of its own.
  for (auto it = w->packed_here_.begin(); it != w->packed_here_.end(); ++it) {
    if (it->first != key->kernel) continue;
    const size_t offset = it->second;
    w->packed_here_.erase(it);
    return offset;
  }
  for (size_t i = w->buffers_.size(); i-- > 0;) {
    if (w->buffers_[i] != ptr) continue;
    if (w->on_packed_) w->on_packed_(key->kernel, key->bias);
    return i;
  }
  return kNotFound;
}

bool PackedWeights::is_finalized(void* self) { return static_cast<PackedWeights*>(self)->finalized_; }

void* PackedWeights::offset_to_addr(void* self, size_t offset) {
  auto* w = static_cast<PackedWeights*>(self);
  return offset < w->buffers_.size() ? w->buffers_[offset] : nullptr;
}

xnn_status PackedWeights::delete_cache(void*) { return xnn_status_success; }

}  // namespace onnxwasm
