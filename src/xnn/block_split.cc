// SPDX-License-Identifier: MIT
#include "xnn/block_split.h"

#include <algorithm>

namespace onnxwasm {
namespace {

constexpr size_t kMinBlock = 16;             // tiles: each block reads all the weights once
constexpr size_t kBlocksPerThread = 4;

}  // namespace

WinogradBlocks winograd_blocks(size_t tiles, size_t tile_bytes, size_t weight_bytes, size_t out, size_t mr, size_t nr,
                               size_t threads, size_t scratch_bytes, size_t shared_weights_bytes) {
  // Blocks of at most as many tiles as keep a block's matrices within scratch_bytes (but at
  // least kMinBlock, so the weights are read from memory for that many tiles at once), each a
  // multiple of mr tiles but the last. With threads, each thread takes its own group of output
  // channels for every block rather than blocks of its own: the threads read each weight once
  // per block between them (blocks per thread read all of them: resnet50's 7x7 layers, one
  // block of 16 tiles, scaled 1.6x on 2 threads) and do equal work whatever the tile count; the
  // price is each thread transforming the block's inputs, a few % of the products.
  const size_t most = std::max<size_t>(kMinBlock, scratch_bytes / std::max<size_t>(1, tile_bytes));
  size_t blocks = (tiles + most - 1) / most;
  const size_t nr_blocks = (out + nr - 1) / nr;
  // Many tiles and weights that stay in cache (the large images' layers: few channels): blocks
  // of their own for each thread after all, at least kBlocksPerThread each so that the last
  // ones even out; the inputs' transform is then not repeated by every thread. Paired against
  // output-channel groups at 2 threads: unet_small 0.92x, densenet121 0.97x, squeezenet1_1
  // 0.98x (these layers scaled 1.36-1.5x on 2 threads against ~1.7x for the others).
  const bool by_blocks = threads > 1 && weight_bytes <= shared_weights_bytes && tiles >= kBlocksPerThread * threads * mr;
  if (by_blocks) blocks = std::max(blocks, kBlocksPerThread * threads);
  WinogradBlocks b;
  b.block = std::max<size_t>(1, std::min(tiles, ((tiles + blocks - 1) / blocks + mr - 1) / mr * mr));
  if (by_blocks) {
    // The block size (down to half) whose blocks end soonest shared between the threads: a
    // block count off a multiple of them leaves one thread a whole block longer (resnet18_qdq's
    // 56x56 layers: 196 tiles in 7 blocks of 28 on 2 threads, 4 for one and 3 for the other;
    // 10 blocks of 20 take 5 each).
    auto longest = [&](size_t block) { return ((tiles + block - 1) / block + threads - 1) / threads * block; };
    const size_t first = b.block, least = std::max(mr, first / 2);
    for (size_t block = first; block >= least; block -= mr)
      if (longest(block) < longest(b.block)) b.block = block;
  }
  b.blocks = (tiles + b.block - 1) / b.block;
  b.group = by_blocks ? nr_blocks * nr : (nr_blocks + threads - 1) / threads * nr;
  b.tasks = b.blocks * ((out + b.group - 1) / b.group);
  return b;
}

}  // namespace onnxwasm
