#include "automodel/nn/layers.h"

#include "automodel/core/autograd.h"

namespace automodel::nn {

Linear Linear::load(const VarBuilder& vb, int64_t in, int64_t out, bool with_bias, double init_std) {
  Linear l;
  l.weight = vb.get("weight", {out, in}, ParamInit::normal(init_std));
  if (with_bias) l.bias = vb.get("bias", {out}, ParamInit::zeros());
  attach_lora(vb, l, in, out, l.weight, /*fan_in_fan_out=*/false);
  return l;
}

Tensor Linear::effective_weight() const {
  if (weight_in_out.defined() && autograd::requires_grad(weight_in_out)) return weight_in_out.transpose(0, 1);
  return weight;
}

std::vector<Tensor> forward_shared_input(const Tensor& x, const std::vector<const Linear*>& modules) {
  std::vector<Tensor> ws, bs;
  for (const Linear* m : modules) {
    if (m->lora) {  // adapters add their own products: module by module
      std::vector<Tensor> ys;
      for (const Linear* each : modules) ys.push_back(each->forward(x));
      return ys;
    }
    ws.push_back(m->effective_weight());
    bs.push_back(m->bias);
  }
  return ops::linear_group(x, ws, bs);
}

Embedding Embedding::load(const VarBuilder& vb, int64_t num, int64_t dim, double init_std, int64_t padding_idx) {
  Embedding e;
  const bool fresh = vb.creating() && !vb.contains("weight");
  e.weight = vb.get("weight", {num, dim}, ParamInit::normal(init_std));
  if (fresh && padding_idx >= 0 && padding_idx < num) {
    Tensor row = e.weight.select(0, padding_idx);  // HF zeroes the padding row at init
    row.copy_from(Tensor::zeros({dim}, e.weight.dtype()));
  }
  if (padding_idx >= 0 && padding_idx < num) e.padding_idx = padding_idx;
  return e;
}

RmsNorm RmsNorm::load(const VarBuilder& vb, int64_t dim, double eps, ops::RmsNormStyle style) {
  RmsNorm n;
  n.weight = vb.get("weight", {dim},
                    style == ops::RmsNormStyle::kUnitOffset ? ParamInit::zeros() : ParamInit::ones());
  n.eps = eps;
  n.style = style;
  return n;
}

LayerNorm LayerNorm::load(const VarBuilder& vb, int64_t dim, double eps, bool with_weight, bool with_bias) {
  LayerNorm n;
  if (with_weight) n.weight = vb.get("weight", {dim}, ParamInit::ones());
  if (with_bias) n.bias = vb.get("bias", {dim}, ParamInit::zeros());
  n.eps = eps;
  return n;
}

}  // namespace automodel::nn
