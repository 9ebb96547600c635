// The BLAS library behind large matrix products (OpenBLAS), as this process configured it.
#pragma once

#include <string>

namespace automodel {

// Prepares OpenBLAS once per process: single-threaded (our ThreadPool splits the work, so the
// two never compete for cores) and running kernels that match this CPU (see blas.cpp for why
// automodel may have to pick them). Called by the kernels before their first BLAS call.
void ensure_blas_ready();

// One line for benchmark and `info` output, e.g.
// "OpenBLAS 0.3.21 SkylakeX kernels (library detected Prescott; chosen by automodel from CPUID)".
std::string blas_description();

}  // namespace automodel
