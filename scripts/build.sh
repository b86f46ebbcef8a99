#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds everything into build/ and dist/: third-party libraries (once per toolchain and
# cmake/ content, cached under ~/.cache/onnx-wasm/deps), the native core for Catch2, the two
# WebAssembly modules, and the JS bundles. Incremental: re-running only rebuilds what changed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/setup.sh
export NODE_PATH=/usr/share/nodejs  # emcc needs Debian's acorn (TOOLCHAIN.md)
cache=${ONNXWASM_CACHE:-$HOME/.cache/onnx-wasm}
jobs=$(nproc)
key=$( (cat cmake/deps/CMakeLists.txt cmake/flags.cmake cmake/pthreadpool.cmake cmake/xnnpack.cmake \
        cmake/xnnpack_patches.cmake cmake/protobuf.cmake cmake/catch2.cmake "$cache"/src/*/.sha256; emcc --version | head -1; c++ --version | head -1) |
      sha256sum | cut -c1-16)

deps() {  # deps <name> <threads ON|OFF> <emcmake or "">
  local dir="$cache/deps/$key-$1"
  if [ ! -f "$dir/.done" ]; then
    echo "build: third-party libraries ($1) -> $dir"
    $3 cmake -S cmake/deps -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DONNXWASM_DEPS="$cache/src" \
      -DONNXWASM_THREADS="$2" >/dev/null
    cmake --build "$dir" -j "$jobs" >/dev/null
    touch "$dir/.done"
  fi
  echo "$dir"
}

project() {  # project <builddir> <depsdir> <threads> <emcmake or ""> [extra cmake args]
  local dir=$1 depsdir=$2 threads=$3 wrap=$4
  shift 4
  # Configured every time (a second or two): the deps folder changes with their key.
  $wrap cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DONNXWASM_DEPS="$cache/src" \
    -DONNXWASM_DEPS_BUILD="$depsdir" -DONNXWASM_THREADS="$threads" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

# Runs "$@" showing its output without ninja's progress lines, and fails when it fails (a
# plain `| grep -v ... || true` would hide a compile error).
filtered() {
  local out rc
  out=$("$@" 2>&1) && rc=0 || rc=$?
  printf '%s\n' "$out" | grep -v '^\[' || true
  return "$rc"
}

d_native=$(deps native OFF "" | tail -1)
d_threads=$(deps wasm-threads ON emcmake | tail -1)
d_simd=$(deps wasm-simd OFF emcmake | tail -1)
echo "build: native core and tests"; filtered project build/native "$d_native" OFF ""
echo "build: native with ASan+UBSan (clang-14): Catch2 and the fuzz target"
filtered project build/sanitize "$d_native" OFF "" -DONNXWASM_SANITIZE=ON -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14
echo "build: wasm (SIMD + threads)"; filtered project build/wasm-threads "$d_threads" ON emcmake
echo "build: wasm (SIMD, single thread)"; filtered project build/wasm-simd "$d_simd" OFF emcmake

mkdir -p dist
cp build/wasm-threads/onnx-wasm-threaded.{js,wasm,worker.js} dist/
cp build/wasm-simd/onnx-wasm-simd.{js,wasm} dist/
node js/build.mjs
echo "build: ok ($(du -b dist/onnx-wasm-threaded.wasm | cut -f1) + $(du -b dist/onnx-wasm-simd.wasm | cut -f1) bytes of wasm)"
