// OpenBLAS set-up. Debian 12 ships OpenBLAS 0.3.21 built with DYNAMIC_ARCH: at load time it
// picks a kernel set from the CPU's family/model numbers. CPUs newer than its table (for
// example Xeon family 6 model 207, which has AVX-512 and AMX) fall back to the "Prescott"
// (SSE3) kernels, which run sgemm about 5x slower than the SkylakeX (AVX-512) kernels on the
// same machine (18 vs 99 GFLOP/s single-threaded, 512^3, measured here). When the detected
// kernel set is weaker than what the CPU's feature flags support, we switch it once through
// OpenBLAS's own dynamic-arch entry points, which read OPENBLAS_CORETYPE exactly as they do at
// start-up. A user's explicit OPENBLAS_CORETYPE always wins, and an OpenBLAS without these
// entry points (a single-target build) is left as it is (weak symbols).
#include "automodel/core/blas.h"

#include <cblas.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

extern "C" {
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));
char* openblas_get_config(void) __attribute__((weak));
}

namespace automodel {

namespace {

std::string g_detected;  // what the library chose by itself
bool g_switched = false;

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512cd");
}
bool cpu_has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

bool is_one_of(const std::string& name, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (name == n) return true;
  return false;
}

// The kernel set to use instead of `detected`, or "" to keep it.
std::string better_core(const std::string& detected) {
  if (cpu_has_avx512()) {
    if (is_one_of(detected, {"SkylakeX", "Cooperlake", "SapphireRapids"})) return "";
    return "SkylakeX";
  }
  if (cpu_has_avx2()) {
    if (is_one_of(detected, {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"})) return "";
    return "Haswell";
  }
  return "";
}

void configure() {
  g_detected = openblas_get_corename();
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr && gotoblas_dynamic_init != nullptr &&
      gotoblas_dynamic_quit != nullptr) {
    const std::string core = better_core(g_detected);
    if (!core.empty()) {
      ::setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
      gotoblas_dynamic_quit();
      gotoblas_dynamic_init();
      ::unsetenv("OPENBLAS_CORETYPE");
      g_switched = std::string(openblas_get_corename()) != g_detected;
    }
  }
  openblas_set_num_threads(1);
}

}  // namespace

void ensure_blas_ready() {
  static std::once_flag once;
  std::call_once(once, configure);
}

std::string blas_description() {
  ensure_blas_ready();
  std::string version = "OpenBLAS";
  if (openblas_get_config != nullptr) {
    // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64": keep name + version.
    std::string cfg = openblas_get_config();
    const auto sp = cfg.find(' ', cfg.find(' ') + 1);
    version = cfg.substr(0, sp);
  }
  std::string s = version + " " + openblas_get_corename() + " kernels";
  if (g_switched) s += " (library detected " + g_detected + "; chosen by automodel from the CPU's feature flags)";
  return s;
}

}  // namespace automodel
