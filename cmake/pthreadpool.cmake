# SPDX-License-Identifier: MIT
# pthreadpool: real worker threads in the threaded build, the caller-thread shim otherwise.
set(PTP_DIR ${ONNXWASM_DEPS}/pthreadpool)
if(ONNXWASM_THREADS OR NOT EMSCRIPTEN)
  set(PTP_SRCS src/portable-api.c src/memory.c src/pthreads.c src/legacy-api.c)
else()
  set(PTP_SRCS src/shim.c src/legacy-api.c)
endif()
list(TRANSFORM PTP_SRCS PREPEND ${PTP_DIR}/)
add_library(pthreadpool STATIC ${PTP_SRCS})
target_include_directories(pthreadpool PUBLIC ${PTP_DIR}/include
  PRIVATE ${PTP_DIR}/src ${ONNXWASM_DEPS}/fxdiv/include)
target_compile_options(pthreadpool PRIVATE -std=gnu11 -O2 -w)
if(NOT EMSCRIPTEN)
  find_package(Threads REQUIRED)
  target_link_libraries(pthreadpool PUBLIC Threads::Threads)
endif()
