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

constexpr size_t kQs8Kr = PackedWeights::kQs8ChannelBlock;
// A qint8 convolution's (PackedWeights::Qs8Conv's in, taps, fold) input channels as XNNPACK
// sees them, in * fold, rounded up to kQs8Kr; and the bytes of a block of nr outputs: nr
// biases, taps / fold such taps, nr scales. In 64 bits, so absurd shapes can be told apart.
uint64_t qs8_k_stride(size_t in, size_t fold) { return (static_cast<uint64_t>(in) * fold + kQs8Kr - 1) / kQs8Kr * kQs8Kr; }
uint64_t qs8_block_bytes(size_t in, size_t taps, size_t fold, size_t nr) {
  return nr * (sizeof(int32_t) + taps / fold * qs8_k_stride(in, fold) + sizeof(float));
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
  OW_CHECK(qs8_.empty(), INTERNAL, "XNNPACK did not look up the packed weights of a %zux%zux%zu qint8 convolution",
           qs8_.front().out, qs8_.front().in, qs8_.front().taps);
  return Status::ok();
}

bool PackedWeights::packs_conv(size_t out, size_t in) {
  const xnn_gemm_config* config = xnn_init_f32_gemm_config();
  // One input and one output channel: XNNPACK takes a depthwise or vmulcaddc path instead.
  return config != nullptr && config->log2_kr == 0 && config->log2_sr == 0 && config->nr > 0 && !(in == 1 && out == 1);
}

bool PackedWeights::packs_qs8_conv(size_t out, size_t in, size_t taps, size_t fold, size_t channels) {
  const xnn_gemm_config* config = xnn_init_qs8_qc8w_gemm_config();
  if (fold == 0 || taps % fold != 0) return false;
  if (channels != 0 && channels != static_cast<uint64_t>(in) * fold && channels != qs8_k_stride(in, fold)) return false;
  if ((static_cast<uint64_t>(out) + 3) / 4 * qs8_block_bytes(in, taps, fold, 4) >= (uint64_t(1) << 30)) return false;
  // One input and one output channel: XNNPACK takes a depthwise or vmulcaddc path instead.
  return !(out == 1 && in * fold == 1) && config != nullptr && config->nr == 4 && config->log2_kr == 3 && config->log2_sr == 0 &&
         config->pack_igemm_goki == reinterpret_cast<xnn_pack_conv_goki_w_fn>(xnn_pack_qs8_conv_goki_w) &&
         config->pack_gemm_goi == reinterpret_cast<xnn_packw_gemm_goi_ukernel_fn>(xnn_pack_qs8_gemm_goi_w);
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

// XNNPACK's qs8 GEMM/IGEMM layout for kr = 8, sr = 1 (xnn_pack_qs8_conv_goki_w, then its
// requantization scales as xnn_init_qs8_qc8w_scale_fp32_params writes them): per block of nr
// outputs, nr int32 biases (less the input zero point times the output's weight sum), then for
// each tap and each 8 input channels the nr outputs' 8 weights side by side, then nr float
// scales; missing outputs and channels are zeros. One block per call (kPackQs8Block).

// An output's weights `src` (in input channels of kTaps taps each, fold 1) to their places in
// each tap's rows (`to`: the output's first; tap_stride bytes from one tap to the next),
// unrolled for the common tap counts.
template <size_t kTaps>
void scatter_taps(const int8_t* src, size_t in, size_t nr, size_t tap_stride, int8_t* to) {
  for (size_t c = 0; c < in; c++, src += kTaps) {
    int8_t* at = to + (c & ~(kQs8Kr - 1)) * nr + (c & (kQs8Kr - 1));
    for (size_t ki = 0; ki < kTaps; ki++) at[ki * tap_stride] = src[ki];
  }
}

// The sum of n int8 values.
uint32_t sum_int8(const int8_t* v, size_t n) {
  uint32_t sum = 0;
  size_t i = 0;
#ifdef __wasm_simd128__
  v128_t acc = wasm_i32x4_splat(0);
  for (; i + 16 <= n; i += 16)
    acc = wasm_i32x4_add(acc, wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_extadd_pairwise_i8x16(wasm_v128_load(v + i))));
  sum = static_cast<uint32_t>(wasm_i32x4_extract_lane(acc, 0)) + static_cast<uint32_t>(wasm_i32x4_extract_lane(acc, 1)) +
        static_cast<uint32_t>(wasm_i32x4_extract_lane(acc, 2)) + static_cast<uint32_t>(wasm_i32x4_extract_lane(acc, 3));
#endif
  for (; i < n; i++) sum += static_cast<uint32_t>(static_cast<int32_t>(v[i]));
  return sum;
}

