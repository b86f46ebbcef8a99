// SPDX-License-Identifier: MIT
// Sessions of the same model bytes and options share one compiled Session; anything else —
// one weight byte changed, other options, external data — gets its own, with its own outputs.
#include <cstring>
#include <thread>

#include "onnx/onnx.pb.h"
#include "runtime/session_loader.h"
#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

namespace {

// y = Relu(x[1,64] @ w[64,64]), w from `seed` (raw data, or in "w.bin" when `external`).
std::string matmul_model(uint32_t seed, bool external = false) {
  onnx::ModelProto mp;
  mp.set_ir_version(8);
  mp.add_opset_import()->set_version(13);
  onnx::GraphProto* g = mp.mutable_graph();
  auto value = [](onnx::ValueInfoProto* v, const char* name, std::vector<int64_t> dims) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(1);
    for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
  };
  value(g->add_input(), "x", {1, 64});
  value(g->add_output(), "y", {1, 64});
  onnx::TensorProto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(1);
  w->add_dims(64);
  w->add_dims(64);
  if (external) {
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* e = w->add_external_data();
    e->set_key("location");
    e->set_value("w.bin");
  } else {
    Tensor t = random_tensor({64, 64}, seed);
    w->set_raw_data(std::string(static_cast<const char*>(t.raw()), t.byte_size()));
  }
  onnx::NodeProto* mm = g->add_node();
  mm->set_op_type("MatMul");
  mm->add_input("x");
  mm->add_input("w");
  mm->add_output("m");
  onnx::NodeProto* relu = g->add_node();
  relu->set_op_type("Relu");
  relu->add_input("m");
  relu->add_output("y");
  return mp.SerializeAsString();
}

// Serves the bytes in pieces, as the wasm embedder does; fails from `fail_at` on.
class BytesReader : public ModelReader {
 public:
  explicit BytesReader(const std::string& bytes, size_t fail_at = SIZE_MAX) : bytes_(bytes), fail_at_(fail_at) {}
  Status read(size_t offset, size_t n, void* dst) override {
    OW_CHECK(offset + n <= fail_at_, INVALID_ARGUMENT, "the source went away at %zu", offset);
    memcpy(dst, bytes_.data() + offset, n);
    return Status::ok();
  }

 private:
  const std::string& bytes_;
  size_t fail_at_;
};

SessionOptions options(int threads = 1) {
  SessionOptions o;
  o.num_threads = threads;
  o.serial_work = 0;
  return o;
}

std::shared_ptr<Session> load(const std::string& bytes, const SessionOptions& o, ExternalData* ext = nullptr) {
  SessionLoader loader;
  BytesReader reader(bytes);
  Status st = loader.read(reader, bytes.size(), ext, o);
  INFO(st.to_string());
  REQUIRE(st.is_ok());
  auto s = loader.create();
  INFO(s.status().to_string());
  REQUIRE(s.is_ok());
  return s.take();
}

Tensor run_y(Session& s, const Tensor& x) { return std::move(run_session(s, {feed("x", x)})[0]); }

}  // namespace

TEST_CASE("sessions of the same bytes and options share one compiled session", "[runtime]") {
  const size_t before = SessionLoader::live_shared();
  const std::string bytes = matmul_model(1);
  const Tensor x = random_tensor({1, 64}, 9);
  auto a = load(bytes, options());
  auto b = load(bytes, options());
  CHECK(a.get() == b.get());
  CHECK(SessionLoader::live_shared() == before + 1);
  expect_close(run_y(*a, x), run_y(*b, x), 0, 0);

  // Other options: a session of its own.
  auto two = load(bytes, options(2));
  CHECK(two.get() != a.get());
  SessionOptions reference = options();
  reference.use_xnnpack = false;
  auto ref = load(bytes, reference);
  CHECK(ref.get() != a.get());
  expect_close(run_y(*ref, x), run_y(*a, x));

  // Released by every holder: no longer on offer, and the next load compiles again.
  a.reset();
  CHECK(SessionLoader::live_shared() == before + 3);
  b.reset();
  CHECK(SessionLoader::live_shared() == before + 2);
  two.reset();
  ref.reset();
  CHECK(SessionLoader::live_shared() == before);
  auto again = load(bytes, options());
  expect_close(run_y(*again, x), run_y(*load(bytes, options()), x), 0, 0);
}

