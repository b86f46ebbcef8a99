// SPDX-License-Identifier: MIT
// The loader against real models and hand-built ModelProtos (every attribute kind,
// subgraphs, typed and raw initializers), and against broken bytes.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

#include "model/load.h"
#include "onnx/onnx.pb.h"
#include "testing/graph_builder.h"

using namespace onnxwasm;

static std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

static Result<Model> load(const std::string& bytes) {
  return load_model(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

TEST_CASE("loads a light model from the ONNX test data", "[model]") {
  std::string bytes = read_file(std::string(ONNXWASM_TEST_DATA) + "/light/light_squeezenet.onnx");
  REQUIRE(bytes.size() > 1000);
  auto m = load(bytes);
  INFO(m.status().to_string());
  REQUIRE(m.is_ok());
  CHECK(m.value().opset("") == 9);
  CHECK(m.value().graph.inputs.size() == 1);
  CHECK(m.value().graph.inputs[0].dims == Dims{1, 3, 224, 224});
  CHECK(m.value().graph.nodes.size() == 105);
}

TEST_CASE("a truncated model names the field and byte offset", "[model]") {
  std::string bytes = read_file(std::string(ONNXWASM_TEST_DATA) + "/light/light_squeezenet.onnx");
  for (size_t cut : {size_t(3), size_t(100), bytes.size() / 2, bytes.size() - 1}) {
    auto m = load(bytes.substr(0, cut));
    REQUIRE_FALSE(m.is_ok());
    CHECK(m.status().code() == Code::INVALID_MODEL);
    CHECK_THAT(m.status().message(), Catch::Matchers::ContainsSubstring("byte offset") ||
                                         Catch::Matchers::ContainsSubstring("nested message"));
  }
}

// Serves the model as the loader asks for it, piece by piece (the wasm embedder reads from JS
// this way), counting reads; fails every read from `fail_at` on.
class PieceReader : public ModelReader {
 public:
  explicit PieceReader(const std::string& bytes, size_t fail_at = SIZE_MAX) : bytes_(bytes), fail_at_(fail_at) {}
  Status read(size_t offset, size_t n, void* dst) override {
    reads++;
    OW_CHECK(offset + n <= bytes_.size(), INTERNAL, "read past the end");
    OW_CHECK(offset < fail_at_, INVALID_ARGUMENT, "the source went away at %zu", offset);
    memcpy(dst, bytes_.data() + offset, n);
    largest = std::max(largest, n);
    return Status::ok();
  }
  int reads = 0;
  size_t largest = 0;

 private:
  const std::string& bytes_;
  size_t fail_at_;
};

TEST_CASE("a model read in pieces loads as the whole; a failed read is the error", "[model]") {
  // 3 MB of weights: more than one piece.
  onnx::ModelProto mp;
  mp.set_ir_version(8);
  mp.add_opset_import()->set_version(13);
  onnx::GraphProto* g = mp.mutable_graph();
  onnx::TensorProto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(1);
  w->add_dims(750000);
  std::vector<float> values(750000);
  for (size_t i = 0; i < values.size(); i++) values[i] = static_cast<float>(i);
  w->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4));
  onnx::NodeProto* n = g->add_node();
  n->set_op_type("Identity");
  n->add_input("w");
  n->add_output("y");
  g->add_output()->set_name("y");
  const std::string bytes = mp.SerializeAsString();
  PieceReader reader(bytes);
  auto m = load_model(reader, bytes.size());
  INFO(m.status().to_string());
  REQUIRE(m.is_ok());
  const Tensor& t = *m.value().graph.initializers.at("w");
  REQUIRE(t.size() == 750000);
  CHECK(t.data<float>()[0] == 0.f);
  CHECK(t.data<float>()[749999] == 749999.f);
  CHECK(reader.reads > 1);  // never the whole model at once
  CHECK(reader.largest < bytes.size());

  PieceReader failing(bytes, bytes.size() / 2);
  auto f = load_model(failing, bytes.size());
  REQUIRE_FALSE(f.is_ok());
  CHECK(f.status().code() == Code::INVALID_ARGUMENT);
  CHECK_THAT(f.status().message(), Catch::Matchers::ContainsSubstring("reading the model") &&
                                        Catch::Matchers::ContainsSubstring("the source went away"));

  // A parse failure read in pieces still names where.
  std::string cut = bytes.substr(0, bytes.size() / 3);
  PieceReader truncated(cut);
  auto c = load_model(truncated, cut.size());
  REQUIRE_FALSE(c.is_ok());
  CHECK(c.status().code() == Code::INVALID_MODEL);
  CHECK_THAT(c.status().message(), Catch::Matchers::ContainsSubstring("field 7 at byte offset"));
}