void pack_qs8_block(const PackedWeights::Qs8Conv& w, size_t first, size_t nr, uint8_t* dst) {
  const size_t in = w.in, taps = w.taps, fold = w.fold, ks = taps / fold;
  // (Sizes bounded by packs_qs8_conv.)
  const size_t tap_stride = static_cast<size_t>(qs8_k_stride(in, fold)) * nr, n = std::min(nr, w.out - first);
  std::fill(dst, dst + static_cast<size_t>(qs8_block_bytes(in, taps, fold, nr)), uint8_t{0});
  int8_t* weights = reinterpret_cast<int8_t*>(dst + nr * sizeof(int32_t));
  uint8_t* scales = dst + nr * sizeof(int32_t) + ks * tap_stride;
  for (size_t j = 0; j < n; j++) {
    const int8_t* src = w.kernel + (first + j) * in * taps;
    int8_t* to = weights + j * kQs8Kr;
    if (fold == 1 && taps == 9) {
      scatter_taps<9>(src, in, nr, tap_stride, to);
    } else if (fold == 1 && taps == 1) {  // runs of 8 channels as they are
      for (size_t c = 0; c < in; c += kQs8Kr) std::memcpy(to + c * nr, src + c, std::min(kQs8Kr, in - c));
    } else {
      for (size_t x = 0; x < fold; x++)
        for (size_t c = 0; c < in; c++) {
          const size_t k = x * in + c;  // the input channel XNNPACK sees
          const int8_t* from = src + c * taps + x;
          int8_t* at = to + (k & ~(kQs8Kr - 1)) * nr + (k & (kQs8Kr - 1));
          for (size_t ki = 0; ki < ks; ki++) at[ki * tap_stride] = from[ki * fold];
        }
    }
    // As XNNPACK: unsigned arithmetic, so a wrap is defined and the same.
    const uint32_t bias = w.bias != nullptr ? static_cast<uint32_t>(w.bias[first + j]) : 0u;
    const uint32_t sum = sum_int8(src, in * taps);
    const int32_t packed_bias = static_cast<int32_t>(bias - sum * static_cast<uint32_t>(w.input_zero_point));
    std::memcpy(dst + j * sizeof(int32_t), &packed_bias, sizeof(int32_t));
    std::memcpy(scales + j * sizeof(float), &w.requantization_scale[first + j], sizeof(float));
  }
}

// One block per call, as kPackBlock.
void (*volatile kPackQs8Block)(const PackedWeights::Qs8Conv&, size_t, size_t, uint8_t*) = pack_qs8_block;

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
  auto q = std::find_if(w->qs8_.begin(), w->qs8_.end(), [&](const Qs8Conv& c) { return c.kernel == key->kernel; });
  if (q != w->qs8_.end()) return w->look_up_qs8(q, key);
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

size_t PackedWeights::look_up_qs8(std::vector<Qs8Conv>::iterator it, const xnn_weights_cache_look_up_key* key) {
  if (static_cast<const void*>(it->bias) != key->bias || finalized_) return kNotFound;
  // XNNPACK's view: taps / fold taps of in * fold channels. A declined kernel stays listed:
  // finalize() fails.
  const xnn_gemm_config* config = xnn_init_qs8_qc8w_gemm_config();
  if ((key->seed ^ conv_seed_terms(it->channels, it->out, config->nr, kQs8Kr)) & XNN_FLAG_DEPTHWISE_CONVOLUTION)
    return kNotFound;
  const Qs8Conv c = std::move(*it);
  qs8_.erase(it);
  const size_t nr = config->nr, blocks = (c.out + nr - 1) / nr;
  const size_t block_bytes = static_cast<size_t>(qs8_block_bytes(c.in, c.taps, c.fold, nr));  // bounded by packs_qs8_conv
  auto* packed = static_cast<uint8_t*>(reserve_packed(blocks * block_bytes));
  if (packed == nullptr) return kNotFound;
  for_each_packing_block(blocks, blocks * block_bytes, [&](size_t b) { kPackQs8Block(c, b * nr, nr, packed + b * block_bytes); });
  qs8_packed_++;
  return packed_here(key, true);
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
