// SPDX-License-Identifier: MIT
// The keyed digest that decides whether two sessions share a compiled model: the same bytes
// give the same digest however they arrive, any change gives another, and the wasm build's
// SIMD path agrees with the native scalar one (a known answer under the fixed test key).
#include <string>
#include <vector>

#include "runtime/content_hash.h"
#include "testing/graph_builder.h"

using namespace onnxwasm;

namespace {

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; i++) v[i] = static_cast<uint8_t>((i * 31 + 7) % 251);
  return v;
}

ContentDigest digest_in_pieces(ContentHasher h, const std::vector<uint8_t>& v, size_t piece) {
  for (size_t o = 0; o < v.size(); o += piece) h.update(v.data() + o, std::min(piece, v.size() - o));
  return h.finish();
}

}  // namespace

TEST_CASE("content digest: the same bytes in any pieces give the same digest", "[runtime]") {
  REQUIRE(ContentHasher::available());
  const std::vector<uint8_t> v = pattern(3 * 4096 + 1000);
  const ContentDigest whole = digest_in_pieces(ContentHasher(), v, v.size());
  for (size_t piece : {size_t(1), size_t(7), size_t(4096), size_t(5000), size_t(1 << 18)})
    CHECK(digest_in_pieces(ContentHasher(), v, piece) == whole);
  CHECK(whole.size == v.size());
}

TEST_CASE("content digest: any changed byte, or a different length, changes it", "[runtime]") {
  const std::vector<uint8_t> v = pattern(2 * 4096 + 100);
  const ContentDigest base = digest_in_pieces(ContentHasher(), v, 4096);
  for (size_t at : {size_t(0), size_t(5), size_t(4095), size_t(4096), size_t(8191), v.size() - 1}) {
    std::vector<uint8_t> w = v;
    w[at] ^= 1;
    CHECK(digest_in_pieces(ContentHasher(), w, 4096) != base);
  }
  // Zero bytes appended: the padding of the last block is not confused with data.
  std::vector<uint8_t> longer = v;
  longer.push_back(0);
  CHECK(digest_in_pieces(ContentHasher(), longer, 4096) != base);
  // Two blocks swapped.
  std::vector<uint8_t> swapped = v;
  std::swap_ranges(swapped.begin(), swapped.begin() + 4096, swapped.begin() + 4096);
  CHECK(digest_in_pieces(ContentHasher(), swapped, 4096) != base);
}

TEST_CASE("content digest: a known answer under the test key (SIMD and scalar agree)", "[runtime]") {
  const std::vector<uint8_t> v = pattern(10000);
  const ContentDigest d = digest_in_pieces(ContentHasher::with_test_key(), v, 3000);
  CHECK(d.words[0] == 0x06477cf384e06c70u);
  CHECK(d.words[1] == 0x1839ff07182be216u);
  CHECK(d.size == 10000);
  // The secret key is another key.
  CHECK(digest_in_pieces(ContentHasher(), v, 3000) != d);
}