TEST_CASE("bytes that are not ONNX are refused", "[model]") {
  auto empty = load("");
  CHECK(empty.status().code() == Code::INVALID_MODEL);
  auto text = load("this is not a model at all");
  CHECK(text.status().code() == Code::INVALID_MODEL);
  onnx::TensorProto t;  // valid protobuf, wrong message
  t.set_name("x");
  t.set_data_type(1);
  auto wrong = load(t.SerializeAsString());
  CHECK(wrong.status().code() == Code::INVALID_MODEL);
}

TEST_CASE("every attribute kind, symbolic dims, typed and raw initializers", "[model]") {
  onnx::ModelProto mp;
  mp.set_ir_version(8);
  mp.add_opset_import()->set_version(13);
  onnx::GraphProto* g = mp.mutable_graph();
  onnx::ValueInfoProto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(1);
  tt->mutable_shape()->add_dim()->set_dim_param("batch");
  tt->mutable_shape()->add_dim()->set_dim_value(4);
  onnx::TensorProto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(1);
  w->add_dims(2);
  w->add_float_data(1.5f);
  w->add_float_data(-2.f);
  onnx::TensorProto* r = g->add_initializer();
  r->set_name("r");
  r->set_data_type(7);
  r->add_dims(1);
  int64_t v = 42;
  r->set_raw_data(std::string(reinterpret_cast<char*>(&v), 8));
  onnx::NodeProto* n = g->add_node();
  n->set_op_type("Custom");
  n->set_domain("test.domain");
  n->add_input("x");
  n->add_output("y");
  auto add = [&](const char* name, onnx::AttributeProto::AttributeType type) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  };
  add("f", onnx::AttributeProto::FLOAT)->set_f(0.5f);
  add("i", onnx::AttributeProto::INT)->set_i(-3);
  add("s", onnx::AttributeProto::STRING)->set_s("abc");
  auto* ta = add("t", onnx::AttributeProto::TENSOR)->mutable_t();
  ta->set_data_type(6);
  ta->add_int32_data(7);
  onnx::GraphProto* body = add("g", onnx::AttributeProto::GRAPH)->mutable_g();
  body->set_name("body");
  onnx::NodeProto* inner = body->add_node();
  inner->set_op_type("Identity");
  inner->add_input("x");
  inner->add_output("z");
  body->add_output()->set_name("z");
  add("fs", onnx::AttributeProto::FLOATS)->add_floats(1.f);
  add("is", onnx::AttributeProto::INTS)->add_ints(5);
  add("ss", onnx::AttributeProto::STRINGS)->add_strings("q");
  onnx::TensorProto* t2 = add("ts", onnx::AttributeProto::TENSORS)->add_tensors();
  t2->set_data_type(1);
  t2->add_float_data(2.f);
  add("gs", onnx::AttributeProto::GRAPHS)->add_graphs()->set_name("empty");
  g->add_output()->set_name("y");

  auto m = load(mp.SerializeAsString());
  INFO(m.status().to_string());
  REQUIRE(m.is_ok());
  const Graph& graph = m.value().graph;
  CHECK(graph.inputs[0].dims == Dims{-1, 4});
  CHECK(graph.inputs[0].dim_names[0] == "batch");
  CHECK(graph.initializers.at("w")->data<float>()[1] == -2.f);
  CHECK(graph.initializers.at("r")->data<int64_t>()[0] == 42);
  const Node& node = graph.nodes[0];
  CHECK(node.domain == "test.domain");
  CHECK(node.attr("f")->f == 0.5f);
  CHECK(node.attr("i")->i == -3);
  CHECK(node.attr("s")->s == "abc");
  CHECK(node.attr("t")->t->data<int32_t>()[0] == 7);
  CHECK(node.attr("g")->g->nodes[0].op_type == "Identity");
  CHECK(node.attr("fs")->floats == std::vector<float>{1.f});
  CHECK(node.attr("is")->ints == std::vector<int64_t>{5});
  CHECK(node.attr("ss")->strings == std::vector<std::string>{"q"});
  CHECK(node.attr("ts")->tensors.size() == 1);
  CHECK(node.attr("gs")->graphs[0]->name == "empty");
}

