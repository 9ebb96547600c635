// Reverse-mode automatic differentiation over the op layer (design: docs/ops-and-autograd.md).
//
// A tensor that requires grad is a leaf (a parameter) or the output of an op one of whose
// inputs requires grad; such an output carries a Node (its grad_fn) that knows how to turn the
// gradient of the output into gradients of the inputs. backward(loss) walks those nodes from
// the loss in reverse creation order and accumulates float32 gradients into the leaves'
// grad(), whatever the parameter's dtype (bf16 weights get f32 gradients, which is what f32
// master weights need). With grad mode off (NoGradGuard) or no input requiring grad an op
// records nothing: one branch per op.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "automodel/core/tensor.h"

namespace automodel {

// Turns the gradient of an op's output into one gradient per recorded input (an undefined
// tensor where an input gets none). Gradients are float32 and have the input's shape.
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
  std::string op;              // op name, for error messages
  std::vector<Tensor> inputs;  // the inputs the gradients flow to (handles share AutogradMeta)
  BackwardFn backward;         // released after use: a graph is backpropagated once
  uint64_t sequence = 0;       // creation order; reverse order is a topological order
};

struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;                    // leaves: the accumulated float32 gradient (undefined: none yet)
  std::shared_ptr<Node> grad_fn;  // op outputs: how to backpropagate through them
};

// ---- grad mode ---------------------------------------------------------------------------
// Thread-local, on by default (like torch).
bool grad_enabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

namespace autograd {

// Marks a floating leaf tensor as a parameter to differentiate (or not: freezing). Throws for
// integer tensors and for op outputs.
void set_requires_grad(const Tensor& t, bool on = true);
// True for a leaf marked above and for an op output that carries a grad_fn.
bool requires_grad(const Tensor& t);
bool is_leaf(const Tensor& t);
// The accumulated float32 gradient of a leaf (undefined until a backward reached it).
Tensor grad(const Tensor& t);
void set_grad(const Tensor& t, const Tensor& g);
// Drops the gradient (torch's zero_grad(set_to_none=True)).
void zero_grad(const Tensor& t);
// The same data without the graph: a new handle that does not require grad.
Tensor detach(const Tensor& t);

// Backpropagates from `root`: a one-element tensor (seed 1) or any tensor with an explicit
// `grad_output` of its shape. Gradients add up in the leaves across calls (accumulation) until
// zero_grad. The graph is freed on the way (retain_graph=False).
void backward(const Tensor& root, const Tensor& grad_output = Tensor());

// ---- for op implementations ----------------------------------------------------------------
// True when grad mode is on and any defined input requires grad.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);
// Attaches a node to `output` (called by an op after its kernel ran, only if needs_grad()).
void record(Tensor& output, const char* op, std::vector<Tensor> inputs, BackwardFn backward);
// Sums a broadcast gradient back to `shape` (leading dims dropped, stretched dims reduced).
Tensor sum_to(const Tensor& grad, const Shape& shape);

}  // namespace autograd
}  // namespace automodel
