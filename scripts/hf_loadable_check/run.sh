#!/bin/bash
# Optional manual check (not part of CI, which has no PyTorch): folders written by automodel's
# save_pretrained load in Hugging Face transformers 4.47.1 / tokenizers unchanged and give the
# same logits and encodings. See README.md in this folder.
#   usage: run.sh BUILD_DIR SCRATCH_DIR    (BUILD_DIR configured with -DAUTOMODEL_BUILD_APPS=ON)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
build="$(cd "$1" && pwd)"; scratch="$2"; mkdir -p "$scratch"; scratch="$(cd "$scratch" && pwd)"
shared="${AUTOMODEL_SHARED:-$repo/../shared}"; models="$shared/fixtures/models"; toks="$shared/fixtures/tokenizers"
libs="$build/src"
ninja -C "$build" automodel_cli automodel_models automodel_tokenizers >/dev/null
g++ -std=c++20 -O2 -I"$repo/include" "$here/dump_logits.cpp" -o "$scratch/dump_logits" \
  "$libs/libautomodel_models.a" "$libs/libautomodel_nn.a" "$libs/libautomodel_hub.a" "$libs/libautomodel_core.a" \
  $(pkg-config --libs libhwy openblas) -lcurl -lpthread
g++ -std=c++20 -O2 -I"$repo/include" "$here/save_tok.cpp" -o "$scratch/save_tok" \
  "$libs/libautomodel_tokenizers.a" "$libs/libautomodel_jinja.a" "$libs/libautomodel_hub.a" "$libs/libautomodel_core.a" \
  $(pkg-config --libs libpcre2-8 libutf8proc sentencepiece libhwy openblas) -lcurl -lpthread

# 1. every fixture model, converted twice: bf16 + 50KB shards, and float32 in one file.
rm -rf "$scratch/out" && mkdir -p "$scratch/out"
for d in "$models"/*/; do
  m="$(basename "$d")"; [ -f "$d/config.json" ] || continue
  "$build/apps/automodel" convert "$d" "$scratch/out/$m-bf16-sharded" --dtype bf16 --max-shard-size 50KB >/dev/null
  "$build/apps/automodel" convert "$d" "$scratch/out/$m-f32" --dtype float32 >/dev/null
done
for d in "$scratch/out"/*/; do "$scratch/dump_logits" "${d%/}" "${d%/}.ours.safetensors" >/dev/null; done

# 2. every tokenizer family saved; gpt2/roberta/bert also from their legacy vocabulary files only.
rm -rf "$scratch/tok" && mkdir -p "$scratch/tok"
for d in "$toks"/*/; do f="$(basename "$d")"; "$scratch/save_tok" "$d" "$scratch/tok/$f" >/dev/null; done
for f in gpt2 roberta-base bert-base-uncased; do
  src="$scratch/tok/legacy-src-$f"; mkdir -p "$src"
  for x in vocab.json merges.txt vocab.txt tokenizer_config.json; do [ -f "$toks/$f/$x" ] && cp "$toks/$f/$x" "$src/"; done
  [ "$f" = roberta-base ] && echo '{"model_type": "roberta"}' > "$src/config.json"
  "$scratch/save_tok" "$src" "$scratch/tok/legacy-$f" >/dev/null
done

# 3. transformers (refpy: HF sources + Debian torch) and native HF tokenizers (tokref).
export REFPY_HF_ROOT="${REFPY_HF_ROOT:-$HOME/.cache/automodel-ref/hf}"
. "$shared/tools/refpy/env.sh"
/usr/bin/python3 "$here/hf_model_check.py" "$scratch/out" 2>&1 | grep -v "Loading checkpoint\|HybridCache\|flash-attention"
/usr/bin/python3 "$here/hf_tok_check.py" "$toks" "$scratch/tok"
if [ -n "${TOKREF_DIR:-}" ]; then
  cp "$here/native_tokenizers_check.mjs" "$TOKREF_DIR/" && (cd "$TOKREF_DIR" && node native_tokenizers_check.mjs "$toks" "$scratch/tok")
else
  echo "native tokenizers check skipped: set TOKREF_DIR to a copy of shared/tools/tokref after 'npm ci'"
fi
