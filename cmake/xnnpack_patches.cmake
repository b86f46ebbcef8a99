# SPDX-License-Identifier: MIT
# Two changes to XNNPACK's activation memory planning, made on copies of its sources in the
# build folder (the unpacked sources stay as fetched). Each replaced text must be found once,
# or the configure step fails: a new XNNPACK pin has to be checked against them.
#
# 1. memory-planner.c: a value may also take the room below the lowest live block (upstream
#    only looks between blocks and above the last one, so once anything long-lived sits above
#    offset 0 the bottom of the arena is never reused).
# 2. runtime.c: an elementwise node (binary, unary, copy, ...) may write over its only reader's
#    input even where its own output has several readers, the reused memory then living until
#    the output's last reader (upstream stops at one reader). A ResNet block's Add, read by the
#    next block's two branches, then needs no third buffer.
#
# resnet50 (batch 1): XNNPACK's workspace 10.4 MB -> 7.4 MB, which at session creation then
# fits in room the model's freed weights left.

# In the text `var` holds, `old` (found exactly once) becomes `new`. Named parameters, not
# ARGN: C code's semicolons would split a list.
function(xnn_replace var relpath old new)
  string(FIND "${${var}}" "${old}" at)
  string(FIND "${${var}}" "${old}" at_last REVERSE)
  if(at EQUAL -1 OR NOT at EQUAL at_last)
    message(FATAL_ERROR "xnnpack_patches.cmake: ${relpath} does not hold this text exactly once:\n${old}")
  endif()
  string(REPLACE "${old}" "${new}" text "${${var}}")
  set(${var} "${text}" PARENT_SCOPE)
endfunction()

# Writes the copy (only when it changed, so a re-configure rebuilds nothing).
function(xnn_write_patched relpath text out_var)
  set(out ${CMAKE_BINARY_DIR}/xnnpack_patched/${relpath})
  file(WRITE ${out}.new "${text}")
  configure_file(${out}.new ${out} COPYONLY)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()

file(READ ${XNN_DIR}/src/memory-planner.c planner)
xnn_replace(planner src/memory-planner.c
  [=[
  if (num_mem_blocks == 1) {
    return live_mem_blocks[0].end;
  }]=]
  [=[
  if (num_mem_blocks == 1) {
    return live_mem_blocks[0].start >= to_alloc_size ? 0 : live_mem_blocks[0].end;
  }]=])
xnn_replace(planner src/memory-planner.c
  [=[
  return live_mem_blocks[smallest_gap_index].end;]=]
  [=[
  // onnx-wasm: or the room below the lowest block, where that is the smallest that fits.
  if (live_mem_blocks[0].start >= to_alloc_size && live_mem_blocks[0].start < smallest_gap_size) {
    return 0;
  }
  return live_mem_blocks[smallest_gap_index].end;]=])
xnn_write_patched(src/memory-planner.c "${planner}" XNN_PATCHED_MEMORY_PLANNER)

file(READ ${XNN_DIR}/src/runtime.c runtime)
xnn_replace(runtime src/runtime.c
  [=[
    if (output->num_consumers == 1) {]=]
  [=[
    if (output->num_consumers >= 1) {  // onnx-wasm: any number of readers]=])
xnn_replace(runtime src/runtime.c
  [=[
      xnn_mark_tensor_as_reuse(tracker, output->id, reuse_id, output->first_consumer);]=]
  [=[
      // onnx-wasm: the reused memory lives until the output's last reader (populate_value_lifecycle).
      xnn_mark_tensor_as_reuse(tracker, output->id, reuse_id, tracker->usage[output->id].last_node);]=])
xnn_write_patched(src/runtime.c "${runtime}" XNN_PATCHED_RUNTIME)
