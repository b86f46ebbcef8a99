# SPDX-License-Identifier: MIT
# protobuf-lite 3.21.12 (runtime only; the host protoc of the same version generates code)
# and onnx.proto from onnx 1.17.0 compiled with optimize_for = LITE_RUNTIME.
set(PB_DIR ${ONNXWASM_DEPS}/protobuf/src/google/protobuf)
set(PB_LITE_SRCS
  any_lite.cc arena.cc arenastring.cc arenaz_sampler.cc extension_set.cc
  generated_enum_util.cc generated_message_tctable_lite.cc generated_message_util.cc
  implicit_weak_message.cc inlined_string_field.cc io/coded_stream.cc io/io_win32.cc
  io/strtod.cc io/zero_copy_stream.cc io/zero_copy_stream_impl.cc
  io/zero_copy_stream_impl_lite.cc map.cc message_lite.cc parse_context.cc repeated_field.cc
  repeated_ptr_field.cc stubs/bytestream.cc stubs/common.cc stubs/int128.cc stubs/status.cc
  stubs/statusor.cc stubs/stringpiece.cc stubs/stringprintf.cc stubs/structurally_valid.cc
  stubs/strutil.cc stubs/time.cc wire_format_lite.cc)
list(TRANSFORM PB_LITE_SRCS PREPEND ${PB_DIR}/)
add_library(protobuf_lite STATIC ${PB_LITE_SRCS})
target_include_directories(protobuf_lite SYSTEM PUBLIC ${ONNXWASM_DEPS}/protobuf/src)
target_compile_definitions(protobuf_lite PUBLIC GOOGLE_PROTOBUF_NO_RTTI=1 PRIVATE HAVE_PTHREAD=1)
target_compile_options(protobuf_lite PRIVATE -O2 -w)

find_program(PROTOC protoc REQUIRED)
set(ONNX_PROTO_OUT ${CMAKE_BINARY_DIR}/onnx_proto)
file(MAKE_DIRECTORY ${ONNX_PROTO_OUT}/onnx)
add_custom_command(
  OUTPUT ${ONNX_PROTO_OUT}/onnx/onnx.pb.cc ${ONNX_PROTO_OUT}/onnx/onnx.pb.h
  # onnx 1.17's onnx.proto already says optimize_for = LITE_RUNTIME; the check keeps it so.
  COMMAND grep -q "^option optimize_for = LITE_RUNTIME" ${ONNXWASM_DEPS}/onnx/onnx/onnx.proto
  COMMAND ${CMAKE_COMMAND} -E copy ${ONNXWASM_DEPS}/onnx/onnx/onnx.proto ${ONNX_PROTO_OUT}/onnx/
  COMMAND ${PROTOC} --proto_path=${ONNX_PROTO_OUT} --cpp_out=${ONNX_PROTO_OUT}
          ${ONNX_PROTO_OUT}/onnx/onnx.proto
  DEPENDS ${ONNXWASM_DEPS}/onnx/onnx/onnx.proto
  COMMENT "protoc onnx.proto (lite)")
add_library(onnx_proto STATIC ${ONNX_PROTO_OUT}/onnx/onnx.pb.cc)
target_include_directories(onnx_proto SYSTEM PUBLIC ${ONNX_PROTO_OUT})
target_link_libraries(onnx_proto PUBLIC protobuf_lite)
target_compile_options(onnx_proto PRIVATE -O2 -w)
