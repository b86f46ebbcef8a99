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
        auto t = tensor_file(in_files[i]);
        REQUIRE(t.is_ok());
        inputs.push_back(t.take());
      }
      for (size_t i = 0; i < inputs.size(); i++) {
        // bfloat16 has no numpy type: the data stores its bits as uint16 (as the JS runner does).
        DType t = inputs[i].dtype() == DType::kUint16 && s.inputs()[i].dtype == DType::kBFloat16 ? DType::kBFloat16
                                                                                                   : inputs[i].dtype();
        feeds.push_back(Feed{s.inputs()[i].name, Tensor::view(t, inputs[i].dims(), inputs[i].raw())});
      }
      std::vector<Tensor> outs;
      Status st = s.run(feeds, &outs);
      INFO(st.to_string());
      REQUIRE(st.is_ok());
      auto out_files = sorted_files(set.path(), "output_");
      REQUIRE(out_files.size() <= outs.size());
      for (size_t i = 0; i < out_files.size(); i++) {
        auto want = tensor_file(out_files[i]);
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
