# SPDX-License-Identifier: MIT
# XNNPACK for WebAssembly (SIMD128), from a source list owned by this project: upstream's
# CMakeLists has no wasm target. Core lists mirror upstream's OPERATOR/SUBGRAPH/... sets at
# the pinned commit (4ea82e5); microkernels come from upstream's generated per-ISA lists.
set(XNN_DIR ${ONNXWASM_DEPS}/xnnpack)

set(XNN_CORE_SRCS
  src/allocator.c src/cache.c src/datatype.c src/indirection.c src/init.c src/log.c
  src/memory.c src/memory-planner.c src/microkernel-utils.c src/mutex.c src/normalization.c
  src/operator-delete.c src/operator-run.c src/operator-utils.c src/microparams-init.c src/params.c
  src/runtime.c src/subgraph.c src/tensor.c src/im2col.c
  src/operators/argmax-pooling-nhwc.c src/operators/average-pooling-nhwc.c
  src/operators/batch-matrix-multiply-nc.c src/operators/binary-elementwise-nd.c
  src/operators/channel-shuffle-nc.c src/operators/constant-pad-nd.c
  src/operators/convolution-nchw.c src/operators/convolution-nhwc.c
  src/operators/deconvolution-nhwc.c src/operators/dynamic-fully-connected-nc.c
  src/operators/fully-connected-nc.c src/operators/max-pooling-nhwc.c src/operators/pack-lh.c
  src/operators/reduce-nd.c src/operators/resize-bilinear-nchw.c
  src/operators/resize-bilinear-nhwc.c src/operators/rope-nthc.c
  src/operators/scaled-dot-product-attention-nhtc.c src/operators/slice-nd.c
  src/operators/softmax-nc.c src/operators/transpose-nd.c
  src/operators/unary-elementwise-nc.c src/operators/unpooling-nhwc.c
  src/reference/unary-elementwise.cc src/reference/binary-elementwise.cc src/reference/packing.cc
  src/subgraph/argmax-pooling-2d.c src/subgraph/average-pooling-2d.c
  src/subgraph/batch-matrix-multiply.c src/subgraph/binary.c src/subgraph/concatenate.c
  src/subgraph/convolution-2d.c src/subgraph/copy.c src/subgraph/deconvolution-2d.c
  src/subgraph/deprecated.c src/subgraph/depth-to-space-2d.c
  src/subgraph/depthwise-convolution-2d.c src/subgraph/even-split.c
  src/subgraph/fully-connected-sparse.c src/subgraph/fully-connected.c
  src/subgraph/max-pooling-2d.c src/subgraph/pack-lh.c src/subgraph/reshape-helpers.c
  src/subgraph/rope.c src/subgraph/scaled-dot-product-attention.c src/subgraph/softmax.c
  src/subgraph/space-to-depth-2d.c src/subgraph/static-constant-pad.c
  src/subgraph/static-reduce.c src/subgraph/static-resize-bilinear-2d.c
  src/subgraph/static-slice.c src/subgraph/static-transpose.c src/subgraph/unpooling-2d.c
  src/subgraph/unary.c src/subgraph/validation.c
  src/enums/allocation-type.c src/enums/datatype-strings.c src/enums/microkernel-type.c
  src/enums/node-type.c src/enums/operator-type.c)
