// SPDX-License-Identifier: MIT
// Ops that rearrange or generate data, any dtype unless noted: Split (split as attribute
// before opset 13, input after; num_outputs from 18), Expand, Tile, Range (numeric), Trilu,
// DepthToSpace (DCR/CRD), SpaceToDepth, EyeLike, CumSum (numeric; exclusive, reverse),
// ReverseSequence.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/broadcast.h"
#include "kernels/dispatch.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

// Copies y[i] = x[src(i)] element by element (byte-wise, any dtype).
template <class F>
void gather_by_index(const Tensor& x, Tensor& y, F src) {
  size_t es = dtype_size(x.dtype());
  const char* in = static_cast<const char*>(x.raw());
  char* out = static_cast<char*>(y.raw());
  for (int64_t i = 0; i < y.size(); i++) memcpy(out + i * es, in + src(i) * es, es);
}

// --- Split ---

// The sizes along `axis` of each of n outputs, or an empty vector when not known yet.
Result<std::vector<int64_t>> split_sizes(const InferContext& ctx, int64_t dim, size_t n, bool* known) {
  *known = true;
  std::vector<int64_t> sizes;
  if (ctx.opset < 13) {
    sizes = attr_ints(ctx.node, "split");
  } else if (ctx.has_input(1)) {
    OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
    const Tensor* t = ctx.value(1);
    if (!t) { *known = false; return sizes; }
    for (int64_t i = 0; i < t->size(); i++) sizes.push_back(t->int_at(i));
  }
  if (sizes.empty()) {
    if (dim < 0) { *known = false; return sizes; }
    int64_t parts = ctx.opset >= 18 && ctx.node.attr("num_outputs") ? attr_int(ctx.node, "num_outputs", 0)
                                                                     : static_cast<int64_t>(n);
    OW_CHECK(parts == static_cast<int64_t>(n) && parts > 0, INVALID_MODEL, "%s: num_outputs %lld, but %zu outputs",
             ctx.node.describe().c_str(), static_cast<long long>(parts), n);
    int64_t each = (dim + parts - 1) / parts;  // opset 18: the last one may be smaller
    if (ctx.opset < 18)
      OW_CHECK(dim % parts == 0, INVALID_INPUT, "%s: axis of size %lld does not split into %lld equal parts",
               ctx.node.describe().c_str(), static_cast<long long>(dim), static_cast<long long>(parts));
    for (int64_t i = 0; i < parts; i++) sizes.push_back(std::max<int64_t>(0, std::min(each, dim - i * each)));
    return sizes;
  }
  OW_CHECK(sizes.size() == n, INVALID_MODEL, "%s: split has %zu sizes for %zu outputs", ctx.node.describe().c_str(),
           sizes.size(), n);
  int64_t total = 0;
  for (int64_t v : sizes) {
    OW_CHECK(v >= 0, INVALID_MODEL, "%s: negative split size", ctx.node.describe().c_str());
    total += v;
  }
  OW_CHECK(dim < 0 || total == dim, INVALID_INPUT, "%s: split sizes add up to %lld, the axis has %lld",
           ctx.node.describe().c_str(), static_cast<long long>(total), static_cast<long long>(dim));
  return sizes;
}

Status infer_split(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 2));
  const Dims& in = ctx.in(0).dims;
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 0),
                                                   static_cast<int64_t>(in.size())));
  bool known;
  OW_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, split_sizes(ctx, in[axis], ctx.outputs.size(), &known));
  for (size_t i = 0; i < ctx.outputs.size(); i++) {
    Dims d = in;
    d[axis] = known ? sizes[i] : kUnknownDim;
    ctx.set_output(i, ctx.in(0).dtype, d);
  }
  return Status::ok();
}

Status run_split(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 0),
                                                   static_cast<int64_t>(x.rank())));
  int64_t outer = 1, inner = 1, dim = x.dims()[axis];
  for (int64_t i = 0; i < axis; i++) outer *= x.dims()[i];
  for (size_t i = axis + 1; i < x.rank(); i++) inner *= x.dims()[i];
  int64_t start = 0;
  for (Tensor* y : ctx.outputs) {
    if (!y) continue;
    int64_t len = y->dims()[axis];
    for (int64_t o = 0; o < outer; o++) copy_elements(x, (o * dim + start) * inner, *y, o * len * inner, len * inner);
    start += len;
  }
  return Status::ok();
}

// --- Expand, Tile ---

