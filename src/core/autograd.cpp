// The autograd engine: grad mode, leaf bookkeeping, node recording and the backward walk.
// Backward formulas live beside each op's forward (src/core/ops/*.cpp); view backward is in
// tensor.cpp with the views.
#include "automodel/core/autograd.h"

#include <algorithm>
#include <atomic>
#include <unordered_map>

#include "cpu/copy.h"

namespace automodel {

namespace {
thread_local bool g_grad_enabled = true;
std::atomic<uint64_t> g_sequence{0};

AutogradMeta* meta_of(const Tensor& t) { return t.defined() ? t.autograd_meta().get() : nullptr; }

// dst += src (both float32 contiguous, same shape).
void accumulate_into(Tensor& dst, const Tensor& src) {
  float* d = dst.mutable_data<float>();
  const float* s = src.data<float>();
  for (int64_t i = 0, n = dst.numel(); i < n; ++i) d[i] += s[i];
}

Tensor as_f32_contiguous(const Tensor& t) {
  Tensor c = t.dtype() == DType::F32 ? t.contiguous() : t.to(DType::F32);
  return c;
}

// An owned copy, so later accumulation never writes into a tensor someone else holds.
Tensor owned_f32(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), DType::F32, t.device());
  out.copy_from(t);
  return out;
}
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

namespace autograd {

void set_requires_grad(const Tensor& t, bool on) {
  AM_CHECK(t.defined(), "set_requires_grad: undefined tensor");
  AM_CHECK(dtype_info(t.dtype()).is_floating, "set_requires_grad: only floating tensors can require grad, got ",
           dtype_name(t.dtype()), " ", t.shape().str());
  AutogradMeta* m = meta_of(t);
  AM_CHECK(!(m && m->grad_fn), "set_requires_grad: ", t.str(),
           " is the output of an op; only leaves (parameters) can be marked (use detach first)");
  if (!m) {
    if (!on) return;
    auto fresh = std::make_shared<AutogradMeta>();
    const_cast<Tensor&>(t).set_autograd_meta(fresh);
    m = fresh.get();
  }
  m->requires_grad = on;
}

bool requires_grad(const Tensor& t) {
  const AutogradMeta* m = meta_of(t);
  return m && (m->requires_grad || m->grad_fn);
}

bool is_leaf(const Tensor& t) {
  const AutogradMeta* m = meta_of(t);
  return !(m && m->grad_fn);
}

Tensor grad(const Tensor& t) {
  const AutogradMeta* m = meta_of(t);
  return m ? m->grad : Tensor();
}

void set_grad(const Tensor& t, const Tensor& g) {
  AM_CHECK(t.defined(), "set_grad: undefined tensor");
  if (g.defined())
    AM_CHECK(g.shape() == t.shape(), "set_grad: gradient ", g.shape().str(), " does not match the tensor ",
             t.shape().str());
  AutogradMeta* m = meta_of(t);
  if (!m) {
    auto fresh = std::make_shared<AutogradMeta>();
    const_cast<Tensor&>(t).set_autograd_meta(fresh);
    m = fresh.get();
  }
  m->grad = g.defined() ? owned_f32(g) : Tensor();
}

void zero_grad(const Tensor& t) {
  if (AutogradMeta* m = meta_of(t)) m->grad = Tensor();
}

Tensor detach(const Tensor& t) {
  if (!requires_grad(t)) return t;
  // A fresh handle over the same storage and geometry, with no autograd slot.
  return Tensor::from_storage(t.storage(), t.dtype(), t.shape(), t.strides(), t.offset());
}

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (requires_grad(*t)) return true;
  return false;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (requires_grad(t)) return true;
  return false;
}

