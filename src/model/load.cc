// SPDX-License-Identifier: MIT
// ModelProto (protobuf-lite) -> IR: opsets, initializers from raw_data or typed fields,
// symbolic dims, every attribute kind, subgraph attributes (recursively), external data
// (through an ExternalData the embedder gives, locations confined to the model's folder).
#include "model/load.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include "onnx/onnx.pb.h"

namespace onnxwasm {
namespace {

constexpr int kMaxGraphDepth = 64;

template <class T, class Field>
void copy_typed(const Field& field, Tensor& t) {
  T* out = t.data<T>();
  for (int64_t i = 0; i < t.size(); i++) out[i] = static_cast<T>(field.Get(static_cast<int>(i)));
}

// Half and bfloat16 live in int32_data as 16-bit payloads; int4 packs two per byte.
Status fill_from_typed(const onnx::TensorProto& p, Tensor& t, const std::string& where) {
  int64_t n = t.size();
  auto expect = [&](int64_t got) -> Status {
    OW_CHECK(got == n, INVALID_MODEL, "%s: typed data has %lld elements, dims %s need %lld",
             where.c_str(), static_cast<long long>(got), dims_to_string(t.dims()).c_str(),
             static_cast<long long>(n));
    return Status::ok();
  };
  switch (t.dtype()) {
    case DType::kFloat32: OW_RETURN_IF_ERROR(expect(p.float_data_size())); copy_typed<float>(p.float_data(), t); break;
    case DType::kFloat64: OW_RETURN_IF_ERROR(expect(p.double_data_size())); copy_typed<double>(p.double_data(), t); break;
    case DType::kInt64: OW_RETURN_IF_ERROR(expect(p.int64_data_size())); copy_typed<int64_t>(p.int64_data(), t); break;
    case DType::kUint64: OW_RETURN_IF_ERROR(expect(p.uint64_data_size())); copy_typed<uint64_t>(p.uint64_data(), t); break;
    case DType::kUint32: OW_RETURN_IF_ERROR(expect(p.uint64_data_size())); copy_typed<uint32_t>(p.uint64_data(), t); break;
    case DType::kInt32: OW_RETURN_IF_ERROR(expect(p.int32_data_size())); copy_typed<int32_t>(p.int32_data(), t); break;
    case DType::kInt16: OW_RETURN_IF_ERROR(expect(p.int32_data_size())); copy_typed<int16_t>(p.int32_data(), t); break;
    case DType::kUint16: case DType::kFloat16: case DType::kBFloat16:
      OW_RETURN_IF_ERROR(expect(p.int32_data_size())); copy_typed<uint16_t>(p.int32_data(), t); break;
    case DType::kInt8: OW_RETURN_IF_ERROR(expect(p.int32_data_size())); copy_typed<int8_t>(p.int32_data(), t); break;
    case DType::kUint8: case DType::kBool: case DType::kFloat8E4M3FN: case DType::kFloat8E4M3FNUZ:
    case DType::kFloat8E5M2: case DType::kFloat8E5M2FNUZ:
      OW_RETURN_IF_ERROR(expect(p.int32_data_size())); copy_typed<uint8_t>(p.int32_data(), t); break;
    case DType::kInt4: case DType::kUint4: {
      OW_RETURN_IF_ERROR(expect((p.int32_data_size() * 2) - (n % 2)));
      for (int64_t i = 0; i < n; i++) {
        int v = (p.int32_data(static_cast<int>(i / 2)) >> (4 * (i % 2))) & 0xF;
        if (t.dtype() == DType::kInt4 && v >= 8) v -= 16;
        t.data<uint8_t>()[i] = static_cast<uint8_t>(v);
      }
      break;
    }
    case DType::kString:
      OW_RETURN_IF_ERROR(expect(p.string_data_size()));
      for (int64_t i = 0; i < n; i++) t.data<std::string>()[i] = p.string_data(static_cast<int>(i));
      break;
    case DType::kComplex64: OW_RETURN_IF_ERROR(expect(p.float_data_size() / 2)); copy_typed<float>(p.float_data(), t); break;
    case DType::kComplex128: OW_RETURN_IF_ERROR(expect(p.double_data_size() / 2)); copy_typed<double>(p.double_data(), t); break;
    default: return make_status(Code::INVALID_MODEL, "%s: unsupported data_type", where.c_str());
  }
  return Status::ok();
}

// Reads an external tensor's bytes (keys location, offset, length) through `ext`.
Result<std::string> read_external(const onnx::TensorProto& p, size_t want, ExternalData* ext,
                                  const std::string& where) {
  std::string location;
  uint64_t offset = 0, length = want;
  bool has_length = false;
  for (const auto& kv : p.external_data()) {
    auto number = [&](uint64_t* v) -> Status {
      char* e = nullptr;
      unsigned long long x = strtoull(kv.value().c_str(), &e, 10);
      OW_CHECK(!kv.value().empty() && *e == '\0' && kv.value()[0] != '-', INVALID_MODEL,
               "%s: external data %s '%s' is not a number", where.c_str(), kv.key().c_str(), kv.value().c_str());
      *v = x;
      return Status::ok();
    };
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") OW_RETURN_IF_ERROR(number(&offset));
    else if (kv.key() == "length") { OW_RETURN_IF_ERROR(number(&length)); has_length = true; }
  }
  OW_ASSIGN_OR_RETURN(std::string file, confine_location(location).with_context(where));
  OW_CHECK(!has_length || length == want, INVALID_MODEL, "%s: external data length %llu, its dims need %zu bytes",
           where.c_str(), static_cast<unsigned long long>(length), want);
  OW_CHECK(ext != nullptr, INVALID_MODEL,
           "%s: its data is in the external file '%s', and no external data was given (load the model "
           "from a file path, or pass the file in options.externalData)", where.c_str(), file.c_str());
  OW_ASSIGN_OR_RETURN(uint64_t size, ext->size(file).with_context(where));
  OW_CHECK(offset <= size && want <= size - offset, INVALID_MODEL,
           "%s: external data '%s' has %llu bytes, the tensor needs %zu at offset %llu", where.c_str(),
           file.c_str(), static_cast<unsigned long long>(size), want, static_cast<unsigned long long>(offset));
  std::string bytes(want, '\0');
  if (want) OW_RETURN_IF_ERROR(ext->read(file, offset, want, &bytes[0]).with_context(where));
  return bytes;
}

// `adopt`: the same proto, mutable: a large raw_data buffer then becomes the tensor's storage
// instead of being copied (the load's peak memory and time drop by one copy of the weights).
Result<TensorPtr> convert_tensor(const onnx::TensorProto& p, const std::string& what, ExternalData* ext,
                                 onnx::TensorProto* adopt = nullptr) {
  std::string where = what + " '" + p.name() + "'";
  OW_CHECK(dtype_is_valid(p.data_type()), INVALID_MODEL, "%s: invalid data_type %d", where.c_str(),
           p.data_type());
  Dims dims;
  for (int64_t d : p.dims()) {
    OW_CHECK(d >= 0, INVALID_MODEL, "%s: negative dim %lld", where.c_str(), static_cast<long long>(d));
    dims.push_back(d);
  }
  int64_t n = num_elements(dims);
  OW_CHECK(n >= 0, INVALID_MODEL, "%s: dims %s hold too many elements", where.c_str(),
           dims_to_string(dims).c_str());
  DType dtype = static_cast<DType>(p.data_type());
  bool external = p.data_location() == onnx::TensorProto::EXTERNAL;
  const std::string* raw = p.has_raw_data() ? &p.raw_data() : nullptr;
  std::string external_bytes;
  if (raw || external) {
    // Check sizes before allocating so a tiny model cannot claim a huge tensor.
    size_t want = dtype == DType::kInt4 || dtype == DType::kUint4 ? static_cast<size_t>((n + 1) / 2)
                  : dtype == DType::kComplex64 ? static_cast<size_t>(n) * 8
                  : static_cast<size_t>(n) * dtype_size(dtype);
    OW_CHECK(dtype != DType::kString, INVALID_MODEL, "%s: string tensor with raw or external data", where.c_str());
    if (external) {
      OW_CHECK(want <= tensor_byte_limit(), OUT_OF_MEMORY, "%s: dims %s need %zu bytes, over the limit of %zu per tensor",
               where.c_str(), dims_to_string(dims).c_str(), want, tensor_byte_limit());
      OW_ASSIGN_OR_RETURN(external_bytes, read_external(p, want, ext, where));
      raw = &external_bytes;
    }
    OW_CHECK(raw->size() == want, INVALID_MODEL,
             "%s: raw_data has %zu bytes, dims %s of %s need %zu", where.c_str(),
             raw->size(), dims_to_string(dims).c_str(), dtype_name(dtype), want);
  }
  if (adopt && raw == &p.raw_data() && raw->size() >= 64 && dtype != DType::kInt4 && dtype != DType::kUint4) {
    // A heap buffer of operator new: aligned for every element type (small strings are not).
    auto bytes = std::make_shared<std::string>(std::move(*adopt->mutable_raw_data()));
    auto* view = new Tensor(Tensor::view(dtype, dims, bytes->data()));
    return TensorPtr(view, [bytes](Tensor* t) { delete t; });
  }
  OW_ASSIGN_OR_RETURN(Tensor t, Tensor::make(dtype, dims));
  if (raw) {
    if (dtype == DType::kInt4 || dtype == DType::kUint4) {
      for (int64_t i = 0; i < n; i++) {
        int v = (static_cast<uint8_t>((*raw)[i / 2]) >> (4 * (i % 2))) & 0xF;
        if (dtype == DType::kInt4 && v >= 8) v -= 16;
        t.data<uint8_t>()[i] = static_cast<uint8_t>(v);
      }
    } else if (!raw->empty()) {
      memcpy(t.raw(), raw->data(), raw->size());
    }
  } else {
    OW_RETURN_IF_ERROR(fill_from_typed(p, t, where));
  }
  return std::make_shared<Tensor>(std::move(t));
}

// Frees a converted tensor's payload (clear() alone would keep the capacity).
void free_tensor_data(onnx::TensorProto* p) {
  std::string().swap(*p->mutable_raw_data());
  google::protobuf::RepeatedField<float>().Swap(p->mutable_float_data());
  google::protobuf::RepeatedField<int32_t>().Swap(p->mutable_int32_data());
  google::protobuf::RepeatedField<int64_t>().Swap(p->mutable_int64_data());
  google::protobuf::RepeatedField<double>().Swap(p->mutable_double_data());
}

// The tensor element type inside a sequence or optional type (undefined if not a valid tensor).
DType element_dtype(const onnx::TypeProto& t) {
  if (!t.has_tensor_type() || !dtype_is_valid(t.tensor_type().elem_type())) return DType::kUndefined;
  return static_cast<DType>(t.tensor_type().elem_type());
}

Status convert_value_info(const onnx::ValueInfoProto& p, ValueInfo* v) {
  v->name = p.name();
  if (!p.has_type()) {
    v->kind = ValueInfo::Kind::kUnknown;
    return Status::ok();
  }
  const onnx::TypeProto& type = p.type();
  if (type.has_tensor_type()) {
    v->kind = ValueInfo::Kind::kTensor;
    const auto& tt = type.tensor_type();
    OW_CHECK(tt.elem_type() == 0 || dtype_is_valid(tt.elem_type()), INVALID_MODEL,
             "value '%s': invalid elem_type %d", v->name.c_str(), tt.elem_type());
    v->dtype = static_cast<DType>(tt.elem_type());
    v->has_shape = tt.has_shape();
    for (const auto& d : tt.shape().dim()) {
      if (d.has_dim_value()) {
        OW_CHECK(d.dim_value() >= 0, INVALID_MODEL, "value '%s': negative dim %lld",
                 v->name.c_str(), static_cast<long long>(d.dim_value()));
        v->dims.push_back(d.dim_value());
        v->dim_names.emplace_back();
      } else {
        v->dims.push_back(kUnknownDim);
        v->dim_names.push_back(d.dim_param());
      }
    }
  } else if (type.has_sequence_type()) {
    v->kind = ValueInfo::Kind::kSequence;
    v->dtype = element_dtype(type.sequence_type().elem_type());
  } else if (type.has_optional_type()) {
    v->kind = ValueInfo::Kind::kOptional;
    const onnx::TypeProto& elem = type.optional_type().elem_type();
    v->optional_of_sequence = elem.has_sequence_type();
    v->dtype = element_dtype(elem.has_sequence_type() ? elem.sequence_type().elem_type() : elem);
  } else if (type.has_map_type()) {
    v->kind = ValueInfo::Kind::kMap;
  } else if (type.has_sparse_tensor_type()) {
    v->kind = ValueInfo::Kind::kSparseTensor;
  } else {
    v->kind = ValueInfo::Kind::kUnknown;
  }
  return Status::ok();
}

// Graphs and attributes are taken mutable so each tensor's bytes in the proto are freed as
// soon as they are converted: loading then peaks near one copy of the weights, not two.
Status convert_graph(onnx::GraphProto& p, Graph* g, int depth, ExternalData* ext);

Status convert_attribute(onnx::AttributeProto& p, Attribute* a, int depth, const Node& node, ExternalData* ext) {
  a->name = p.name();
  std::string where = node.describe() + ", attribute '" + p.name() + "'";
  int type = p.type();
  // Old exporters omit `type`; infer it from the one field that is set.
  if (type == onnx::AttributeProto::UNDEFINED) {
    if (p.has_f()) type = onnx::AttributeProto::FLOAT;
    else if (p.has_i()) type = onnx::AttributeProto::INT;
    else if (p.has_s()) type = onnx::AttributeProto::STRING;
    else if (p.has_t()) type = onnx::AttributeProto::TENSOR;
    else if (p.has_g()) type = onnx::AttributeProto::GRAPH;
    else if (p.floats_size()) type = onnx::AttributeProto::FLOATS;
    else if (p.ints_size()) type = onnx::AttributeProto::INTS;
    else if (p.strings_size()) type = onnx::AttributeProto::STRINGS;
    else if (p.tensors_size()) type = onnx::AttributeProto::TENSORS;
    else if (p.graphs_size()) type = onnx::AttributeProto::GRAPHS;
  }
  switch (type) {
    case onnx::AttributeProto::FLOAT: a->kind = Attribute::Kind::kFloat; a->f = p.f(); break;
    case onnx::AttributeProto::INT: a->kind = Attribute::Kind::kInt; a->i = p.i(); break;
    case onnx::AttributeProto::STRING: a->kind = Attribute::Kind::kString; a->s = p.s(); break;
    case onnx::AttributeProto::TENSOR: {
      a->kind = Attribute::Kind::kTensor;
      OW_ASSIGN_OR_RETURN(a->t, convert_tensor(p.t(), where + " tensor", ext, p.mutable_t()));
      free_tensor_data(p.mutable_t());
      break;
    }
    case onnx::AttributeProto::GRAPH: {
      a->kind = Attribute::Kind::kGraph;
      a->g = std::make_shared<Graph>();
      OW_RETURN_IF_ERROR(convert_graph(*p.mutable_g(), a->g.get(), depth + 1, ext).with_context(where));
      break;
    }
    case onnx::AttributeProto::FLOATS:
      a->kind = Attribute::Kind::kFloats;
      a->floats.assign(p.floats().begin(), p.floats().end());
      break;
    case onnx::AttributeProto::INTS:
      a->kind = Attribute::Kind::kInts;
      a->ints.assign(p.ints().begin(), p.ints().end());
      break;
    case onnx::AttributeProto::STRINGS:
      a->kind = Attribute::Kind::kStrings;
      a->strings.assign(p.strings().begin(), p.strings().end());
      break;
    case onnx::AttributeProto::TENSORS:
      a->kind = Attribute::Kind::kTensors;
      for (const auto& t : p.tensors()) {
        OW_ASSIGN_OR_RETURN(TensorPtr tp, convert_tensor(t, where + " tensor", ext));
        a->tensors.push_back(std::move(tp));
      }
      break;
    case onnx::AttributeProto::GRAPHS:
      a->kind = Attribute::Kind::kGraphs;
      for (auto& gp : *p.mutable_graphs()) {
        auto g = std::make_shared<Graph>();
        OW_RETURN_IF_ERROR(convert_graph(gp, g.get(), depth + 1, ext).with_context(where));
        a->graphs.push_back(std::move(g));
      }
      break;
    case onnx::AttributeProto::SPARSE_TENSOR: a->kind = Attribute::Kind::kSparseTensor; break;
    case onnx::AttributeProto::SPARSE_TENSORS: a->kind = Attribute::Kind::kSparseTensors; break;
    case onnx::AttributeProto::TYPE_PROTO: a->kind = Attribute::Kind::kTypeProto; break;
    case onnx::AttributeProto::TYPE_PROTOS: a->kind = Attribute::Kind::kTypeProtos; break;
    default:
      return make_status(Code::INVALID_MODEL, "%s: unknown attribute type %d", where.c_str(), type);
  }
  return Status::ok();
}

Status convert_graph(onnx::GraphProto& p, Graph* g, int depth, ExternalData* ext) {
  OW_CHECK(depth <= kMaxGraphDepth, INVALID_MODEL, "subgraphs nested deeper than %d", kMaxGraphDepth);
  g->name = p.name();
  for (auto& init : *p.mutable_initializer()) {
    OW_ASSIGN_OR_RETURN(TensorPtr t, convert_tensor(init, "initializer", ext, &init));
    g->initializers[init.name()] = std::move(t);
    free_tensor_data(&init);
  }
  OW_CHECK(p.sparse_initializer_size() == 0, INVALID_MODEL,
           "graph '%s': sparse initializers are not supported by this build", p.name().c_str());
  for (const auto& in : p.input()) {
    if (g->initializers.count(in.name())) continue;  // an initializer with a declared type
    ValueInfo v;
    OW_RETURN_IF_ERROR(convert_value_info(in, &v));
    g->inputs.push_back(std::move(v));
  }
  for (const auto& out : p.output()) {
    ValueInfo v;
    OW_RETURN_IF_ERROR(convert_value_info(out, &v));
    g->outputs.push_back(std::move(v));
  }
  for (const auto& vi : p.value_info()) {
    ValueInfo v;
    OW_RETURN_IF_ERROR(convert_value_info(vi, &v));
    g->value_info.push_back(std::move(v));
  }
  g->nodes.reserve(static_cast<size_t>(p.node_size()));
  for (int i = 0; i < p.node_size(); i++) {
    onnx::NodeProto& np = *p.mutable_node(i);
    Node n;
    n.name = np.name().empty() ? np.op_type() + "_" + std::to_string(i) : np.name();
    n.op_type = np.op_type();
    n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    n.attributes.resize(static_cast<size_t>(np.attribute_size()));
    for (int j = 0; j < np.attribute_size(); j++)
      OW_RETURN_IF_ERROR(convert_attribute(*np.mutable_attribute(j), &n.attributes[j], depth, n, ext));
    g->nodes.push_back(std::move(n));
  }
  return Status::ok();
}

// Cold path: protobuf-lite only says "failed", so walk the wire format ourselves to say
// where it broke (top-level field number and byte offset).
std::string locate_parse_error(google::protobuf::io::ZeroCopyInputStream* stream, size_t size) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(stream);
  in.SetRecursionLimit(100);
  while (true) {
    int offset = in.CurrentPosition();
    uint32_t tag = in.ReadTag();
    if (tag == 0) {
      if (static_cast<size_t>(offset) >= size) return "the data ends inside a nested message";
      return "invalid field tag at byte offset " + std::to_string(offset);
    }
    int field = static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
    if (!WireFormatLite::SkipField(&in, tag))
      return "field " + std::to_string(field) + " at byte offset " + std::to_string(offset) +
             " is truncated or malformed (model is " + std::to_string(size) + " bytes)";
    if (static_cast<size_t>(in.CurrentPosition()) == size)
      return "fields are well-formed at the top level, but a nested message is invalid";
  }
}

// A ModelReader as the sequential stream protobuf parses from; a failed read ends the stream
// and is kept, to be reported instead of a parse error.
class ReaderStream : public google::protobuf::io::CopyingInputStream {
 public:
  ReaderStream(ModelReader& reader, size_t size) : reader_(reader), size_(size) {}
  int Read(void* buffer, int n) override {
    size_t take = std::min(static_cast<size_t>(n), size_ - pos_);
    if (take == 0) return 0;
    status_ = reader_.read(pos_, take, buffer);
    if (!status_.is_ok()) return -1;
    pos_ += take;
    return static_cast<int>(take);
  }
  const Status& status() const { return status_; }

