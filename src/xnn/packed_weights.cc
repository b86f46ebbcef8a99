// SPDX-License-Identifier: MIT
#include "xnn/packed_weights.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#include "xnnpack/common.h"
#include "xnnpack/config.h"
#include "xnnpack/microkernel-type.h"
#include "xnnpack/operator-type.h"
#include "xnnpack/pack.h"
#include "xnn/packing_threads.h"

namespace onnxwasm {
namespace {
constexpr size_t kAlign = 64;  // at least XNN_ALLOCATION_ALIGNMENT on every target
constexpr size_t kNotFound = SIZE_MAX;  // XNN_CACHE_NOT_FOUND

// A convolution's cache seed: groups (1) ^ in ^ out ^ nr ^ kr ^ sr (1) ^ kernel type ^ operator
// flags. These are the terms before the flags (and, for a GEMM, GEMM ^ IGEMM = 2): what a
// seed has left after them names the flags, where a depthwise one would mean another layout.
uint32_t conv_seed_terms(size_t in, size_t out, uint32_t nr, uint32_t kr) {
  return 1u ^ static_cast<uint32_t>(in) ^ static_cast<uint32_t>(out) ^ nr ^ kr ^ 1u ^
         static_cast<uint32_t>(xnn_microkernel_type_igemm);
}

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

Status PackedWeights::finalize() {
  finalized_ = true;
  for (const Igemm& c : igemm_)
    OW_CHECK(c.order != Order::kOihw, INTERNAL, "XNNPACK did not look up the packed weights of a %zux%zux%zu convolution",
             c.out, c.in, c.taps);
  return Status::ok();
}

bool PackedWeights::packs_conv(size_t out, size_t in) {
  const xnn_gemm_config* config = xnn_init_f32_gemm_config();
  // One input and one output channel: XNNPACK takes a depthwise or vmulcaddc path instead.
  return config != nullptr && config->log2_kr == 0 && config->log2_sr == 0 && config->nr > 0 && !(in == 1 && out == 1);
}

namespace {

#ifdef __wasm_simd128__
// Four floats at each of r, r + stride, r + 2 stride, r + 3 stride (four rows), transposed:
// col[i] holds the rows' i-th floats.
inline void transpose4(const float* r, size_t stride, v128_t col[4]) {
  v128_t a = wasm_v128_load(r), b = wasm_v128_load(r + stride), c = wasm_v128_load(r + 2 * stride),
         d = wasm_v128_load(r + 3 * stride);
  v128_t ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
  v128_t cd_lo = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), cd_hi = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
  col[0] = wasm_i32x4_shuffle(ab_lo, cd_lo, 0, 1, 4, 5);
  col[1] = wasm_i32x4_shuffle(ab_lo, cd_lo, 2, 3, 6, 7);
  col[2] = wasm_i32x4_shuffle(ab_hi, cd_hi, 0, 1, 4, 5);
  col[3] = wasm_i32x4_shuffle(ab_hi, cd_hi, 2, 3, 6, 7);
}
#endif

// XNNPACK's f32 GEMM/IGEMM layout for kr = sr = 1 (xnn_pack_f32_conv_goki_w; for one tap, as
// xnn_pack_f32_gemm_goi_w / _gio_w): per block of nr output channels, nr biases, then for each
// tap t and input channel c the nr rows' weights (t, c) side by side; missing rows and bias
// are zeros. `k` is the block's first weight, in `w.order`. One block per call (kPackBlock).
void pack_block(const PackedWeights::Igemm& w, const float* k, size_t n, size_t nr, const float* bias, float* dst) {
  using Order = PackedWeights::Order;
  const size_t in = w.in, taps = w.taps, row = in * taps;
  for (size_t j = 0; j < nr; j++) dst[j] = bias != nullptr && j < n ? bias[j] : 0.f;
  dst += nr;
  // The source of weight (row j, tap t, input channel c).
  auto at = [&](size_t j, size_t t, size_t c) {
    return w.order == Order::kIo ? k[c * w.stride + j] : k[j * row + (w.order == Order::kOihw ? c * taps + t : t * in + c)];
  };
#ifdef __wasm_simd128__
  if (nr == 8 && n == 8) {
    v128_t col[4];
    if (w.order == Order::kIo) {  // the 8 weights of an input channel are side by side already
      for (size_t c = 0; c < in; c++, dst += 8) {
        wasm_v128_store(dst, wasm_v128_load(k + c * w.stride));
        wasm_v128_store(dst + 4, wasm_v128_load(k + c * w.stride + 4));
      }
      return;
    }
    if (w.order == Order::kOhwi) {  // (t, c) runs linearly: four at a time from each half of the rows
      size_t i = 0;
      for (; i + 4 <= row; i += 4, dst += 32)
        for (size_t half = 0; half < 2; half++) {
          transpose4(k + half * 4 * row + i, row, col);
          for (size_t q = 0; q < 4; q++) wasm_v128_store(dst + q * 8 + half * 4, col[q]);
        }
      for (; i < row; i++, dst += 8)
        for (size_t j = 0; j < 8; j++) dst[j] = k[j * row + i];
      return;
    }
    // OIHW: per input channel, four taps at a time, each to its place (t * in + c).
    for (size_t c = 0; c < in; c++) {
      size_t t = 0;
      for (; t + 4 <= taps; t += 4)
        for (size_t half = 0; half < 2; half++) {
          transpose4(k + half * 4 * row + c * taps + t, row, col);
          for (size_t q = 0; q < 4; q++) wasm_v128_store(dst + ((t + q) * in + c) * 8 + half * 4, col[q]);
        }
      for (; t < taps; t++)
        for (size_t j = 0; j < 8; j++) dst[(t * in + c) * 8 + j] = at(j, t, c);
    }
    return;
  }
#endif
  for (size_t t = 0; t < taps; t++)
    for (size_t c = 0; c < in; c++, dst += nr)
      for (size_t j = 0; j < nr; j++) dst[j] = j < n ? at(j, t, c) : 0.f;
}

// V8 runs a wasm function in its baseline tier until it has done enough work, then compiles it
// optimized in the background for its later calls; a loop inside one call never switches. So
// the packing loops run one block per call, through a pointer that keeps the optimizers from
// inlining them into one call per operator (which a model's first session would then run
// unoptimized: resnet50's cold creation spent 170 ms packing instead of 50).
void (*volatile kPackBlock)(const PackedWeights::Igemm&, const float*, size_t, size_t, const float*, float*) = pack_block;

// All of `w`'s blocks; `extra_bytes` are left after each (XNNPACK's room for other data).
void pack_igemm(const PackedWeights::Igemm& w, size_t nr, size_t extra_bytes, void* packed) {
  const size_t row = w.taps * w.in, block_bytes = (row + 1) * nr * sizeof(float) + extra_bytes;
  const size_t blocks = (w.out + nr - 1) / nr;
  auto* dst = static_cast<uint8_t*>(packed);
  for_each_packing_block(blocks, blocks * block_bytes, [&](size_t b) {
    const size_t first = b * nr;
    kPackBlock(w, w.kernel + (w.order == PackedWeights::Order::kIo ? first : first * row), std::min(nr, w.out - first), nr,
               w.bias != nullptr ? w.bias + first : nullptr, reinterpret_cast<float*>(dst + b * block_bytes));
  });
}

// XNNPACK's f32 GEMM packings for kr = sr = 1, each group's weights in `order`.
void pack_f32_gemm(PackedWeights::Order order, size_t g, size_t nc, size_t kc, size_t nr, size_t k_stride, const void* kernel,
                   const void* bias, void* packed_weights, size_t extra_bytes) {
  const float* k = static_cast<const float*>(kernel);
  const float* b = static_cast<const float*>(bias);
  auto* dst = static_cast<uint8_t*>(packed_weights);
  const size_t group_bytes = (nc + nr - 1) / nr * ((kc + 1) * nr * sizeof(float) + extra_bytes);
  for (; g != 0; g--, k += nc * kc, b = b != nullptr ? b + nc : nullptr, dst += group_bytes)
    pack_igemm(PackedWeights::Igemm{k, b, nc, kc, 1, order, k_stride}, nr, extra_bytes, dst);
}

}  // namespace

void pack_f32_gemm_goi(size_t g, size_t nc, size_t kc, size_t nr, size_t kr, size_t sr, const void* kernel, const void* bias,
                       const void* scale, void* packed_weights, size_t extra_bytes, const void* params) {
  if (kr == 1 && sr == 1)
    return pack_f32_gemm(PackedWeights::Order::kOhwi, g, nc, kc, nr, 0, kernel, bias, packed_weights, extra_bytes);
  xnn_pack_f32_gemm_goi_w(g, nc, kc, nr, kr, sr, static_cast<const float*>(kernel), static_cast<const float*>(bias), scale,
                          static_cast<float*>(packed_weights), extra_bytes, params);
}

void pack_f32_gemm_gio(size_t g, size_t nc, size_t kc, size_t nr, size_t kr, size_t sr, size_t k_stride, const void* kernel,
                       const void* bias, const void* scale, void* packed_weights, size_t extra_bytes, const void* params) {
  if (kr == 1 && sr == 1)
    return pack_f32_gemm(PackedWeights::Order::kIo, g, nc, kc, nr, k_stride, kernel, bias, packed_weights, extra_bytes);
  xnn_pack_f32_gemm_gio_w(g, nc, kc, nr, kr, sr, k_stride, static_cast<const float*>(kernel), static_cast<const float*>(bias),
                          scale, static_cast<float*>(packed_weights), extra_bytes, params);
}

size_t PackedWeights::look_up(void* self, const xnn_weights_cache_look_up_key* key) {
  auto* w = static_cast<PackedWeights*>(self);
  auto it = std::find_if(w->igemm_.begin(), w->igemm_.end(), [&](const Igemm& c) { return c.kernel == key->kernel; });
  if (it == w->igemm_.end() || it->bias != key->bias || w->finalized_) return kNotFound;
  // (Only shapes packs_conv() accepts were listed.)
  const xnn_gemm_config* config = xnn_init_f32_gemm_config();
  if (it->fully_connected) {
    // A fully-connected operator's seed: out ^ in ^ nr ^ kr ^ sr ^ extra bytes (0) ^ operator
    // type, inverted with XNN_FLAG_TRANSPOSE_WEIGHTS. Another (XNNPACK's nr = 2 kernels for
    // fewer than nr outputs) is XNNPACK's to pack.
    const uint32_t seed = static_cast<uint32_t>(it->out) ^ static_cast<uint32_t>(it->in) ^ config->nr ^ 1u ^ 1u ^
                          static_cast<uint32_t>(xnn_operator_type_fully_connected_nc_f32);
    if (key->seed != (it->order == Order::kIo ? ~seed : seed)) {
      w->igemm_.erase(it);
      return kNotFound;
    }
  } else if ((key->seed ^ conv_seed_terms(it->in, it->out, config->nr, 1)) & XNN_FLAG_DEPTHWISE_CONVOLUTION) {
    return kNotFound;  // a declined OIHW kernel stays listed: finalize() fails
  }
  const Igemm c = *it;
  w->igemm_.erase(it);
  const size_t nr = config->nr;
  const size_t bytes = (c.taps * c.in + 1) * sizeof(float) * ((c.out + nr - 1) / nr * nr);
  auto* packed = static_cast<float*>(w->reserve_packed(bytes));
  if (packed == nullptr) return kNotFound;  // XNNPACK's own reservation fails the same way
  pack_igemm(c, nr, 0, packed);
  if (c.fully_connected) w->fully_connected_packed_++;
  return w->packed_here(key, !c.fully_connected);
}

void* PackedWeights::reserve_packed(size_t bytes) {
  return reserve_space(this, (bytes + XNN_ALLOCATION_ALIGNMENT - 1) / XNN_ALLOCATION_ALIGNMENT * XNN_ALLOCATION_ALIGNMENT);
}

size_t PackedWeights::packed_here(const xnn_weights_cache_look_up_key* key, bool asks_again) {
  if (on_packed_) on_packed_(key->kernel, key->bias);
  const size_t offset = buffers_.size() - 1;
  if (asks_again) packed_here_.push_back({key->kernel, offset});
  return offset;
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