void record(Tensor& output, const char* op, std::vector<Tensor> inputs, BackwardFn backward) {
  auto node = std::make_shared<Node>();
  node->op = op;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  node->sequence = g_sequence.fetch_add(1);
  auto m = std::make_shared<AutogradMeta>();
  m->grad_fn = std::move(node);
  output.set_autograd_meta(std::move(m));
}

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const Tensor g = as_f32_contiguous(grad);
  const int n = g.dim(), lead = n - shape.size();
  AM_CHECK(lead >= 0, "internal: sum_to ", g.shape().str(), " -> ", shape.str());
  // Strides of the target for every grad dim: 0 where the target is broadcast.
  Strides tgt = contiguous_strides(shape);
  std::vector<int64_t> st(size_t(n), 0);
  for (int i = lead; i < n; ++i) {
    const int64_t ts = shape[i - lead];
    AM_CHECK(ts == g.size(i) || ts == 1, "internal: sum_to ", g.shape().str(), " -> ", shape.str());
    st[size_t(i)] = ts == 1 ? 0 : tgt[i - lead];
  }
  Tensor out = Tensor::zeros(shape, DType::F32, g.device());
  float* o = out.mutable_data<float>();
  const float* p = g.data<float>();
  std::vector<int64_t> idx(size_t(n), 0);
  int64_t off = 0;
  for (int64_t i = 0, total = g.numel(); i < total; ++i) {
    o[off] += p[i];
    for (int d = n - 1; d >= 0; --d) {
      if (++idx[size_t(d)] < g.size(d)) {
        off += st[size_t(d)];
        break;
      }
      off -= st[size_t(d)] * (g.size(d) - 1);
      idx[size_t(d)] = 0;
    }
  }
  return out;
}

void backward(const Tensor& root, const Tensor& grad_output) {
  AM_CHECK(root.defined(), "backward: undefined tensor");
  AM_CHECK(requires_grad(root), "backward: ", root.str(),
           " does not require grad (no parameter requiring grad took part in computing it, or grad mode was off)");
  Tensor seed;
  if (grad_output.defined()) {
    AM_CHECK(grad_output.shape() == root.shape(), "backward: grad_output ", grad_output.shape().str(),
             " does not match ", root.shape().str());
    seed = owned_f32(grad_output);
  } else {
    AM_CHECK(root.numel() == 1, "backward: grad can be implicitly created only for a one-element tensor, got ",
             root.shape().str());
    seed = Tensor::full(root.shape(), 1.0, DType::F32);
  }
  NoGradGuard no_grad;  // backward formulas are computed with ops; they must not record

  // Pending gradient per node; nodes are processed in decreasing creation order, which is a
  // topological order of the graph (an op's inputs always exist before it runs).
  std::unordered_map<Node*, Tensor> pending;
  std::vector<std::shared_ptr<Node>> heap;  // max-heap on sequence
  auto by_sequence = [](const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) {
    return a->sequence < b->sequence;
  };
  auto deliver = [&](const Tensor& target, Tensor g) {
    AutogradMeta* m = meta_of(target);
    if (!m || !g.defined()) return;
    AM_CHECK(g.shape() == target.shape(), "internal: gradient ", g.shape().str(), " for a tensor of shape ",
             target.shape().str());
    if (m->grad_fn) {
      auto it = pending.find(m->grad_fn.get());
      if (it == pending.end()) {
        pending.emplace(m->grad_fn.get(), owned_f32(g));
        heap.push_back(m->grad_fn);
        std::push_heap(heap.begin(), heap.end(), by_sequence);
      } else {
        accumulate_into(it->second, as_f32_contiguous(g));
      }
    } else if (m->requires_grad) {
      if (!m->grad.defined()) m->grad = owned_f32(g);
      else accumulate_into(m->grad, as_f32_contiguous(g));
    }
  };
  deliver(root, seed);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), by_sequence);
    std::shared_ptr<Node> node = std::move(heap.back());
    heap.pop_back();
    auto it = pending.find(node.get());
    Tensor g = std::move(it->second);
    pending.erase(it);
    AM_CHECK(node->backward, "backward through ", node->op,
             " a second time: the graph was freed by the first backward (run the forward again)");
    std::vector<Tensor> grads = node->backward(g);
    AM_CHECK(grads.size() == node->inputs.size(), "internal: ", node->op, " backward returned ", grads.size(),
             " gradients for ", node->inputs.size(), " inputs");
    node->backward = nullptr;  // frees what the formula saved
    std::vector<Tensor> inputs = std::move(node->inputs);
    node->inputs.clear();
    for (size_t i = 0; i < inputs.size(); ++i)
      if (requires_grad(inputs[i])) deliver(inputs[i], std::move(grads[i]));
  }
}

}  // namespace autograd
}  // namespace automodel
