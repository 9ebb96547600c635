// Element-wise optimizer updates on float32 arrays, in torch 1.13's float32 operation order.
// Every scalar argument is already rounded to float32 the way torch rounds a Python scalar
// operand (double computed in Python, then cast to the tensor's dtype).
//
// Where torch's vectorised CPU kernel is a fused multiply-add (`add_(x, alpha=a)` is
// fmadd(x, a, self); `addcmul_` compiles to fma(value * t1, t2, self)), these use std::fma, so
// the results are bit-identical with torch's on FMA hardware (x86-64-v3 and newer, every
// AArch64). The translation unit is compiled with -ffp-contract=off so that no other
// multiply-add is fused.
#pragma once

#include <cstdint>

namespace automodel::train::kernels {

struct AdamWScalars {
  float decay;        // 1 - lr * weight_decay
  float beta1;
  float one_minus_beta1;
  float beta2;
  float one_minus_beta2;
  float bias_correction2_sqrt;
  float eps;
  float neg_step_size;  // -lr / bias_correction1
};

// p *= decay; m = m*b1 + (1-b1)*g; v = v*b2 + (1-b2)*g*g; [vmax = max(vmax, v)];
// p += (-step_size * m) / (sqrt(v or vmax) / bc2_sqrt + eps). max_v is null without amsgrad.
void adamw(float* p, const float* g, float* m, float* v, float* max_v, int64_t n, const AdamWScalars& s);

struct SGDScalars {
  float weight_decay;   // 0: no decay term
  float momentum;       // 0: no buffer
  float one_minus_dampening;
  float neg_lr;
  bool nesterov;
  bool first_step;      // the buffer is initialised to the (decayed) gradient
};

// d = g [+ wd*p]; buf = first ? d : buf*mom + (1-damp)*d; d = nesterov ? d + mom*buf : buf;
// p += -lr * d. buf is null when momentum == 0.
void sgd(float* p, const float* g, float* buf, int64_t n, const SGDScalars& s);

// dst[i] = float32 -> bf16 / f16, round to nearest even.
void round_to_bf16(const float* src, uint16_t* dst, int64_t n);
void round_to_f16(const float* src, uint16_t* dst, int64_t n);

}  // namespace automodel::train::kernels
