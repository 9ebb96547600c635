#!/usr/bin/env bash
# README command (1): install what the build needs, build with both cores, then run the main
# job: `automodel demo` (fine-tune a small Llama of its own from nothing, see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"

out=${AUTOMODEL_DEMO_DIR:-${TMPDIR:-/tmp}/automodel-demo}
echo "== automodel demo --dir $out"
./build/apps/automodel demo --dir "$out"
