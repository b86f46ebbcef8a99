// SPDX-License-Identifier: MIT
#pragma once
#include <cstddef>

namespace onnxwasm {

// Grows the wasm memory, before a large model is parsed, to 1.25x the model beyond what is in
// use: the parse copies its weights into the heap, then packing writes its copies (1-1.3x)
// while it frees them one by one (resnet50: 100 MB, 162 MB high-water). Left to malloc, the
// memory grows by 20% at a time, each grow a call into V8 that may start a GC (resnet50: 13
// grows, now 3). A tight margin: the wasm memory's size is what a user sees as its footprint.
void reserve_heap_for_model(size_t model_bytes);

}  // namespace onnxwasm
