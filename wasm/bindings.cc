// SPDX-License-Identifier: MIT
// Embind surface of the engine. No logic here: marshalling only. Methods never throw; each
// fallible call returns {code, message} (code "OK" on success), read by js/src/backend.js.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <malloc.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/load.h"
#include "runtime/session.h"
#include "runtime/session_loader.h"
#include "heap_reserve.h"

using emscripten::val;

namespace onnxwasm {
namespace {

struct CallStatus {
  std::string code;
  std::string message;
};

CallStatus to_call(const Status& s) { return CallStatus{code_name(s.code()), s.message()}; }

val dims_to_val(const ValueInfo& v) {
  val dims = val::array();
  for (size_t i = 0; i < v.dims.size(); i++) {
    if (v.dims[i] >= 0) dims.call<void>("push", static_cast<double>(v.dims[i]));
    else if (!v.dim_names[i].empty()) dims.call<void>("push", v.dim_names[i]);
    else dims.call<void>("push", val::null());
  }
  return dims;
}

val infos_to_val(const std::vector<ValueInfo>& infos) {
  val out = val::array();
  for (const ValueInfo& v : infos) {
    val o = val::object();
    o.set("name", v.name);
    o.set("dtype", static_cast<int>(v.dtype));
    o.set("type", std::string(dtype_name(v.dtype)));
    o.set("shape", v.has_shape ? dims_to_val(v) : val::undefined());
    bool sequence = v.kind == ValueInfo::Kind::kSequence || (v.kind == ValueInfo::Kind::kOptional && v.optional_of_sequence);
    o.set("kind", std::string(sequence ? "sequence" : "tensor"));
    o.set("optional", v.kind == ValueInfo::Kind::kOptional);
    out.call<void>("push", o);
  }
  return out;
}

// External data answered by JS (js/src/external-data.js): `size(location)` gives a byte count
// or an error string, `read(location, offset, length, ptr)` copies into the heap and gives ''
// or an error string. The JS side never throws (a JS exception through wasm frames would skip
// C++ clean-up).
class JsExternalData : public ExternalData {
 public:
  explicit JsExternalData(val source) : source_(std::move(source)) {}
  Result<uint64_t> size(const std::string& location) override {
    val r = source_.call<val>("size", location);
    if (r.isString()) return make_status(Code::INVALID_MODEL, "external data '%s': %s", location.c_str(),
                                         r.as<std::string>().c_str());
    return static_cast<uint64_t>(r.as<double>());
  }
  Status read(const std::string& location, uint64_t offset, uint64_t length, void* dst) override {
    std::string err = source_.call<std::string>("read", location, static_cast<double>(offset),
                                                static_cast<double>(length), reinterpret_cast<uintptr_t>(dst));
    OW_CHECK(err.empty(), INVALID_MODEL, "external data '%s': %s", location.c_str(), err.c_str());
    return Status::ok();
  }

 private:
  val source_;
};

// The model's bytes, answered by JS (js/src/backend.js): `read(offset, length, ptr)` copies
// them from the caller's array into the heap and gives '' or an error string.
class JsModelReader : public ModelReader {
 public:
  explicit JsModelReader(val source) : source_(std::move(source)) {}
  Status read(size_t offset, size_t n, void* dst) override {
    std::string err = source_.call<std::string>("read", static_cast<double>(offset), static_cast<double>(n),
                                                reinterpret_cast<uintptr_t>(dst));
    OW_CHECK(err.empty(), INVALID_ARGUMENT, "%s", err.c_str());
    return Status::ok();
  }

