// SPDX-License-Identifier: MIT
// libFuzzer target (native, clang, ASan+UBSan): model bytes -> load_model -> compile_program
// (op checks, graph verification, static shape inference, constant folding). Any input must
// end in OK or an error Status; a crash, sanitizer report or timeout is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/load.h"
#include "ir/tensor.h"
#include "passes/program.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Folding a constant is real work; keep each input's tensors small so fuzzing stays fast.
  onnxwasm::set_tensor_byte_limit(size_t(64) << 20);
  // External data: one small file, so locations, offsets and lengths get exercised too.
  static onnxwasm::BufferExternalData* ext = [] {
    auto* e = new onnxwasm::BufferExternalData();
    e->add("w.bin", std::vector<uint8_t>(4096, 0x3f));
    return e;
  }();
  auto model = onnxwasm::load_model(data, size, ext);
  if (!model.is_ok()) return 0;
  auto program = onnxwasm::compile_program(model.value(), {});
  (void)program;
  return 0;
}