Result<std::vector<int64_t>> int_list(const InferContext& ctx, size_t i, bool* known) {
  OW_RETURN_IF_ERROR(check_dtype(ctx, i, {DType::kInt64}));
  const Tensor* t = ctx.value(i);
  *known = t != nullptr;
  std::vector<int64_t> v;
  if (t) for (int64_t k = 0; k < t->size(); k++) v.push_back(t->int_at(k));
  return v;
}

Status infer_expand(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  bool known;
  OW_ASSIGN_OR_RETURN(std::vector<int64_t> shape, int_list(ctx, 1, &known));
  if (!known) {
    int64_t n = ctx.in(1).dims.size() == 1 ? ctx.in(1).dims[0] : -1;
    if (n < 0) ctx.outputs[0] = ValueType{ctx.in(0).dtype, {}, false};
    else ctx.set_output(0, ctx.in(0).dtype, Dims(std::max<size_t>(n, ctx.in(0).dims.size()), kUnknownDim));
    return Status::ok();
  }
  for (int64_t v : shape)
    OW_CHECK(v >= 0, INVALID_INPUT, "%s: negative dim %lld in the shape", ctx.node.describe().c_str(), static_cast<long long>(v));
  OW_ASSIGN_OR_RETURN(Dims out, broadcast_dims(ctx.node, ctx.in(0).dims, shape));
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_expand(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  BroadcastIter<1> it(ctx.out(0).dims(), {&x.dims()});
  size_t es = dtype_size(x.dtype());
  const char* in = static_cast<const char*>(x.raw());
  char* out = static_cast<char*>(ctx.out(0).raw());
  for (int64_t i = 0; i < ctx.out(0).size(); i++, it.next()) memcpy(out + i * es, in + it.offset(0) * es, es);
  return Status::ok();
}

Status infer_tile(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  bool known;
  OW_ASSIGN_OR_RETURN(std::vector<int64_t> reps, int_list(ctx, 1, &known));
  const Dims& in = ctx.in(0).dims;
  if (!known) { ctx.set_output(0, ctx.in(0).dtype, Dims(in.size(), kUnknownDim)); return Status::ok(); }
  OW_CHECK(reps.size() == in.size(), INVALID_INPUT, "%s: %zu repeats for rank %zu", ctx.node.describe().c_str(),
           reps.size(), in.size());
  Dims out(in.size());
  for (size_t i = 0; i < in.size(); i++) {
    OW_CHECK(reps[i] >= 0, INVALID_INPUT, "%s: negative repeat", ctx.node.describe().c_str());
    OW_CHECK(in[i] <= 0 || reps[i] <= kMaxElements / in[i], OUT_OF_MEMORY, "%s: repeating axis %zu %lld times is too large",
             ctx.node.describe().c_str(), i, static_cast<long long>(reps[i]));
    out[i] = in[i] < 0 ? kUnknownDim : in[i] * reps[i];
  }
  OW_CHECK(num_elements(out) >= 0 || !dims_known(out), OUT_OF_MEMORY, "%s: output %s is too large",
           ctx.node.describe().c_str(), dims_to_string(out).c_str());
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_tile(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Dims &in = x.dims(), &out = ctx.out(0).dims();
  Dims is = row_major_strides(in), os = row_major_strides(out);
  gather_by_index(x, ctx.out(0), [&](int64_t i) {
    int64_t src = 0;
    for (size_t d = 0; d < out.size(); d++) src += ((i / os[d]) % out[d] % in[d]) * is[d];
    return src;
  });
  return Status::ok();
}

// --- Range ---

Status infer_range(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 3, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kInt16, DType::kInt32, DType::kInt64}));
  for (size_t i = 0; i < 3; i++)
    OW_CHECK(ctx.in(i).dtype == ctx.in(0).dtype && num_elements(ctx.in(i).dims) == 1, INVALID_MODEL,
             "%s: start, limit and delta must be scalars of one dtype", ctx.node.describe().c_str());
  const Tensor *s = ctx.value(0), *l = ctx.value(1), *d = ctx.value(2);
  if (!s || !l || !d) { ctx.set_output(0, ctx.in(0).dtype, {kUnknownDim}); return Status::ok(); }
  double delta = d->float_at(0);
  OW_CHECK(delta != 0, INVALID_INPUT, "%s: delta is 0", ctx.node.describe().c_str());
  double n = std::ceil((l->float_at(0) - s->float_at(0)) / delta);
  OW_CHECK(n < static_cast<double>(kMaxElements), OUT_OF_MEMORY, "%s: %g elements is too many", ctx.node.describe().c_str(), n);
  ctx.set_output(0, ctx.in(0).dtype, {std::max<int64_t>(0, static_cast<int64_t>(n))});
  return Status::ok();
}

