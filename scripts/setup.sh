#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs everything onnx-wasm needs on a fresh Debian/Ubuntu machine, idempotently:
# apt packages, pinned third-party source tarballs (sha256-checked, cached outside the
# clone under $ONNXWASM_CACHE), and npm devDependencies from package-lock.json.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${ONNXWASM_CACHE:-$HOME/.cache/onnx-wasm}
mkdir -p "$cache/src"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

apt_pkgs=(emscripten binaryen protobuf-compiler cmake ninja-build xz-utils ca-certificates
          python3-torch python3-torchvision python3-onnx python3-numpy python3-sklearn dpkg-dev
          clang-14 libclang-rt-14-dev chromium)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done

# Source tarballs come from Debian's source archive. The URI is taken from the machine's
# own Debian entry so that no host name lives in this repository.
src_list=/etc/apt/sources.list.d/onnx-wasm-src.sources
if [ ! -f "$src_list" ]; then
  uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
        grep -v security | grep -m1 -oE '(https?|file)://[^ ]*debian[^ ]*' || true)
  [ -n "$uri" ] || { echo "setup: no Debian apt entry found to derive a source URI" >&2; exit 1; }
  printf 'Types: deb-src\nURIs: %s\nSuites: bookworm trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" | $SUDO tee "$src_list" >/dev/null
  need_update=1
fi
if [ ${#missing[@]} -gt 0 ] || [ -n "${need_update:-}" ]; then
  $SUDO apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# name/suite  file  sha256
tarballs=(
  "xnnpack/trixie xnnpack_0.0~git20241108.4ea82e5.orig.tar.xz 90bde2caef0f880f627bab0dc805a86c4b8070cd98e3243db3046ab3f3be1a99"
  "pthreadpool/trixie pthreadpool_0.0~git20240616.560c60d.orig.tar.xz 4cc3cbd933b28131d2a34edc54f76af9fb41bc490af5eae1a5bd3cd07ea90708"
  "fp16/bookworm fp16_0.0~git20200514.4dfe081.orig.tar.xz 7d7782b37b74136e0e12593a2a93ccbe7db831f4374cc408e44623d9b708b54e"
  "fxdiv/bookworm fxdiv_0.0~git20200417.b408327.orig.tar.xz 7953482badaf4cb34026c3487c257b8e4ab2df061c019bd6fabbbc12ad52c44b"
  "protobuf/bookworm protobuf_3.21.12.orig.tar.gz 930c2c3b5ecc6c9c12615cf5ad93f1cd6e12d0aba862b572e076259970ac3a53"
  "onnx/trixie onnx_1.17.0.orig.tar.gz 8d5e983c36037003615e5a02d36b18fc286541bf52de1a78f6cf9f32005a820e"
  "catch2/trixie catch2_3.7.1.orig.tar.gz c991b247a1a0d7bb9c39aa35faf0fe9e19764213f28ffba3109388e62ee0269c"
)
for t in "${tarballs[@]}"; do
  read -r pkg file sum <<<"$t"
  name=${pkg%%/*}
  dest="$cache/src/$name"
  [ -f "$dest/.sha256" ] && [ "$(cat "$dest/.sha256")" = "$sum" ] && continue
  dl="$cache/dl"; mkdir -p "$dl"
  if [ ! -f "$dl/$file" ] || ! echo "$sum  $dl/$file" | sha256sum -c --quiet - 2>/dev/null; then
    echo "setup: fetching $file"
    # --tar-only may also fetch the .debian tarball; only the .orig one is used.
    (cd "$dl" && apt-get source --download-only --tar-only "$pkg" >/dev/null 2>&1 || true)
    [ -f "$dl/$file" ] || { echo "setup: could not download $file" >&2; exit 1; }
  fi
  echo "$sum  $dl/$file" | sha256sum -c --quiet - || { echo "setup: sha256 mismatch for $file" >&2; exit 1; }
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  tar -xf "$dl/$file" -C "$dest.tmp"
  # Most tarballs hold one top-level folder; XNNPACK's has none.
  if [ "$(ls -A "$dest.tmp" | wc -l)" = 1 ] && [ -d "$dest.tmp/$(ls -A "$dest.tmp")" ]; then
    inner="$dest.tmp/$(ls -A "$dest.tmp")"; rm -rf "$dest"; mv "$inner" "$dest"; rmdir "$dest.tmp"
  else
    rm -rf "$dest"; mv "$dest.tmp" "$dest"
  fi
  echo "$sum" >"$dest/.sha256"
done

# npm devDependencies (the oracle engines, esbuild, typescript) from the committed lock file.
cd "$here"
if [ -f package-lock.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "setup: npm ci"
  npm ci --ignore-scripts --no-audit --no-fund >/dev/null
fi
echo "setup: ok (cache $cache)"