 private:
  ModelReader& reader_;
  size_t size_, pos_ = 0;
  Status status_;
};

class ArrayReader : public ModelReader {
 public:
  explicit ArrayReader(const uint8_t* data) : data_(data) {}
  Status read(size_t offset, size_t n, void* dst) override {
    memcpy(dst, data_ + offset, n);
    return Status::ok();
  }

 private:
  const uint8_t* data_;
};

Result<Model> convert_model(onnx::ModelProto& proto, ExternalData* external) {
  OW_CHECK(proto.has_graph(), INVALID_MODEL,
           "not an ONNX model: the ModelProto has no graph (field 7)");
  OW_CHECK(proto.ir_version() >= 1, INVALID_MODEL, "ir_version %lld is invalid",
           static_cast<long long>(proto.ir_version()));
  Model m;
  m.ir_version = proto.ir_version();
  m.producer_name = proto.producer_name();
  for (const auto& op : proto.opset_import()) {
    std::string domain = op.domain() == "ai.onnx" ? "" : op.domain();
    m.opsets[domain] = op.version();
  }
  // IR version < 3 models have no opset_import; they mean ai.onnx opset 1.
  if (m.opsets.empty()) m.opsets[""] = 1;
  OW_RETURN_IF_ERROR(convert_graph(*proto.mutable_graph(), &m.graph, 0, external));
  return m;
}

}  // namespace

