// SPDX-License-Identifier: MIT
// A keyed digest of a byte stream, to tell whether two models' bytes are the same without
// keeping either: sessions of the same bytes share one compiled model (session_loader.h).
//
// The construction is UMAC's (RFC 4418), with a key drawn once per process from the system's
// entropy and never exposed: NH over 4 KB blocks, two Toeplitz-shifted iterations (each
// 2^-32-almost-universal), each block's result then folded by a polynomial over GF(2^61 - 1).
// Two different inputs of the same length collide with probability about 2^-60 whatever they
// are, as long as the key is secret (UMAC-64's bound), so a model crafted to collide with
// another cannot be made. Not a cryptographic hash: it runs near memory speed (~10 GB/s in
// wasm here), where a cryptographic one would add a second per GB to a session's creation.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace onnxwasm {

struct ContentDigest {
  std::array<uint64_t, 2> words{};  // one polynomial per NH iteration
  uint64_t size = 0;
  bool operator==(const ContentDigest& o) const { return words == o.words && size == o.size; }
  bool operator!=(const ContentDigest& o) const { return !(*this == o); }
};

struct ContentKey;

class ContentHasher {
 public:
  ContentHasher();  // under the process's secret key
  // False where the system gave no entropy for the key: digests are then not to be trusted,
  // and callers share nothing.
  static bool available();
  // Under a fixed, public key: for known-answer tests only (anyone can make collisions).
  static ContentHasher with_test_key();

  void update(const void* data, size_t n);
  ContentDigest finish();

 private:
  static constexpr size_t kBlock = 4096;
  explicit ContentHasher(const ContentKey* key) : key_(key) {}
  void absorb_block(const uint8_t* block, size_t n);

  const ContentKey* key_;
  decltype(ContentDigest::words) poly_{};  // the digest's words as they build up
  uint64_t size_ = 0;
  size_t pending_ = 0;  // bytes of a partial block in buffer_
  alignas(16) uint8_t buffer_[kBlock];
};

}  // namespace onnxwasm
