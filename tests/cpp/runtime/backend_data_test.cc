// SPDX-License-Identifier: MIT
// Every ONNX backend test that the conformance manifest (tests/conformance/expected.txt) lists
// as passing in wasm, run here natively through the C++ session: the same outputs within the
// same tolerances, and, in the sanitizer build, every kernel on those inputs under ASan+UBSan.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "model/load.h"
#include "testing/graph_builder.h"

using namespace onnxwasm;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

Result<Tensor> tensor_file(const fs::path& p) {
  std::string b = slurp(p);
  return load_tensor(reinterpret_cast<const uint8_t*>(b.data()), b.size());
}

// The length-delimited fields of a protobuf message (onnx-data.proto's SequenceProto and
// OptionalProto are not compiled into the engine): (field number, bytes) pairs.
std::vector<std::pair<int, std::string>> message_fields(const std::string& b) {
  std::vector<std::pair<int, std::string>> out;
  size_t i = 0;
  auto varint = [&]() {
    uint64_t v = 0;
    for (int shift = 0; i < b.size(); shift += 7) {
      uint8_t c = static_cast<uint8_t>(b[i++]);
      v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) break;
    }
    return v;
  };
  while (i < b.size()) {
    uint64_t tag = varint();
    int wire = static_cast<int>(tag & 7);
    if (wire == 0) varint();
    else if (wire == 1) i += 8;
    else if (wire == 5) i += 4;
    else if (wire == 2) { size_t n = varint(); out.emplace_back(static_cast<int>(tag >> 3), b.substr(i, n)); i += n; }
    else break;
  }
  return out;
}

