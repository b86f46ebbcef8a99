#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The include fences of STYLE.md (xnnpack.h only in src/xnn, onnx.pb.h only in src/model,
# emscripten only in wasm/) and the file-size limits (kernel family files <= 400 lines,
# any .cc <= 1500 lines).
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
check() {  # check <pattern> <allowed folder>
  local hits
  hits=$(grep -rlE "$1" src wasm --include='*.cc' --include='*.h' | grep -v "^$2/" || true)
  if [ -n "$hits" ]; then echo "check_includes: $1 outside $2/: $hits"; fail=1; fi
}
check '#include <xnnpack.h>' src/xnn
check '#include "onnx/onnx.pb.h"' src/model
check '#include <emscripten' wasm
for f in src/kernels/*.cc; do
  n=$(wc -l <"$f"); [ "$n" -le 400 ] || { echo "check_includes: $f has $n lines (kernel files: <= 400)"; fail=1; }
done
for f in $(find src wasm -name '*.cc'); do
  n=$(wc -l <"$f"); [ "$n" -le 1500 ] || { echo "check_includes: $f has $n lines (> 1500)"; fail=1; }
done
[ $fail = 0 ] && echo "check_includes: ok"
exit $fail
