// SPDX-License-Identifier: MIT
// XNNPACK's allocator: the C heap, counted, so a region knows what its memory planning took
// without walking the heap (mallinfo() is linear in the heap's chunks: ~1 ms per session).
#pragma once
#include <cstddef>

struct xnn_allocator;

namespace onnxwasm {

// For xnn_initialize.
const xnn_allocator* counting_xnn_allocator();
// Bytes XNNPACK holds now (as the heap counts them: usable sizes).
size_t xnn_live_bytes();

}  // namespace onnxwasm
