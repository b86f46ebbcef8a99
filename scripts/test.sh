#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# All tests, from a fresh machine: set-up and build (scripts/build.sh), test models
# (scripts/gen_models.py, cached by the script's hash), then include fences, Catch2 natively
# and in wasm (XNNPACK parity), tsc over the public types, the Node API tests, and the ONNX
# backend conformance suite against its manifest (tests/conformance/expected.txt), and the
# browser tests in Chromium (tests/browser/).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/build.sh
cache=${ONNXWASM_CACHE:-$HOME/.cache/onnx-wasm}

models="$cache/models/$(sha256sum scripts/gen_models.py | cut -c1-16)"
if [ ! -f "$models/.done" ]; then
  rm -rf "$models.tmp"
  /usr/bin/python3 scripts/gen_models.py "$models.tmp"
  rm -rf "$models" && mv "$models.tmp" "$models" && touch "$models/.done"
fi
export ONNXWASM_TEST_MODELS="$models"
hostile="$cache/hostile/$(cat tests/robustness/gen_hostile.py scripts/gen_models.py | sha256sum | cut -c1-16)"
if [ ! -f "$hostile/.done" ]; then
  rm -rf "$hostile.tmp"
  /usr/bin/python3 tests/robustness/gen_hostile.py "$hostile.tmp" "$models/resnet_mini.onnx"
  rm -rf "$hostile" && mv "$hostile.tmp" "$hostile" && touch "$hostile/.done"
fi
export ONNXWASM_HOSTILE="$hostile"
export ONNXWASM_ONNX_DATA="$cache/src/onnx/onnx/backend/test/data"

echo "== include fences and file sizes"
bash scripts/check_includes.sh
echo "== Catch2, native (reference kernels)"
build/native/tests/cpp/ow_tests --colour-mode none
echo "== Catch2, native with ASan+UBSan"
build/sanitize/tests/cpp/ow_tests --colour-mode none
echo "== fuzzing model loading: replay the corpus, then fuzz for ${ONNXWASM_FUZZ_SECONDS:-60} s"
bash tests/fuzz/run.sh "${ONNXWASM_FUZZ_SECONDS:-60}"
echo "== Catch2, wasm threaded (XNNPACK parity)"
node build/wasm-threads/tests/cpp/ow_tests.js --colour-mode none
echo "== tsc over the public types"
node_modules/.bin/tsc -p js/types/tsconfig.json
echo "== Node API tests"
node --test --test-concurrency=1 tests/js/
echo "== ONNX backend conformance (threaded build) against tests/conformance/expected.txt"
node tests/conformance/run.mjs --check
echo "== Chromium (Debian's): script tag and ES module, cross-origin isolated and plain pages"
node --test --test-concurrency=1 tests/browser/
