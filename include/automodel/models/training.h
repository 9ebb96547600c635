// Getting a loaded model ready for fine-tuning.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "automodel/core/autograd.h"
#include "automodel/models/causal_lm.h"

namespace automodel {

// Gives every parameter in `params` owned, writable storage (a checkpoint is memory-mapped
// read-only), converted to `dtype` when given (float32 for f32 training of a bf16 checkpoint),
// and marks it requires_grad when `trainable(name)` says so (all when empty); the others are
// frozen. Every holder of a parameter sees the change (Tensor::replace_data), tied weights
// included.
void make_trainable(const NamedTensors& params, std::optional<DType> dtype = std::nullopt,
                    const std::function<bool(const std::string&)>& trainable = {});

}  // namespace automodel
