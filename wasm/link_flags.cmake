# SPDX-License-Identifier: MIT
# The two WebAssembly modules. Glue, .wasm and (threaded) worker stay separate files; the JS
# wrapper loads them (it compiles the .wasm and gives the glue the module: js/src/loader.js).
if(ONNXWASM_THREADS)
  set(ow_wasm_name onnx-wasm-threaded)
else()
  set(ow_wasm_name onnx-wasm-simd)
endif()
add_executable(onnxwasm_module ${CMAKE_SOURCE_DIR}/wasm/bindings.cc ${CMAKE_SOURCE_DIR}/wasm/heap_reserve.cc)
target_link_libraries(onnxwasm_module PRIVATE ow_runtime)
set_target_properties(onnxwasm_module PROPERTIES OUTPUT_NAME ${ow_wasm_name} SUFFIX ".js")
target_link_options(onnxwasm_module PRIVATE
  --bind -O3 -sMODULARIZE=1 -sEXPORT_NAME=createOnnxWasmModule -sENVIRONMENT=web,worker,node
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sABORTING_MALLOC=0 -sINITIAL_MEMORY=16777216
  -sEXPORTED_FUNCTIONS=_malloc,_free -sEXPORTED_RUNTIME_METHODS=ccall
  -sDISABLE_EXCEPTION_CATCHING=1 -sTOTAL_STACK=1048576 -sFILESYSTEM=0
  # The glue must not install process-wide handlers in the host application (Node).
  -sNODEJS_CATCH_REJECTION=0 -sNODEJS_CATCH_EXIT=0
  # wasm-opt inlines every function that has one caller, whatever its size: session creation's
  # passes became one 23 KB Session::build_plan whose loops spent V8's tier-up budget, so V8
  # recompiled it with TurboFan (30-50 ms, on a background thread competing with the creation
  # for the cores) for a function that had already returned; likewise topological_order and
  # compile_graph's node step. Inlined only up to 100 (Binaryen's size units): TurboFan time
  # during a cold creation 103 -> 34 ms (resnet18_qdq), 216 -> ~70 (light_densenet121); the
  # creation 0.80x and 0.89x.
  -sBINARYEN_EXTRA_PASSES=--one-caller-inline-max-function-size=100
  --post-js ${CMAKE_SOURCE_DIR}/wasm/post.js)
if(ONNXWASM_THREADS)
  # Workers are started with the module (the page's main thread cannot wait for a new one);
  # the wrapper sets Module.onnxwasmPoolSize from numThreads. The module does not wait for them
  # to load: the wrapper parses the model meanwhile and awaits them (Module.ensureWorkers)
  # before the session's threads start.
  target_link_options(onnxwasm_module PRIVATE "-sPTHREAD_POOL_SIZE=Module.onnxwasmPoolSize" -sPTHREAD_POOL_DELAY_LOAD=1)
endif()
set_property(TARGET onnxwasm_module APPEND PROPERTY LINK_DEPENDS ${CMAKE_SOURCE_DIR}/wasm/post.js)
