#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Vite app against the packed package (npm pack of this repository, as a user
# would install it from the registry), then serves it: open the printed URL.
set -euo pipefail
app=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$app/../.." && pwd)
[ -f "$root/dist/onnx-wasm.mjs" ] || bash "$root/scripts/build.sh"
(cd "$root" && npm pack --pack-destination "$app" --loglevel=error >/dev/null)
cd "$app"
npm install --no-audit --no-fund --loglevel=error
npx vite build --base ./
echo "open http://127.0.0.1:8080/examples/npm-app/dist/"
exec node "$root/examples/serve.mjs"
