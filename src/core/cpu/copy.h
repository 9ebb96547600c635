// CPU copy kernel: dst[i] = convert(src[i]) for any strides and dtypes of equal shape.
#pragma once

#include "automodel/core/tensor.h"

namespace automodel::cpu {
void copy(Tensor& dst, const Tensor& src);
}
