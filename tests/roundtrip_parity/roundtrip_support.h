// Helpers shared by the round-trip suites: file bytes, bitwise tensor comparison, fixture
// discovery.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/hub/checkpoint.h"
#include "automodel/hub/json_file.h"
#include "fixtures.h"

namespace automodel::testing {

inline std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << p;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Same dtype, shape and bytes.
inline ::testing::AssertionResult bit_identical(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    return ::testing::AssertionFailure() << "dtype " << dtype_name(a.dtype()) << " vs " << dtype_name(b.dtype());
  if (a.shape() != b.shape()) return ::testing::AssertionFailure() << "shape " << a.shape().str() << " vs " << b.shape().str();
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  if (ca.nbytes() && std::memcmp(ca.raw_data(), cb.raw_data(), size_t(ca.nbytes())) != 0)
    return ::testing::AssertionFailure() << "bytes differ";
  return ::testing::AssertionSuccess();
}

// Every tensor of `a` is in `b` bit for bit, and the name sets are equal.
inline void expect_same_checkpoint(const Checkpoint& a, const Checkpoint& b, const std::string& what) {
  std::vector<std::string> na = a.names(), nb = b.names();
  std::sort(na.begin(), na.end());
  std::sort(nb.begin(), nb.end());
  EXPECT_EQ(na, nb) << what << ": tensor names differ";
  for (const auto& name : na) {
    if (b.contains(name)) {
      EXPECT_TRUE(bit_identical(a.tensor(name), b.tensor(name))) << what << ": " << name;
    }
  }
}

// Fixture model folders (every subfolder with a config.json), sorted.
inline std::vector<std::filesystem::path> fixture_models(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> out;
  for (const auto& de : std::filesystem::directory_iterator(root / "models"))
    if (de.is_directory() && std::filesystem::exists(de.path() / "config.json")) out.push_back(de.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace automodel::testing
