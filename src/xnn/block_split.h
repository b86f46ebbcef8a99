// SPDX-License-Identifier: MIT
// How this project's operators over tiles or pixels (winograd.h's, winograd_qs8.h's,
// conv_qs8.h's) split them into blocks and their output channels into groups, one task each.
#pragma once
#include <cstddef>

namespace onnxwasm {

// Per thread: a block's input and output matrices, by default.
constexpr size_t kBlockScratchBytes = 768 << 10;
// Transformed weights every thread may read for blocks of its own (winograd_blocks), by default.
constexpr size_t kSharedWeightsBytes = 1 << 20;

struct WinogradBlocks {
  size_t block;   // tiles per block: a multiple of mr but the last
  size_t blocks;
  size_t group;   // output channels per task: a multiple of nr
  size_t tasks;   // blocks * groups: task t is block t % blocks, group t / blocks
};

// For `tiles` tiles whose transformed inputs and products take `tile_bytes` each, `weight_bytes`
// of transformed weights, `out` output channels in blocks of nr, products of mr rows, on
// `threads` threads; with many tiles and at most `shared_weights_bytes` of weights, each thread
// takes blocks of its own.
WinogradBlocks winograd_blocks(size_t tiles, size_t tile_bytes, size_t weight_bytes, size_t out, size_t mr, size_t nr,
                               size_t threads, size_t scratch_bytes = kBlockScratchBytes,
                               size_t shared_weights_bytes = kSharedWeightsBytes);

}  // namespace onnxwasm
