# Loads every folder written by `automodel convert` with transformers 4.47.1 from_pretrained
# (unchanged) and compares its logits with automodel's for the same ids.
import json, os, sys, torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification
out = sys.argv[1]
torch.set_num_threads(1)
worst = {}
for name in sorted(os.listdir(out)):
    d = os.path.join(out, name)
    if not os.path.isdir(d): continue
    cfg = json.load(open(os.path.join(d, "config.json")))
    seq = cfg["architectures"][0].endswith("ForSequenceClassification")
    cls = AutoModelForSequenceClassification if seq else AutoModelForCausalLM
    model, info = cls.from_pretrained(d, output_loading_info=True, torch_dtype=torch.float32, attn_implementation="eager")
    model.eval()
    problems = {k: v for k, v in info.items() if v}
    ours = load_file(d + ".ours.safetensors")
    with torch.no_grad():
        hf = model(input_ids=ours["input_ids"]).logits
    diff = (hf - ours["logits"]).abs().max().item()
    sharded = os.path.exists(os.path.join(d, "model.safetensors.index.json"))
    print(f"{name:34s} {cfg['torch_dtype']:9s} {'sharded' if sharded else 'single '} "
          f"shape={tuple(hf.shape)} max|hf-ours|={diff:.3g} loading_info={problems or 'clean'}")
    worst[name] = diff
print("max over all folders:", max(worst.values()), "folders:", len(worst))