 private:
  val source_;
};

// One value of run()'s feeds as a Tensor (numeric data as a view of the JS-owned heap copy).
Result<Tensor> value_from_js(const std::string& name, val v, bool top) {
  std::string kind = v["kind"].as<std::string>();
  if (kind == "none") {
    OW_CHECK(top, INVALID_INPUT, "input '%s': a sequence cannot hold null", name.c_str());
    return Tensor::none();
  }
  if (kind == "sequence") {
    OW_CHECK(top, INVALID_INPUT, "input '%s': sequences of sequences are not supported", name.c_str());
    std::vector<std::shared_ptr<const Tensor>> items;
    val list = v["items"];
    unsigned n = list["length"].as<unsigned>();
    for (unsigned i = 0; i < n; i++) {
      OW_ASSIGN_OR_RETURN(Tensor item, value_from_js(name, list[i], false));
      OW_ASSIGN_OR_RETURN(Tensor copy, item.clone());  // items outlive this call's views
      items.push_back(std::make_shared<const Tensor>(std::move(copy)));
    }
    return Tensor::sequence(static_cast<DType>(v["dtype"].as<int>()), std::move(items));
  }
  DType dtype = static_cast<DType>(v["dtype"].as<int>());
  Dims dims;
  val d = v["dims"];
  for (unsigned j = 0; j < d["length"].as<unsigned>(); j++) dims.push_back(static_cast<int64_t>(d[j].as<double>()));
  int64_t count = num_elements(dims);
  if (dtype == DType::kString) {
    val strings = v["strings"];
    unsigned n = strings["length"].as<unsigned>();
    OW_CHECK(count >= 0 && static_cast<int64_t>(n) == count, INVALID_INPUT, "input '%s': %u strings for dims %s", name.c_str(),
             n, dims_to_string(dims).c_str());
    OW_ASSIGN_OR_RETURN(Tensor t, Tensor::make(dtype, dims));
    for (unsigned i = 0; i < n; i++) t.data<std::string>()[i] = strings[i].as<std::string>();
    return t;
  }
  size_t bytes = static_cast<size_t>(v["byteLength"].as<double>());
  OW_CHECK(count >= 0 && static_cast<size_t>(count) * dtype_size(dtype) == bytes, INVALID_INPUT,
           "input '%s': data has %zu bytes, dims %s of %s need %lld", name.c_str(), bytes, dims_to_string(dims).c_str(),
           dtype_name(dtype), static_cast<long long>(count < 0 ? -1 : count * static_cast<int64_t>(dtype_size(dtype))));
  return Tensor::view(dtype, dims, reinterpret_cast<void*>(v["ptr"].as<uintptr_t>()));
}

val value_to_js(const Tensor& t) {
  val o = val::object();
  if (t.kind() == ValueKind::kNone) {
    o.set("kind", std::string("none"));
    return o;
  }
  o.set("dtype", static_cast<int>(t.dtype()));
  if (t.kind() == ValueKind::kSequence) {
    o.set("kind", std::string("sequence"));
    val items = val::array();
    for (const auto& item : t.items()) items.call<void>("push", value_to_js(*item));
    o.set("items", items);
    return o;
  }
  o.set("kind", std::string("tensor"));
  val dims = val::array();
  for (int64_t d : t.dims()) dims.call<void>("push", static_cast<double>(d));
  o.set("dims", dims);
  if (t.dtype() == DType::kString) {
    val strings = val::array();
    for (int64_t i = 0; i < t.size(); i++) strings.call<void>("push", t.data<std::string>()[i]);
    o.set("strings", strings);
  } else {
    o.set("ptr", reinterpret_cast<uintptr_t>(t.raw()));
    o.set("byteLength", static_cast<double>(t.byte_size()));
  }
  return o;
}

class WasmSession {
 public:
  // Loading is two calls so that the threaded build's workers can start while the model is
  // read: parse() needs no threads; create() then compiles and plans the model on
  // `num_threads` threads, whose workers must be ready. A live session of the same bytes and
  // options is shared instead (runtime/session_loader.h): parse() then only hashes the bytes.
  CallStatus parse(val bytes, size_t size, val external, int num_threads, bool use_xnnpack, bool strict, val free_dims) {
    SessionOptions opts;
    opts.num_threads = num_threads;
    opts.use_xnnpack = use_xnnpack;
    opts.xnn_strict = strict;
    val keys = val::global("Object").call<val>("keys", free_dims);
    for (unsigned i = 0; i < keys["length"].as<unsigned>(); i++) {
      std::string k = keys[i].as<std::string>();
      opts.free_dims[k] = static_cast<int64_t>(free_dims[k].as<double>());
    }
    JsModelReader reader(bytes);
    JsExternalData ext(external);
    return to_call(loader_.read(reader, size, &ext, opts, [size] { reserve_heap_for_model(size); }));
  }

  CallStatus create() {
    auto r = loader_.create();
    if (!r.is_ok()) return to_call(r.status());
    session_ = r.take();
    return to_call(Status::ok());
  }

