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

class WasmSession {
 public:
  CallStatus load(uintptr_t data, size_t size, int num_threads, bool use_xnnpack, bool strict, val free_dims,
                  val external) {
    SessionOptions opts;
    opts.num_threads = num_threads;
    opts.use_xnnpack = use_xnnpack;
    opts.xnn_strict = strict;
    val keys = val::global("Object").call<val>("keys", free_dims);
    for (unsigned i = 0; i < keys["length"].as<unsigned>(); i++) {
      std::string k = keys[i].as<std::string>();
      opts.free_dims[k] = static_cast<int64_t>(free_dims[k].as<double>());
    }
    // The model bytes are ours to free (JS dropped them when it called): free them as soon
    // as they are parsed, before the weights are converted and packed.
    void* bytes = reinterpret_cast<void*>(data);
    auto release = [&bytes] { free(bytes); bytes = nullptr; };
    JsExternalData ext(external);
    auto model = load_model(static_cast<const uint8_t*>(bytes), size, release, &ext);
    release();
    if (!model.is_ok()) return to_call(model.status());
    auto r = Session::create(model.take(), opts);
    if (!r.is_ok()) return to_call(r.status());
    session_ = r.take();
    return to_call(Status::ok());
  }

  val inputInfo() const { return session_ ? infos_to_val(session_->inputs()) : val::array(); }
  val outputInfo() const { return session_ ? infos_to_val(session_->outputs()) : val::array(); }
  std::string debugInfo() const { return session_ ? session_->debug_info() : ""; }

  // feeds: [{name, dtype (ONNX enum), dims: number[], ptr, byteLength}], memory owned by JS.
  CallStatus run(val feeds) {
    if (!session_) return to_call(Status(Code::INVALID_STATE, "session is not loaded"));
    std::vector<Feed> fs;
    unsigned n = feeds["length"].as<unsigned>();
    for (unsigned i = 0; i < n; i++) {
      val f = feeds[i];
      Feed feed;
      feed.name = f["name"].as<std::string>();
      DType dtype = static_cast<DType>(f["dtype"].as<int>());
      Dims dims;
      val d = f["dims"];
      for (unsigned j = 0; j < d["length"].as<unsigned>(); j++) dims.push_back(static_cast<int64_t>(d[j].as<double>()));
      size_t bytes = static_cast<size_t>(f["byteLength"].as<double>());
      int64_t count = num_elements(dims);
      if (count < 0 || static_cast<size_t>(count) * dtype_size(dtype) != bytes)
        return to_call(make_status(Code::INVALID_INPUT, "input '%s': data has %zu bytes, dims %s of %s need %lld",
                                   feed.name.c_str(), bytes, dims_to_string(dims).c_str(), dtype_name(dtype),
                                   static_cast<long long>(count < 0 ? -1 : count * static_cast<int64_t>(dtype_size(dtype)))));
      feed.tensor = Tensor::view(dtype, dims, reinterpret_cast<void*>(f["ptr"].as<uintptr_t>()));
      fs.push_back(std::move(feed));
    }
    outputs_.clear();
    return to_call(session_->run(fs, &outputs_));
  }

  int outputCount() const { return static_cast<int>(outputs_.size()); }
  int outputDtype(int i) const { return static_cast<int>(outputs_[i].dtype()); }
  val outputDims(int i) const {
    val dims = val::array();
    for (int64_t d : outputs_[i].dims()) dims.call<void>("push", static_cast<double>(d));
    return dims;
  }
  uintptr_t outputData(int i) const { return reinterpret_cast<uintptr_t>(outputs_[i].raw()); }
  double outputByteLength(int i) const { return static_cast<double>(outputs_[i].byte_size()); }
  void clearOutputs() { outputs_.clear(); }
  void release() {
    outputs_.clear();
    session_.reset();
  }

 private:
  std::unique_ptr<Session> session_;
  std::vector<Tensor> outputs_;
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
      .function("load", &WasmSession::load)
      .function("inputInfo", &WasmSession::inputInfo)
      .function("outputInfo", &WasmSession::outputInfo)
      .function("debugInfo", &WasmSession::debugInfo)
      .function("run", &WasmSession::run)
      .function("outputCount", &WasmSession::outputCount)
      .function("outputDtype", &WasmSession::outputDtype)
      .function("outputDims", &WasmSession::outputDims)
      .function("outputData", &WasmSession::outputData)
      .function("outputByteLength", &WasmSession::outputByteLength)
      .function("clearOutputs", &WasmSession::clearOutputs)
      .function("release", &WasmSession::release);
  emscripten::function("errorCodeNames", &error_code_names);
  emscripten::function("heapStats", &heap_stats);
}