Result<Tensor> sequence_of(const std::string& proto, DType declared) {
  std::vector<std::shared_ptr<const Tensor>> items;
  for (const auto& [field, bytes] : message_fields(proto)) {
    if (field != 3) continue;  // tensor_values
    OW_ASSIGN_OR_RETURN(Tensor item, load_tensor(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    items.push_back(std::make_shared<const Tensor>(std::move(item)));
  }
  DType dt = items.empty() ? declared : items[0]->dtype();
  return Tensor::sequence(dt, std::move(items));
}

// A data file as the graph value `info` declares: a tensor, a sequence, or an optional.
Result<Tensor> value_file(const fs::path& p, const ValueInfo& info) {
  if (info.kind != ValueInfo::Kind::kSequence && info.kind != ValueInfo::Kind::kOptional) return tensor_file(p);
  std::string b = slurp(p);
  if (info.kind == ValueInfo::Kind::kSequence) return sequence_of(b, info.dtype);
  for (const auto& [field, bytes] : message_fields(b)) {
    if (field == 5) return sequence_of(bytes, info.dtype);  // sequence_value
    if (field == 3) return load_tensor(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());  // tensor_value
  }
  return Tensor::none();
}

std::vector<fs::path> sorted_files(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  std::sort(out.begin(), out.end(), [&](const fs::path& a, const fs::path& b) {
    return std::stoi(a.filename().string().substr(prefix.size())) < std::stoi(b.filename().string().substr(prefix.size()));
  });
  return out;
}

// Empty when equal within rtol/atol (NaN equals NaN; integers and bool exact).
std::string mismatch(const Tensor& got, const Tensor& want, double rtol, double atol) {
  if (got.kind() != want.kind()) return "kind differs";
  if (got.kind() == ValueKind::kNone) return "";
  if (got.kind() == ValueKind::kSequence) {
    if (got.items().size() != want.items().size()) return "item counts differ";
    for (size_t i = 0; i < got.items().size(); i++) {
      std::string bad = mismatch(*got.items()[i], *want.items()[i], rtol, atol);
      if (!bad.empty()) return "item " + std::to_string(i) + ": " + bad;
    }
    return "";
  }
  if (got.dtype() == DType::kString && want.dtype() == DType::kString && got.dims() == want.dims()) {
    for (int64_t i = 0; i < got.size(); i++)
      if (got.data<std::string>()[i] != want.data<std::string>()[i]) return "string " + std::to_string(i) + " differs";
    return "";
  }
  bool bf16_bits = got.dtype() == DType::kBFloat16 && want.dtype() == DType::kUint16;
  if (got.dtype() != want.dtype() && !bf16_bits) return std::string("dtype ") + dtype_name(got.dtype()) + " vs " + dtype_name(want.dtype());
  if (got.dims() != want.dims()) return "dims " + dims_to_string(got.dims()) + " vs " + dims_to_string(want.dims());
  bool real = got.dtype() == DType::kFloat32 || got.dtype() == DType::kFloat64;
  bool raw = !real && got.dtype() != DType::kString;
  if (raw) {
    if (memcmp(got.raw(), want.raw(), got.byte_size()) != 0) return "values differ";
    return "";
  }
  for (int64_t i = 0; i < got.size() && real; i++) {
    double a = got.float_at(i), e = want.float_at(i);
    if ((std::isnan(a) && std::isnan(e)) || a == e) continue;
    if (!(std::fabs(a - e) <= atol + rtol * std::fabs(e)))
      return "element " + std::to_string(i) + ": " + std::to_string(a) + " vs " + std::to_string(e);
  }
  return "";
}

}  // namespace

TEST_CASE("the manifest's ONNX backend tests pass natively", "[runtime][conformance]") {
  fs::path data = ONNXWASM_TEST_DATA;
  fs::path manifest = fs::path(ONNXWASM_SOURCE_DIR) / "tests/conformance/expected.txt";
  std::ifstream mf(manifest);
  REQUIRE(mf.good());
  std::string id;
  int checked = 0;
  while (std::getline(mf, id)) {
    if (id.empty() || id[0] == '#' || id.rfind("light/", 0) == 0) continue;  // light/: the JS tests
    fs::path dir = data / id;
    INFO(id);
    std::string bytes = slurp(dir / "model.onnx");
    SessionOptions opts;
    auto session = Session::create(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), opts);
    INFO(session.status().to_string());
    REQUIRE(session.is_ok());
    Session& s = *session.value();
    for (const auto& set : fs::directory_iterator(dir)) {
      if (set.path().filename().string().rfind("test_data_set_", 0) != 0) continue;
      std::vector<Tensor> inputs;
      std::vector<Feed> feeds;
      auto in_files = sorted_files(set.path(), "input_");
      for (size_t i = 0; i < in_files.size(); i++) {
        REQUIRE(i < s.inputs().size());
        auto t = value_file(in_files[i], s.inputs()[i]);
        REQUIRE(t.is_ok());
        inputs.push_back(t.take());
      }
      for (size_t i = 0; i < inputs.size(); i++) {
        // bfloat16 has no numpy type: the data stores its bits as uint16 (as the JS runner does).
        DType t = inputs[i].dtype() == DType::kUint16 && s.inputs()[i].dtype == DType::kBFloat16 ? DType::kBFloat16
                                                                                                   : inputs[i].dtype();
        if (!inputs[i].is_tensor() || inputs[i].dtype() == DType::kString) {
          auto copy = inputs[i].clone();
          REQUIRE(copy.is_ok());
          feeds.push_back(Feed{s.inputs()[i].name, copy.take()});
          continue;
        }
        feeds.push_back(Feed{s.inputs()[i].name, Tensor::view(t, inputs[i].dims(), inputs[i].raw())});
      }
      std::vector<Tensor> outs;
      Status st = s.run(feeds, &outs);
      INFO(st.to_string());
      REQUIRE(st.is_ok());
      auto out_files = sorted_files(set.path(), "output_");
      REQUIRE(out_files.size() <= outs.size());
      for (size_t i = 0; i < out_files.size(); i++) {
        auto want = value_file(out_files[i], s.outputs()[i]);
        REQUIRE(want.is_ok());
        std::string bad = mismatch(outs[i], want.value(), 1e-3, 1e-7);
        INFO("output " << i << ": " << bad);
        CHECK(bad.empty());
      }
    }
    checked++;
  }
  CHECK(checked > 1000);
}