Status run_range(KernelContext& ctx) {
  return visit_numeric(ctx.out(0).dtype(), [&](auto t) {
    using T = decltype(t);
    T start = ctx.in(0).data<T>()[0], delta = ctx.in(2).data<T>()[0];
    T* out = ctx.out(0).data<T>();
    for (int64_t i = 0; i < ctx.out(0).size(); i++) out[i] = static_cast<T>(start + static_cast<T>(i) * delta);
    return Status::ok();
  });
}

// --- Trilu ---

Status infer_same(InferContext& ctx) {
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(0).dims);
  return Status::ok();
}

Status infer_trilu(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 2));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 2, 64));
  return infer_same(ctx);
}

Status run_trilu(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  bool upper = attr_int(ctx.node, "upper", 1) != 0;
  int64_t k = ctx.has_input(1) && ctx.in(1).size() == 1 ? ctx.in(1).int_at(0) : 0;
  int64_t rows = x.dims()[x.rank() - 2], cols = x.dims()[x.rank() - 1];
  size_t es = dtype_size(x.dtype());
  const char* in = static_cast<const char*>(x.raw());
  char* out = static_cast<char*>(ctx.out(0).raw());
  for (int64_t i = 0; i < x.size(); i++) {
    int64_t c = i % cols, r = (i / cols) % rows;
    bool keep = upper ? c - r >= k : c - r <= k;
    if (keep) memcpy(out + i * es, in + i * es, es);
    else memset(out + i * es, 0, es);
  }
  return Status::ok();
}

// --- DepthToSpace, SpaceToDepth ---

Status infer_depth_space(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 4, 4));
  int64_t b = attr_int(ctx.node, "blocksize", 0);
  OW_CHECK(b > 0 && b <= 4096, INVALID_MODEL, "%s: blocksize must be 1 to 4096", ctx.node.describe().c_str());
  Dims d = ctx.in(0).dims;
  if (ctx.node.op_type == "DepthToSpace") {
    OW_CHECK(d[1] < 0 || d[1] % (b * b) == 0, INVALID_INPUT, "%s: %lld channels do not divide by blocksize^2",
             ctx.node.describe().c_str(), static_cast<long long>(d[1]));
    d = {d[0], d[1] < 0 ? -1 : d[1] / (b * b), d[2] < 0 ? -1 : d[2] * b, d[3] < 0 ? -1 : d[3] * b};
  } else {
    OW_CHECK((d[2] < 0 || d[2] % b == 0) && (d[3] < 0 || d[3] % b == 0), INVALID_INPUT,
             "%s: height and width must divide by blocksize", ctx.node.describe().c_str());
    d = {d[0], d[1] < 0 ? -1 : d[1] * b * b, d[2] < 0 ? -1 : d[2] / b, d[3] < 0 ? -1 : d[3] / b};
  }
  ctx.set_output(0, ctx.in(0).dtype, d);
  return Status::ok();
}

Status run_depth_space(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  int64_t b = attr_int(ctx.node, "blocksize", 0);
  bool crd = attr_string(ctx.node, "mode", "DCR") == "CRD";
  bool to_space = ctx.node.op_type == "DepthToSpace";
  const Dims& od = ctx.out(0).dims();
  const Dims& id = x.dims();
  gather_by_index(x, ctx.out(0), [&](int64_t i) {
    int64_t w = i % od[3], h = (i / od[3]) % od[2], c = (i / (od[3] * od[2])) % od[1], n = i / (od[3] * od[2] * od[1]);
    int64_t ic, ih, iw;
    if (to_space) {
      int64_t by = h % b, bx = w % b;
      ic = crd ? c * b * b + by * b + bx : (by * b + bx) * od[1] + c;
      ih = h / b;
      iw = w / b;
    } else {  // SpaceToDepth: output channel = (by * b + bx) * C + c
      int64_t C = id[1], blk = c / C, cc = c % C;
      ic = cc;
      ih = h * b + blk / b;
      iw = w * b + blk % b;
    }
    return ((n * id[1] + ic) * id[2] + ih) * id[3] + iw;
  });
  return Status::ok();
}

// --- EyeLike ---

Status infer_eye_like(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 2, 2));
  int64_t dt = attr_int(ctx.node, "dtype", static_cast<int64_t>(ctx.in(0).dtype));
  OW_CHECK(dtype_is_valid(static_cast<int32_t>(dt)) && dtype_size(static_cast<DType>(dt)) > 0 &&
               static_cast<DType>(dt) != DType::kString, INVALID_MODEL, "%s: dtype %lld is not usable",
           ctx.node.describe().c_str(), static_cast<long long>(dt));
  ctx.set_output(0, static_cast<DType>(dt), ctx.in(0).dims);
  return Status::ok();
}

