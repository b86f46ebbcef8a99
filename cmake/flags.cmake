# SPDX-License-Identifier: MIT
# Every compile flag of every target kind lives here (wasm threaded, wasm single, native).
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_POSITION_INDEPENDENT_CODE OFF)
if(EMSCRIPTEN)
  add_compile_options(-msimd128)
  if(ONNXWASM_THREADS)
    add_compile_options(-pthread)
    add_link_options(-pthread)
  endif()
endif()
if(ONNXWASM_SANITIZE)
  # Native only: ASan + UBSan (any report is fatal); with clang, objects are also ready to be
  # linked into the libFuzzer target.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
endif()
