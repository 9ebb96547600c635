# Loads the checkpoint `automodel demo` (or `automodel finetune`) wrote with transformers 4.47.1,
# unchanged: AutoTokenizer + AutoModelForCausalLM.from_pretrained, then greedy generate() on
# held-out reversal prompts. Usage (refpy environment, see run.sh):
#   python3 hf_demo_check.py <demo-dir>/run/final
import random, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
d = sys.argv[1]
torch.set_num_threads(1)
try:
    tok = AutoTokenizer.from_pretrained(d)
except ValueError as e:  # this machine has no `tokenizers` wheel (PreTrainedTokenizerFast needs it)
    print("AutoTokenizer unavailable here (", e, "); encoding as the demo tokenizer does: <s> + one id per byte")
    tok = None
def encode(text):
    if tok is not None:
        return tok(text, return_tensors="pt")["input_ids"]
    return torch.tensor([[256] + list(text.encode())])
def decode(ids):
    if tok is not None:
        return tok.decode(ids, skip_special_tokens=True)
    return bytes(i for i in ids.tolist() if i < 256).decode(errors="replace")
model, info = AutoModelForCausalLM.from_pretrained(d, output_loading_info=True, torch_dtype=torch.float32)
model.eval()
print(type(model).__name__, "loading_info:", {k: v for k, v in info.items() if v} or "clean")
rng = random.Random(7)
correct = 0
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 6))) for _ in range(50)]
for w in words:
    ids = encode("reverse: " + w + " =")
    out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=len(w) + 2, do_sample=False)
    text = decode(out[0, ids.shape[1]:])
    correct += text == " " + w[::-1]
print(f"transformers greedy exact match: {correct}/{len(words)}")
