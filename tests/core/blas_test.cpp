// The GEMM backend must run kernels that use the CPU's vector units: Debian's OpenBLAS 0.3.21
// falls back to SSE3 "Prescott" kernels on CPUs newer than its table (5x slower sgemm).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "automodel/core/blas.h"

namespace automodel {
namespace {

bool contains_any(const std::string& s, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (s.find(n) != std::string::npos) return true;
  return false;
}

TEST(Blas, KernelsMatchTheCpu) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) GTEST_SKIP() << "OPENBLAS_CORETYPE is set by the user";
  const std::string d = blas_description();
  EXPECT_NE(d.find("OpenBLAS"), std::string::npos) << d;
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512cd");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx512) {
    EXPECT_TRUE(contains_any(d, {"SkylakeX", "Cooperlake", "SapphireRapids"})) << d;
  } else if (avx2) {
    EXPECT_TRUE(contains_any(d, {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"})) << d;
  } else {
    GTEST_SKIP() << "CPU without AVX2: " << d;
  }
}

}  // namespace
}  // namespace automodel