Status run_eye_like(KernelContext& ctx) {
  Tensor& y = ctx.out(0);
  memset(y.raw(), 0, y.byte_size());
  int64_t k = attr_int(ctx.node, "k", 0), rows = y.dims()[0], cols = y.dims()[1];
  return visit_numeric(y.dtype(), [&](auto t) {
    using T = decltype(t);
    for (int64_t r = 0; r < rows; r++)
      if (r + k >= 0 && r + k < cols) y.data<T>()[r * cols + r + k] = T(1);
    return Status::ok();
  }, true);
}

// --- CumSum ---

Status infer_cumsum(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt32, DType::kInt64}));
  return infer_same(ctx);
}

Status run_cumsum(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  OW_CHECK(ctx.in(1).size() == 1, INVALID_INPUT, "axis must be a scalar");
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", ctx.in(1).int_at(0), static_cast<int64_t>(x.rank())));
  bool exclusive = attr_int(ctx.node, "exclusive", 0) != 0, reverse = attr_int(ctx.node, "reverse", 0) != 0;
  int64_t outer = 1, inner = 1, len = x.dims()[axis];
  for (int64_t i = 0; i < axis; i++) outer *= x.dims()[i];
  for (size_t i = axis + 1; i < x.rank(); i++) inner *= x.dims()[i];
  return visit_numeric(x.dtype(), [&](auto t) {
    using T = decltype(t);
    const T* in = x.data<T>();
    T* out = ctx.out(0).data<T>();
    for (int64_t o = 0; o < outer; o++)
      for (int64_t j = 0; j < inner; j++) {
        T acc = 0;
        for (int64_t s = 0; s < len; s++) {
          int64_t k = reverse ? len - 1 - s : s;
          int64_t at = (o * len + k) * inner + j;
          if (exclusive) { out[at] = acc; acc = static_cast<T>(acc + in[at]); }
          else { acc = static_cast<T>(acc + in[at]); out[at] = acc; }
        }
      }
    return Status::ok();
  });
}

// --- ReverseSequence ---

Status infer_reverse_sequence(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 2, 64));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
  return infer_same(ctx);
}

Status run_reverse_sequence(KernelContext& ctx) {
  const Tensor &x = ctx.in(0), &lens = ctx.in(1);
  int64_t batch_axis = attr_int(ctx.node, "batch_axis", 1), time_axis = attr_int(ctx.node, "time_axis", 0);
  OW_CHECK((batch_axis == 0 || batch_axis == 1) && time_axis == 1 - batch_axis, INVALID_MODEL,
           "batch_axis and time_axis must be 0 and 1 in some order");
  Dims st = row_major_strides(x.dims());
  int64_t batch = x.dims()[batch_axis], steps = x.dims()[time_axis];
  OW_CHECK(lens.size() == batch, INVALID_INPUT, "sequence_lens has %lld values for a batch of %lld",
           static_cast<long long>(lens.size()), static_cast<long long>(batch));
  gather_by_index(x, ctx.out(0), [&](int64_t i) {
    int64_t b = (i / st[batch_axis]) % batch, t = (i / st[time_axis]) % steps;
    int64_t len = std::min<int64_t>(std::max<int64_t>(lens.int_at(b), 0), steps);
    return t < len ? i + (len - 1 - 2 * t) * st[time_axis] : i;
  });
  return Status::ok();
}

}  // namespace

extern const OpDef kReverseSequence = {"ReverseSequence", "", 10, infer_reverse_sequence, nullptr, run_reverse_sequence};
extern const OpDef kSplit = {"Split", "", 1, infer_split, nullptr, run_split};
extern const OpDef kExpand = {"Expand", "", 8, infer_expand, nullptr, run_expand};
extern const OpDef kTile = {"Tile", "", 6, infer_tile, nullptr, run_tile};
extern const OpDef kRange = {"Range", "", 11, infer_range, nullptr, run_range};
extern const OpDef kTrilu = {"Trilu", "", 14, infer_trilu, nullptr, run_trilu};
extern const OpDef kDepthToSpace = {"DepthToSpace", "", 1, infer_depth_space, nullptr, run_depth_space};
extern const OpDef kSpaceToDepth = {"SpaceToDepth", "", 1, infer_depth_space, nullptr, run_depth_space};
extern const OpDef kEyeLike = {"EyeLike", "", 9, infer_eye_like, nullptr, run_eye_like};
extern const OpDef kCumSum = {"CumSum", "", 11, infer_cumsum, nullptr, run_cumsum};

}  // namespace onnxwasm
