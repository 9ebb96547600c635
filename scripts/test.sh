#!/usr/bin/env bash
# Runs the whole test suite: Release build + ctest, ASan+UBSan build of the unit tests,
# libFuzzer targets for a bounded time each. Uses both cores.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

bash scripts/setup.sh

echo "== release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$JOBS"
echo "== tests (release)"
ctest --test-dir build --output-on-failure -j "$JOBS"

echo "== ASan+UBSan build of the unit tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAUTOMODEL_SANITIZE=ON \
  -DAUTOMODEL_BUILD_BENCH=OFF -DAUTOMODEL_BUILD_APPS=OFF >/dev/null
cmake --build build-asan -j "$JOBS" --target unit_tests
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$JOBS" -LE parity -E "_NOT_BUILT$"

echo "== libFuzzer targets (${FUZZ_SECONDS}s each)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAUTOMODEL_FUZZ=ON \
  -DAUTOMODEL_BUILD_TESTS=OFF -DAUTOMODEL_BUILD_BENCH=OFF -DAUTOMODEL_BUILD_APPS=OFF >/dev/null
cmake --build build-fuzz -j "$JOBS"
for f in build-fuzz/fuzz/*_fuzz; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus="fuzz/corpus/${name%_fuzz}"
  mkdir -p "build-fuzz/corpus-$name"
  echo "-- $name"
  "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 "build-fuzz/corpus-$name" \
    $( [ -d "$corpus" ] && echo "$corpus" ) 2>&1 | tail -3
done
echo "== all tests passed"
