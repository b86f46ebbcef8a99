#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo, from a fresh machine: set-up and build, then classify the held-out handwritten
# digits with the project's own model (examples/models/digits.onnx) in Node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
echo
node examples/node/digits.mjs 3
