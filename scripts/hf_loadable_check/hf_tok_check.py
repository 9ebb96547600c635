# transformers 4.47.1 (slow tokenizers: the Rust package is absent here) loads folders written by
# automodel's AutoTokenizer::save_pretrained and encodes/decodes every cases.jsonl text exactly
# like the original folder.
import json, os, sys
from transformers import AutoTokenizer
fixtures, saved = sys.argv[1], sys.argv[2]
pairs = [("gpt2", "gpt2"), ("llama2-spm", "llama2-spm"), ("roberta-base", "roberta-base"),
         ("bert-base-uncased", "bert-base-uncased"), ("gpt2", "legacy-gpt2"),
         ("bert-base-uncased", "legacy-bert-base-uncased")]
grand = 0
for fam, out in pairs:
    a = AutoTokenizer.from_pretrained(os.path.join(fixtures, fam), use_fast=False)
    b = AutoTokenizer.from_pretrained(os.path.join(saved, out), use_fast=False)
    n = bad = 0
    for line in open(os.path.join(fixtures, fam, "cases.jsonl")):
        r = json.loads(line)
        if r["kind"] in ("encode", "encode_pair"):
            args = (r["text"], r["text_pair"]) if "text_pair" in r else (r["text"],)
            x = a(*args, add_special_tokens=r.get("add_special_tokens", True))
            y = b(*args, add_special_tokens=r.get("add_special_tokens", True))
            n += 1; bad += dict(x) != dict(y)
        elif r["kind"] in ("decode", "decode_ids") and "error" not in r:
            def dec(t, skip):
                try: return t.decode(r["ids"], skip_special_tokens=skip)
                except Exception as e: return "raised " + type(e).__name__
            n += 1; bad += dec(a, False) != dec(b, False) or dec(a, True) != dec(b, True)
    same_specials = a.special_tokens_map == b.special_tokens_map and a.added_tokens_decoder == b.added_tokens_decoder
    print(f"{out:26s} {type(b).__name__:16s} {n} records, {bad} differ; special tokens / added_tokens_decoder equal: {same_specials}; model_max_length {a.model_max_length} -> {b.model_max_length}")
    grand += bad
print("total differing:", grand)
