# SPDX-License-Identifier: MIT
# Catch2 3.7.1 from its single-file amalgamation (one object instead of ~100).
set(CATCH_DIR ${ONNXWASM_DEPS}/catch2/extras)
add_library(catch2 STATIC ${CATCH_DIR}/catch_amalgamated.cpp)
target_include_directories(catch2 SYSTEM PUBLIC ${CATCH_DIR})
target_compile_options(catch2 PRIVATE -O1 -w)
if(EMSCRIPTEN)
  # Catch2 reports failed REQUIREs by throwing: the test binary (only) catches exceptions.
  target_compile_options(catch2 PUBLIC -fexceptions -sDISABLE_EXCEPTION_CATCHING=0)
  target_link_options(catch2 PUBLIC -sDISABLE_EXCEPTION_CATCHING=0)
endif()
