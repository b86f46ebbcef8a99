// SPDX-License-Identifier: MIT
#include "runtime/content_hash.h"

#include <unistd.h>

#include <cstring>
#include <tuple>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace onnxwasm {
namespace {

constexpr int kIterations = std::tuple_size<decltype(ContentDigest::words)>::value;
constexpr size_t kBlockWords = 4096 / 4;
constexpr uint64_t kPrime = (uint64_t(1) << 61) - 1;

uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// ChaCha20's key stream (RFC 8439, nonce 0) from block `counter` on, `n` bytes of it.
void chacha20_fill(const uint32_t key[8], uint8_t* out, size_t n, uint32_t counter = 0) {
  for (size_t done = 0; done < n; counter++) {
    uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, key[0], key[1], key[2], key[3],
                       key[4],     key[5],     key[6],     key[7],     counter, 0,     0,      0};
    uint32_t x[16];
    memcpy(x, in, sizeof x);
    auto quarter = [&x](int a, int b, int c, int d) {
      x[a] += x[b], x[d] = rotl(x[d] ^ x[a], 16);
      x[c] += x[d], x[b] = rotl(x[b] ^ x[c], 12);
      x[a] += x[b], x[d] = rotl(x[d] ^ x[a], 8);
      x[c] += x[d], x[b] = rotl(x[b] ^ x[c], 7);
    };
    for (int round = 0; round < 10; round++) {
      quarter(0, 4, 8, 12), quarter(1, 5, 9, 13), quarter(2, 6, 10, 14), quarter(3, 7, 11, 15);
      quarter(0, 5, 10, 15), quarter(1, 6, 11, 12), quarter(2, 7, 8, 13), quarter(3, 4, 9, 14);
    }
    for (int i = 0; i < 16; i++) x[i] += in[i];
    const size_t take = n - done < 64 ? n - done : 64;
    memcpy(out + done, x, take);
    done += take;
  }
}

}  // namespace

// NH's words (one block's, plus the Toeplitz shift of 4 words per iteration) and one
// polynomial key per iteration.
struct ContentKey {
  alignas(16) uint32_t nh[kBlockWords + 4 * (kIterations - 1)];
  uint64_t poly[kIterations];
  bool ok = false;

  // From the system's entropy: 32 bytes of it (the browser's and Node's getentropy give one
  // byte per call into JS) as a ChaCha20 key, whose stream fills the rest.
  ContentKey() {
    uint32_t seed[8];
    ok = getentropy(seed, sizeof seed) == 0;
    chacha20_fill(seed, reinterpret_cast<uint8_t*>(nh), sizeof nh);
    uint64_t more[kIterations];  // from the blocks after nh's
    chacha20_fill(seed, reinterpret_cast<uint8_t*>(more), sizeof more, (sizeof nh + 63) / 64);
    for (int t = 0; t < kIterations; t++) poly[t] = more[t] & ((uint64_t(1) << 60) - 1);  // below the prime, as UMAC's
  }

  // From a fixed seed (splitmix64), for known-answer tests.
  explicit ContentKey(uint64_t seed) {
    auto next = [&seed] {
      uint64_t z = (seed += 0x9e3779b97f4a7c15u);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
      return z ^ (z >> 31);
    };
    for (uint32_t& w : nh) w = static_cast<uint32_t>(next());
    for (uint64_t& k : poly) k = next() & ((uint64_t(1) << 60) - 1);
    ok = true;
  }
};