Result<Tensor> load_tensor(const uint8_t* data, size_t size) {
  OW_CHECK(size < (size_t(1) << 31), INVALID_MODEL, "tensor is %zu bytes; protobuf limits a message to 2 GB", size);
  onnx::TensorProto proto;
  OW_CHECK(proto.ParseFromArray(data, static_cast<int>(size)), INVALID_MODEL, "not a valid TensorProto");
  OW_ASSIGN_OR_RETURN(TensorPtr t, convert_tensor(proto, "tensor", nullptr));
  return std::move(*t);
}

Result<Model> load_model(ModelReader& reader, size_t size, ExternalData* external) {
  OW_CHECK(size > 0, INVALID_MODEL, "model is empty (0 bytes)");
  OW_CHECK(size < (size_t(1) << 31), INVALID_MODEL,
           "model is %zu bytes; protobuf limits a model to 2 GB", size);
  // The parsed tensors take up to `size` bytes: fail cleanly now if the heap cannot give them
  // (an allocation failing inside protobuf would abort).
  void* room = malloc(size);
  OW_CHECK(room != nullptr, OUT_OF_MEMORY, "could not allocate %zu bytes for the model's tensors", size);
  free(room);
  constexpr int kChunk = 1 << 18;
  onnx::ModelProto proto;
  {
    ReaderStream source(reader, size);
    google::protobuf::io::CopyingInputStreamAdaptor stream(&source, kChunk);
    if (!proto.ParseFromZeroCopyStream(&stream)) {
      OW_RETURN_IF_ERROR(source.status().with_context("reading the model"));
      ReaderStream again(reader, size);
      google::protobuf::io::CopyingInputStreamAdaptor restream(&again, kChunk);
      return make_status(Code::INVALID_MODEL, "not a valid ONNX model: %s", locate_parse_error(&restream, size).c_str());
    }
  }
  return convert_model(proto, external);
}

Result<Model> load_model(const uint8_t* data, size_t size, ExternalData* external) {
  ArrayReader reader(data);
  return load_model(reader, size, external);
}

}  // namespace onnxwasm
