// SPDX-License-Identifier: MIT
// XNNPACK runs a GEMM (1x1 convolution, fully-connected) or IGEMM (other convolutions) row block
// by row block: for each mr rows of the output, the products with every output channel. Each
// row block so reads all the weights. Where they fit in the core's L2 that costs nothing; where
// they do not (resnet50's 7x7 layers: 4-9 MB of weights, 13 row blocks), every row block
// streams them from L3 again, and those layers ran at 4.5-6 GMAC/s against ~7.3 for the others
// (per-operator profile, 1 thread). Here such operators visit column blocks outermost instead:
// each block of output channels, its weights sized to stay in L2, against every row block, so
// each weight comes from L3 once. Same microkernel calls, same sums: only the order changes.
#include "xnn/gemm_order.h"

#include <algorithm>
#include <cstddef>

#include <xnnpack.h>

#include "xnnpack/compute.h"
#include "xnnpack/operator.h"
#include "xnnpack/subgraph.h"

// compute.h declares these for C only (its parameters are C99 arrays).
extern "C" {
void xnn_compute_gemm(const gemm_context* context, size_t mr_block_start, size_t nr_block_start, size_t mr_block_size,
                      size_t nr_block_size);
void xnn_compute_igemm(const igemm_context* context, size_t mr_block_start, size_t nr_block_start, size_t mr_block_size,
                       size_t nr_block_size);
}

namespace onnxwasm {
namespace {

// Weights past this many bytes leave L2 (2 MB per core on the x86 hosts measured, shared with
// the activations); a column block's weights are kept to a quarter of it.
constexpr size_t kWeightsInCache = size_t(1) << 20;
constexpr size_t kColumnBlockBytes = size_t(256) << 10;

// XNNPACK's task `compute` with its two tile indices swapped: pthreadpool's first range is
// outermost.
template <typename Context, void (*compute)(const Context*, size_t, size_t, size_t, size_t)>
void columns_outer(const Context* context, size_t nr_start, size_t mr_start, size_t nr_size, size_t mr_size) {
  compute(context, mr_start, nr_start, mr_size, nr_size);
}

// Columns outermost for a compute step that runs `compute`, when its weights outgrow the cache
// and it has more than one row block. w_stride: the packed bytes of one output channel; nr from
// cn_stride.
template <typename Context, void (*compute)(const Context*, size_t, size_t, size_t, size_t)>
bool reorder(compute_parameters& c, const xnn_operator& op) {
  using Task = pthreadpool_task_2d_tile_2d_t;
  if (c.type != xnn_parallelization_type_2d_tile_2d || c.task_2d_tile_2d != reinterpret_cast<Task>(compute)) return false;
  const auto& context = *reinterpret_cast<const Context*>(reinterpret_cast<const char*>(&op.context) + c.context_offset);
  const size_t rows = c.range[0], columns = c.range[1], mr = c.tile[0];
  const size_t nr = context.cn_stride >> context.log2_csize;
  if (rows <= mr || nr == 0 || context.w_stride == 0 || columns * context.w_stride <= kWeightsInCache) return false;
  const size_t nc = std::max<size_t>(1, kColumnBlockBytes / (context.w_stride * nr)) * nr;
  c.range[0] = columns, c.range[1] = rows;
  c.tile[0] = std::min(nc, columns), c.tile[1] = mr;
  c.task_2d_tile_2d = reinterpret_cast<Task>(columns_outer<Context, compute>);
  return true;
}

}  // namespace

int order_gemm_tiles(xnn_runtime* runtime) {
  int reordered = 0;
  for (size_t i = 0; i < runtime->num_ops; i++)
    for (xnn_operator* op : runtime->opdata[i].operator_objects) {
      if (op == nullptr) continue;
      bool any = false;
      for (compute_parameters& c : op->compute)
        any |= reorder<gemm_context, xnn_compute_gemm>(c, *op) || reorder<igemm_context, xnn_compute_igemm>(c, *op);
      reordered += any;
    }
  return reordered;
}

}  // namespace onnxwasm
