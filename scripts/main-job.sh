#!/usr/bin/env bash
# README command (1): install what the build needs, build with both cores, then run the main
# job: write a random-weight Llama model the way HF's from_config + save_pretrained would
# (`automodel init`) with the project's own safetensors writer, and describe it from its
# config.json and safetensors headers (`automodel info`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"

out=${AUTOMODEL_DEMO_DIR:-${TMPDIR:-/tmp}/automodel-main-job}
rm -rf "$out"
echo "== automodel init --arch llama $out"
./build/apps/automodel init --arch llama --preset tiny "$out"
echo "== automodel info $out"
./build/apps/automodel info "$out"