file(GLOB XNN_CONFIG_SRCS RELATIVE ${XNN_DIR} ${XNN_DIR}/src/configs/*.c)
file(GLOB XNN_TABLE_SRCS RELATIVE ${XNN_DIR} ${XNN_DIR}/src/tables/*.c)

include(${XNN_DIR}/cmake/gen/scalar_microkernels.cmake)
include(${XNN_DIR}/cmake/gen/wasm_microkernels.cmake)
include(${XNN_DIR}/cmake/gen/wasmsimd_microkernels.cmake)
set(XNN_MICROKERNEL_SRCS ${PROD_SCALAR_MICROKERNEL_SRCS} ${PROD_WASM_MICROKERNEL_SRCS}
    ${PROD_WASMSIMD_MICROKERNEL_SRCS})
# Two wasmsimd kernels (f32-q{s,u}8-vcvt-magic-u32) include <arm_neon.h> where they
# mean <wasm_simd128.h>; the configs need them, so a stand-in arm_neon.h that includes the right header fixes them.
file(WRITE ${CMAKE_BINARY_DIR}/neon_stub/arm_neon.h "#include <wasm_simd128.h>
")

set(XNN_ALL_SRCS ${XNN_CORE_SRCS} ${XNN_CONFIG_SRCS} ${XNN_TABLE_SRCS} ${XNN_MICROKERNEL_SRCS})
list(TRANSFORM XNN_ALL_SRCS PREPEND ${XNN_DIR}/)
# Two files built from patched copies (xnnpack_patches.cmake says what and why).
include(${CMAKE_CURRENT_LIST_DIR}/xnnpack_patches.cmake)
list(TRANSFORM XNN_ALL_SRCS REPLACE "^${XNN_DIR}/src/memory-planner.c$" ${XNN_PATCHED_MEMORY_PLANNER})
list(TRANSFORM XNN_ALL_SRCS REPLACE "^${XNN_DIR}/src/runtime.c$" ${XNN_PATCHED_RUNTIME})

# Upstream generates a fingerprint of its sources here; a fixed one is enough for us.
file(WRITE ${CMAKE_BINARY_DIR}/xnn_build_identifier.c
  "#include <stddef.h>\nstatic const unsigned char id[] = {0x4e,0xa8,0x2e,0x05};\n"
  "size_t xnn_experimental_get_build_identifier_size(void) { return sizeof(id); }\n"
  "const void* xnn_experimental_get_build_identifier_data(void) { return id; }\n"
  "int xnn_experimental_check_build_identifier(const void* d, size_t n) {\n"
  "  if (n != sizeof(id)) return 0; const unsigned char* p = d;\n"
  "  for (size_t i = 0; i < n; i++) if (p[i] != id[i]) return 0; return 1; }\n")

add_library(xnnpack STATIC ${XNN_ALL_SRCS} ${CMAKE_BINARY_DIR}/xnn_build_identifier.c)
target_include_directories(xnnpack PUBLIC ${XNN_DIR}/include
  PRIVATE ${XNN_DIR}/src ${XNN_DIR} ${ONNXWASM_DEPS}/fp16/include ${ONNXWASM_DEPS}/fxdiv/include)
set_source_files_properties(
  ${XNN_DIR}/src/f32-qs8-vcvt/gen/f32-qs8-vcvt-wasmsimd-magic-u32.c
  ${XNN_DIR}/src/f32-qu8-vcvt/gen/f32-qu8-vcvt-wasmsimd-magic-u32.c
  PROPERTIES INCLUDE_DIRECTORIES ${CMAKE_BINARY_DIR}/neon_stub)
target_link_libraries(xnnpack PUBLIC pthreadpool)
target_compile_definitions(xnnpack PRIVATE
  XNN_LOG_LEVEL=0 XNN_ENABLE_CPUINFO=0 XNN_ENABLE_SPARSE=1 XNN_ENABLE_MEMOPT=1
  XNN_ENABLE_GEMM_M_SPECIALIZATION=1 XNN_ENABLE_DWCONV_MULTIPASS=0 XNN_ENABLE_ASSEMBLY=0
  XNN_ENABLE_KLEIDIAI=0 XNN_ENABLE_HVX=0 XNN_ENABLE_VSX=0 XNN_ENABLE_RISCV_VECTOR=0
  XNN_ENABLE_ARM_FP16_VECTOR=0 XNN_ENABLE_ARM_FP16_SCALAR=0 XNN_ENABLE_ARM_BF16=0
  XNN_ENABLE_ARM_DOTPROD=0 XNN_ENABLE_ARM_I8MM=0 XNN_ENABLE_ARM_SME=0 XNN_ENABLE_ARM_SME2=0
  XNN_ENABLE_AVXVNNI=0 XNN_ENABLE_AVXVNNIINT8=0 XNN_ENABLE_AVX256SKX=0 XNN_ENABLE_AVX256VNNI=0
  XNN_ENABLE_AVX256VNNIGFNI=0 XNN_ENABLE_AVX512F=0 XNN_ENABLE_AVX512SKX=0
  XNN_ENABLE_AVX512VBMI=0 XNN_ENABLE_AVX512VNNI=0 XNN_ENABLE_AVX512VNNIGFNI=0
  XNN_ENABLE_AVX512AMX=0 XNN_ENABLE_AVX512FP16=0)
set_target_properties(xnnpack PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF)
target_compile_options(xnnpack PRIVATE -O2 -w $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions>)