  val inputInfo() const { return session_ ? infos_to_val(session_->inputs()) : val::array(); }
  val outputInfo() const { return session_ ? infos_to_val(session_->outputs()) : val::array(); }
  std::string debugInfo() const {
    if (!session_) return "";
    const long others = session_.use_count() - 1;
    return session_->debug_info() +
           (others > 0 ? "\nshares its compiled model with " + std::to_string(others) + " other session" + (others > 1 ? "s" : "") +
                             " (same model bytes and options)"
                       : "");
  }
  void setProfiling(bool on) { profiling_ = on; }
  std::string takeProfile() { return profile_.take(); }

  // feeds: [{name, value}], each value (memory owned by JS) one of
  //   {kind: 'tensor', dtype (ONNX enum), dims: number[], ptr, byteLength}
  //   {kind: 'tensor', dtype: 8, dims, strings: string[]}
  //   {kind: 'sequence', dtype (0 when empty), items: [tensor values]}
  //   {kind: 'none'}  (an empty optional)
  CallStatus run(val feeds) {
    if (!session_) return to_call(Status(Code::INVALID_STATE, "session is not loaded"));
    std::vector<Feed> fs;
    unsigned n = feeds["length"].as<unsigned>();
    for (unsigned i = 0; i < n; i++) {
      val f = feeds[i];
      Feed feed;
      feed.name = f["name"].as<std::string>();
      Result<Tensor> v = value_from_js(feed.name, f["value"], true);
      if (!v.is_ok()) return to_call(v.status());
      feed.tensor = v.take();
      if (feed.tensor.kind() == ValueKind::kSequence && feed.tensor.items().empty())
        for (const ValueInfo& info : session_->inputs())  // an empty sequence has the declared type
          if (info.name == feed.name) feed.tensor = Tensor::sequence(info.dtype, {});
      fs.push_back(std::move(feed));
    }
    outputs_.clear();
    return to_call(session_->run(fs, &outputs_, profiling_ ? &profile_ : nullptr));
  }

  int outputCount() const { return static_cast<int>(outputs_.size()); }
  // Output i as a value of the form run() takes (tensor data stays in the heap until
  // clearOutputs(); strings are copied out).
  val outputValue(int i) const { return value_to_js(outputs_[i]); }
  void clearOutputs() { outputs_.clear(); }
  void release() {
    outputs_.clear();
    session_.reset();
  }

 private:
  SessionLoader loader_;  // between parse() and create()
  std::shared_ptr<Session> session_;
  std::vector<Tensor> outputs_;
  bool profiling_ = false;
  RunProfile profile_;
};

// Heap statistics for leak and peak-memory tests: bytes in use by malloc, and the heap's
// size (the wasm memory, which only grows: its size is the high-water mark).
val heap_stats() {
  struct mallinfo mi = mallinfo();
  val out = val::object();
  out.set("usedBytes", static_cast<double>(mi.uordblks));
  out.set("heapBytes", static_cast<double>(reinterpret_cast<uintptr_t>(sbrk(0))));
  return out;
}

val error_code_names() {
  val out = val::array();
#define OW_X(name) out.call<void>("push", std::string(#name));
  OW_STATUS_CODES(OW_X)
#undef OW_X
  return out;
}

}  // namespace
}  // namespace onnxwasm

EMSCRIPTEN_BINDINGS(onnxwasm) {
  using namespace onnxwasm;
  emscripten::value_object<CallStatus>("CallStatus")
      .field("code", &CallStatus::code)
      .field("message", &CallStatus::message);
  emscripten::class_<WasmSession>("WasmSession")
      .constructor<>()
      .function("parse", &WasmSession::parse)
      .function("create", &WasmSession::create)
      .function("inputInfo", &WasmSession::inputInfo)
      .function("outputInfo", &WasmSession::outputInfo)
      .function("debugInfo", &WasmSession::debugInfo)
      .function("setProfiling", &WasmSession::setProfiling)
      .function("takeProfile", &WasmSession::takeProfile)
      .function("run", &WasmSession::run)
      .function("outputCount", &WasmSession::outputCount)
      .function("outputValue", &WasmSession::outputValue)
      .function("clearOutputs", &WasmSession::clearOutputs)
      .function("release", &WasmSession::release);
  emscripten::function("errorCodeNames", &error_code_names);
  emscripten::function("heapStats", &heap_stats);
}