TEST_CASE("hostile tensors are refused before allocation", "[model]") {
  auto model_with = [](const onnx::TensorProto& t) {
    onnx::ModelProto mp;
    mp.set_ir_version(8);
    mp.add_opset_import()->set_version(13);
    *mp.mutable_graph()->add_initializer() = t;
    return mp.SerializeAsString();
  };
  onnx::TensorProto huge;
  huge.set_name("huge");
  huge.set_data_type(1);
  huge.add_dims(int64_t(1) << 40);
  huge.add_dims(1 << 20);
  huge.set_raw_data("abcd");
  auto m = load(model_with(huge));
  REQUIRE_FALSE(m.is_ok());
  CHECK_THAT(m.status().message(), Catch::Matchers::ContainsSubstring("huge"));

  onnx::TensorProto short_raw;
  short_raw.set_name("short");
  short_raw.set_data_type(1);
  short_raw.add_dims(1000);
  short_raw.set_raw_data("abcd");
  auto m2 = load(model_with(short_raw));
  REQUIRE_FALSE(m2.is_ok());
  CHECK_THAT(m2.status().message(), Catch::Matchers::ContainsSubstring("raw_data has 4 bytes"));

  onnx::TensorProto neg;
  neg.set_name("neg");
  neg.set_data_type(1);
  neg.add_dims(-3);
  auto m3 = load(model_with(neg));
  REQUIRE_FALSE(m3.is_ok());
  CHECK_THAT(m3.status().message(), Catch::Matchers::ContainsSubstring("negative dim"));
}

TEST_CASE("external data locations are confined to the model's folder", "[model]") {
  CHECK(confine_location("w.bin").value() == "w.bin");
  CHECK(confine_location("./weights\\a/./b.bin").value() == "weights/a/b.bin");
  for (const char* bad : {"", "/etc/passwd", "\\\\server\\share", "C:/x.bin", "../x.bin", "a/../../x.bin",
                          "weights/..", "./", "."}) {
    INFO(bad);
    auto r = confine_location(bad);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Code::INVALID_MODEL);
  }
  CHECK_FALSE(confine_location(std::string("a\0b", 3)).is_ok());
}

TEST_CASE("external data is read through the embedder's source, with its ranges checked", "[model]") {
  // w: 4 floats at offset 8 of "w.bin"; the model bytes carry none of them.
  auto model_with = [](const std::vector<std::pair<std::string, std::string>>& kv) {
    onnx::ModelProto mp;
    mp.set_ir_version(8);
    mp.add_opset_import()->set_version(13);
    onnx::TensorProto* t = mp.mutable_graph()->add_initializer();
    t->set_name("w");
    t->set_data_type(1);
    t->add_dims(4);
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [k, v] : kv) {
      auto* e = t->add_external_data();
      e->set_key(k);
      e->set_value(v);
    }
    return mp.SerializeAsString();
  };
  const float values[4] = {1.5f, -2.f, 3.25f, 4.f};
  std::vector<uint8_t> file(8 + sizeof(values), 0xEE);
  memcpy(file.data() + 8, values, sizeof(values));
  BufferExternalData ext;
  ext.add("w.bin", file);
  auto load_ext = [&](const std::string& bytes) {
    return load_model(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &ext);
  };

  auto m = load_ext(model_with({{"location", "./w.bin"}, {"offset", "8"}, {"length", "16"}}));
  INFO(m.status().to_string());
  REQUIRE(m.is_ok());
  const Tensor& w = *m.value().graph.initializers.at("w");
  CHECK(std::vector<float>(w.data<float>(), w.data<float>() + 4) == std::vector<float>(values, values + 4));

  auto refused = [&](const std::string& bytes, const char* what) {
    auto r = load_ext(bytes);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Code::INVALID_MODEL);
    CHECK_THAT(r.status().message(), Catch::Matchers::ContainsSubstring(what));
  };
  refused(model_with({{"location", "../w.bin"}}), "leaves the model's folder");
  refused(model_with({{"location", "/tmp/w.bin"}}), "absolute path");
  refused(model_with({{"location", "w.bin"}, {"offset", "16"}}), "has 24 bytes, the tensor needs 16 at offset 16");
  refused(model_with({{"location", "w.bin"}, {"offset", "-1"}}), "is not a number");
  refused(model_with({{"location", "w.bin"}, {"length", "12"}}), "length 12");
  refused(model_with({{"location", "other.bin"}}), "'other.bin' was not given");
  auto none = load(model_with({{"location", "w.bin"}}));
  REQUIRE_FALSE(none.is_ok());
  CHECK_THAT(none.status().message(), Catch::Matchers::ContainsSubstring("no external data was given"));
}