namespace {

const ContentKey& secret_key() {
  static const ContentKey k;
  return k;
}

// (a * b) mod 2^61 - 1, for a, b < 2^61.
uint64_t mul_mod(uint64_t a, uint64_t b) {
  unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  uint64_t r = (static_cast<uint64_t>(p) & kPrime) + static_cast<uint64_t>(p >> 61);
  return r >= kPrime ? r - kPrime : r;
}

uint64_t add_mod(uint64_t a, uint64_t b) {
  uint64_t r = a + b;
  return r >= kPrime ? r - kPrime : r;
}

// NH of `n` bytes (a multiple of 32) for each iteration: the sum over 32-byte groups of
// (a_l + ka_l) * (b_l + kb_l), a the group's first four 32-bit words and b its last four,
// sums of words mod 2^32 and of products mod 2^64. Not inlined: V8 first runs wasm from its
// baseline compiler, several times slower here, and swaps in optimized code at the next call
// of a hot function; one call per block makes that the next 4 KB.
__attribute__((noinline)) void nh(const uint8_t* m, size_t n, const uint32_t* k, uint64_t out[kIterations]) {
#ifdef __wasm_simd128__
  v128_t acc[kIterations];
  for (int t = 0; t < kIterations; t++) acc[t] = wasm_i64x2_const(0, 0);
  for (size_t j = 0; j < n / 32; j++) {
    const v128_t a = wasm_v128_load(m + 32 * j), b = wasm_v128_load(m + 32 * j + 16);
    for (int t = 0; t < kIterations; t++) {
      const v128_t x = wasm_i32x4_add(a, wasm_v128_load(k + 8 * j + 4 * t));
      const v128_t y = wasm_i32x4_add(b, wasm_v128_load(k + 8 * j + 4 + 4 * t));
      acc[t] = wasm_i64x2_add(acc[t], wasm_i64x2_add(wasm_u64x2_extmul_low_u32x4(x, y), wasm_u64x2_extmul_high_u32x4(x, y)));
    }
  }
  for (int t = 0; t < kIterations; t++)
    out[t] = wasm_u64x2_extract_lane(acc[t], 0) + wasm_u64x2_extract_lane(acc[t], 1);
#else
  for (int t = 0; t < kIterations; t++) out[t] = 0;
  for (size_t j = 0; j < n / 32; j++) {
    uint32_t a[4], b[4];
    memcpy(a, m + 32 * j, 16);  // little-endian, as wasm's loads
    memcpy(b, m + 32 * j + 16, 16);
    for (int t = 0; t < kIterations; t++)
      for (int l = 0; l < 4; l++)
        out[t] += static_cast<uint64_t>(a[l] + k[8 * j + 4 * t + l]) * (b[l] + k[8 * j + 4 + 4 * t + l]);
  }
#endif
}

}  // namespace

ContentHasher::ContentHasher() : key_(&secret_key()) {}

bool ContentHasher::available() { return secret_key().ok; }

ContentHasher ContentHasher::with_test_key() {
  static const ContentKey k(20261205);
  return ContentHasher(&k);
}

void ContentHasher::absorb_block(const uint8_t* block, size_t n) {
  const ContentKey& k = *key_;
  uint64_t h[kIterations];
  nh(block, n, k.nh, h);
  // Each 64-bit NH value enters its polynomial as two 32-bit elements (both below the prime).
  for (int t = 0; t < kIterations; t++) {
    poly_[t] = add_mod(mul_mod(poly_[t], k.poly[t]), h[t] >> 32);
    poly_[t] = add_mod(mul_mod(poly_[t], k.poly[t]), h[t] & 0xffffffffu);
  }
}

void ContentHasher::update(const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  size_ += n;
  if (pending_) {
    size_t take = kBlock - pending_ < n ? kBlock - pending_ : n;
    memcpy(buffer_ + pending_, p, take);
    pending_ += take, p += take, n -= take;
    if (pending_ < kBlock) return;
    absorb_block(buffer_, kBlock);
    pending_ = 0;
  }
  for (; n >= kBlock; p += kBlock, n -= kBlock) absorb_block(p, kBlock);
  memcpy(buffer_, p, n);
  pending_ = n;
}

ContentDigest ContentHasher::finish() {
  // The last partial block, zero-padded to NH's 32-byte groups: the size, part of the digest,
  // tells a padded input from one that ends in zeros.
  if (pending_) {
    size_t padded = (pending_ + 31) / 32 * 32;
    memset(buffer_ + pending_, 0, padded - pending_);
    absorb_block(buffer_, padded);
    pending_ = 0;
  }
  ContentDigest d;
  d.words = poly_;
  d.size = size_;
  return d;
}

}  // namespace onnxwasm
