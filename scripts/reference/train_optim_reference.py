#!/usr/bin/env python3
"""Reference numbers for tests/train/ (optimizers, gradient clipping, LR schedules).

Run with Debian's PyTorch 1.13 and the refpy transformers tree:
    . ../shared/tools/refpy/env.sh && /usr/bin/python3 scripts/reference/train_optim_reference.py
It prints C++ initialisers that are pasted into tests/train/*_test.cpp. float32 results are
printed as their bit patterns (the optimizers must match torch bit for bit), LRs with 17
significant digits (exact doubles).

Inputs are formulas that C++ evaluates identically (integer arithmetic, then one double
division/addition, then a cast to float32), so no input array needs pasting:
    param_init(i) = float32((((i * 37) % 23) - 11) / 7.0)
    grad(i, t)    = float32((((i * 13 + t * 7) % 19) - 9) / 9.0 + i * 0.001) / t**decay
"""
import math
import struct

import numpy as np
import torch

N = 37  # two of torch's 16-float vector blocks plus a 5-element scalar tail


def param_init(n=N):
    return torch.tensor([np.float32((((i * 37) % 23) - 11) / 7.0) for i in range(n)], dtype=torch.float32)


def grad(t, n=N, shrink=False):
    vals = [(((i * 13 + t * 7) % 19) - 9) / 9.0 + i * 0.001 for i in range(n)]
    if shrink:  # gradients that shrink over time, so amsgrad's max differs from exp_avg_sq
        vals = [v / t for v in vals]
    return torch.tensor([np.float32(v) for v in vals], dtype=torch.float32)


def bits(t):
    a = t.detach().contiguous().view(-1).numpy().astype(np.float32)
    return "{" + ", ".join("0x%08x" % struct.unpack("<I", struct.pack("<f", float(x)))[0] for x in a) + "}"


def bits16(t):
    a = t.detach().contiguous().view(-1).view(torch.int16).numpy()
    return "{" + ", ".join("0x%04x" % (int(x) & 0xFFFF) for x in a) + "}"


def emit(name, value):
    print("// %s\n%s;" % (name, value))


def run_adamw(tag, steps, shrink, **kw):
    p = param_init().clone().requires_grad_(True)
    opt = torch.optim.AdamW([p], foreach=False, **kw)
    for t in range(1, steps + 1):
        p.grad = grad(t, shrink=shrink)
        opt.step()
        if t == 1:
            emit(tag + " param after step 1", bits(p))
    st = opt.state[p]
    emit(tag + " param after %d steps" % steps, bits(p))
    emit(tag + " exp_avg", bits(st["exp_avg"]))
    emit(tag + " exp_avg_sq", bits(st["exp_avg_sq"]))
    if kw.get("amsgrad"):
        emit(tag + " max_exp_avg_sq", bits(st["max_exp_avg_sq"]))


def run_sgd(tag, steps, **kw):
    p = param_init().clone().requires_grad_(True)
    opt = torch.optim.SGD([p], foreach=False, **kw)
    for t in range(1, steps + 1):
        p.grad = grad(t)
        opt.step()
    emit(tag + " param after %d steps" % steps, bits(p))
    buf = opt.state[p].get("momentum_buffer")
    if buf is not None:
        emit(tag + " momentum_buffer", bits(buf))


def run_bf16_master(steps):
    # What f32 master weights mean: AdamW on a float32 copy of the bf16 parameter; the bf16
    # parameter is the master rounded to nearest even after each step.
    master = param_init().to(torch.bfloat16).float().requires_grad_(True)
    opt = torch.optim.AdamW([master], lr=1e-2, weight_decay=0.1, foreach=False)
    for t in range(1, steps + 1):
        master.grad = grad(t)
        opt.step()
    emit("bf16 master after %d steps" % steps, bits(master))
    emit("bf16 param after %d steps" % steps, bits16(master.detach().to(torch.bfloat16)))


def run_clip():
    a = torch.zeros(N, requires_grad=True)
    b = torch.zeros(3, 4, requires_grad=True)
    for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (0.5, math.inf), (2.0, 1.0)]:
        a.grad = grad(1)
        b.grad = grad(2, n=12).view(3, 4)
        total = torch.nn.utils.clip_grad_norm_([a, b], max_norm, norm_type)
        tag = "clip max_norm=%g norm_type=%g" % (max_norm, norm_type)
        emit(tag + " total", "%.9g" % total.item() + "  /* bits %s */" % bits(total.view(1)))
        emit(tag + " grad a", bits(a.grad))
        emit(tag + " grad b", bits(b.grad))


def run_schedules():
    from transformers.optimization import get_scheduler

    cases = [
        ("constant", 3, 10, {}),
        ("constant_with_warmup", 3, 10, {}),
        ("linear", 3, 10, {}),
        ("cosine", 3, 10, {}),
        ("cosine", 0, 7, {"num_cycles": 1.5}),
        ("cosine_with_restarts", 2, 11, {"num_cycles": 3}),
        ("polynomial", 2, 9, {"lr_end": 1e-5, "power": 2.0}),
        ("inverse_sqrt", 4, 0, {}),
        ("cosine_with_min_lr", 3, 10, {"min_lr": 1e-4}),
        ("cosine_with_min_lr", 1, 6, {"min_lr_rate": 0.25}),
    ]
    for name, warmup, total, kw in cases:
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.AdamW([p], lr=3e-3)
        sched = get_scheduler(name, opt, num_warmup_steps=warmup, num_training_steps=total,
                              scheduler_specific_kwargs=kw or None)
        lrs = [opt.param_groups[0]["lr"]]
        for _ in range(13):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        emit("schedule %s warmup=%d total=%d %s lr at steps 0..13" % (name, warmup, total, kw),
             "{" + ", ".join("%.17g" % x for x in lrs) + "}")
    # TrainingArguments.get_warmup_steps (transformers 4.47, training_args.py):
    #   warmup_steps if warmup_steps > 0 else math.ceil(num_training_steps * warmup_ratio)
    for total, ratio in [(95, 0.1), (30, 0.1), (10, 0.0)]:
        emit("get_warmup_steps(%d) with warmup_ratio %g" % (total, ratio), str(math.ceil(total * ratio)))

if __name__ == "__main__":
    run_adamw("adamw wd=0.1", 5, False, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, amsgrad=False)
    run_adamw("adamw amsgrad", 6, True, lr=3e-3, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.01, amsgrad=True)
    run_sgd("sgd momentum", 4, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)
    run_sgd("sgd nesterov", 4, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.001)
    run_sgd("sgd plain", 3, lr=0.1)
    run_bf16_master(4)
    run_clip()
    run_schedules()
