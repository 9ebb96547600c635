#!/usr/bin/env bash
# Installs every Debian 12 package that building and testing automodel needs.
# Non-interactive and idempotent: packages already present are left alone.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang libclang-rt-14-dev          # libFuzzer targets and the sanitizer build
  nlohmann-json3-dev                # JSON (config.json, tokenizer.json, safetensors headers)
  libpcre2-dev                      # JIT regex with lookaround and \p{..} (pre-tokenizers)
  libutf8proc-dev                   # Unicode normalization (NFC/NFD/NFKC/NFKD)
  libhwy-dev                        # Highway portable SIMD
  libopenblas-dev                   # large fp32 GEMM
  libcurl4-openssl-dev              # hub download
  libsentencepiece-dev              # tokenizer.model
  libyaml-cpp-dev                   # SFT recipe files (recipes/: YAML config with CLI overrides)
  libcli11-dev                      # command line
  libgtest-dev libgmock-dev         # unit tests
  libbenchmark-dev                  # micro benchmarks
  python3                           # loopback HTTP server used by the hub download test
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "setup: all ${#PACKAGES[@]} packages present"
