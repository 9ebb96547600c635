// Where the golden fixtures live: $AUTOMODEL_FIXTURES, else ../shared/fixtures next to the
// repository. Suites that need them call AM_REQUIRE_FIXTURES() and skip with a message when
// they are absent, so a fresh clone without shared/ still passes.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <unistd.h>

namespace automodel::testing {

inline std::optional<std::filesystem::path> fixtures_root() {
  std::filesystem::path p;
  if (const char* env = std::getenv("AUTOMODEL_FIXTURES"); env && *env)
    p = env;
  else
    p = std::filesystem::path(AUTOMODEL_SOURCE_DIR) / ".." / "shared" / "fixtures";
  std::error_code ec;
  if (!std::filesystem::is_directory(p, ec)) return std::nullopt;
  return std::filesystem::weakly_canonical(p, ec);
}

// A fresh scratch directory under the test temp dir, removed by the caller or left for debugging.
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto base = std::filesystem::temp_directory_path() / ("automodel-test-" + std::to_string(::getpid()));
  auto d = base / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace automodel::testing

#define AM_REQUIRE_FIXTURES(var)                                                                  \
  auto var##_opt = ::automodel::testing::fixtures_root();                                        \
  if (!var##_opt) GTEST_SKIP() << "fixtures not found (set AUTOMODEL_FIXTURES or provide ../shared/fixtures)"; \
  const std::filesystem::path var = *var##_opt