TEST_CASE("a model that differs in one weight byte gets its own session and its own outputs", "[runtime]") {
  const std::string bytes = matmul_model(2);
  std::string changed = bytes;
  // w[31][16] (raw data in the middle of the bytes) becomes 100: same length, and with x all
  // ones, y[16] goes up by about 100.
  const Tensor w = random_tensor({64, 64}, 2);
  const size_t at = bytes.find(std::string(static_cast<const char*>(w.raw()) + 4 * (31 * 64 + 16), 16));
  REQUIRE(at != std::string::npos);
  const float hundred = 100.f;
  memcpy(&changed[at], &hundred, 4);
  REQUIRE(changed.size() == bytes.size());
  auto a = load(bytes, options());
  auto b = load(changed, options());  // same size as a live one: hashed first, then parsed
  CHECK(a.get() != b.get());
  Tensor x = Tensor::make(DType::kFloat32, {1, 64}).take();
  for (int i = 0; i < 64; i++) x.data<float>()[i] = 1.f;
  const Tensor ya = run_y(*a, x), yb = run_y(*b, x);
  CHECK(yb.data<float>()[16] > ya.data<float>()[16] + 90.f);
  for (int i = 0; i < 64; i++)
    if (i != 16) CHECK(yb.data<float>()[i] == ya.data<float>()[i]);
  // And a third load of the changed bytes shares b, not a.
  CHECK(load(changed, options()).get() == b.get());
}

TEST_CASE("models with external data are never shared", "[runtime]") {
  const std::string bytes = matmul_model(3, true);
  Tensor w = random_tensor({64, 64}, 3);
  BufferExternalData ext;
  ext.add("w.bin", std::vector<uint8_t>(static_cast<const uint8_t*>(w.raw()), static_cast<const uint8_t*>(w.raw()) + w.byte_size()));
  auto a = load(bytes, options(), &ext);
  auto b = load(bytes, options(), &ext);
  CHECK(a.get() != b.get());
}

TEST_CASE("a read that fails while hashing is the error, and the loader works after it", "[runtime]") {
  const std::string bytes = matmul_model(4);
  auto a = load(bytes, options());
  SessionLoader loader;
  BytesReader failing(bytes, bytes.size() / 2);
  Status st = loader.read(failing, bytes.size(), nullptr, options());
  CHECK(st.code() == Code::INVALID_ARGUMENT);
  CHECK_THAT(st.message(), Catch::Matchers::ContainsSubstring("the source went away"));
  CHECK_FALSE(loader.create().is_ok());
  BytesReader reader(bytes);
  REQUIRE(loader.read(reader, bytes.size(), nullptr, options()).is_ok());
  auto b = loader.create();
  REQUIRE(b.is_ok());
  CHECK(b.value().get() == a.get());
}

TEST_CASE("holders of a shared session run in turns and profile apart", "[runtime]") {
  const std::string bytes = matmul_model(5);
  auto a = load(bytes, options());
  auto b = load(bytes, options());
  REQUIRE(a.get() == b.get());
  const Tensor x = random_tensor({1, 64}, 6);
  const Tensor want = run_y(*a, x);
  // Two threads running the one session: each run takes the session whole.
  auto worker = [&](Session* s, bool* ok) {
    for (int i = 0; i < 50; i++) {
      std::vector<Tensor> out;
      std::vector<Feed> feeds;
      feeds.push_back(Feed{"x", Tensor::view(x.dtype(), x.dims(), const_cast<void*>(x.raw()))});
      if (!s->run(feeds, &out).is_ok() || memcmp(out[0].raw(), want.raw(), want.byte_size()) != 0) *ok = false;
    }
  };
  bool ok_a = true, ok_b = true;
  std::thread ta(worker, a.get(), &ok_a), tb(worker, b.get(), &ok_b);
  ta.join();
  tb.join();
  CHECK(ok_a);
  CHECK(ok_b);
  // A profile counts only the runs it was given to.
  RunProfile profile;
  run_session(*a, {feed("x", x)}, &profile);
  run_session(*b, {feed("x", x)});
  CHECK_THAT(profile.take(), Catch::Matchers::ContainsSubstring("\t1\t"));
}
