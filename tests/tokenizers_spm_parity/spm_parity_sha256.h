// sha256 of a fixture file, for checking the meta record's file hashes.
#pragma once

#include <filesystem>
#include <string>

#include "hub/sha256.h"

namespace spm_parity {
inline std::string sha256_file(const std::filesystem::path& p) { return automodel::hub_detail::sha256_file_hex(p); }
}  // namespace spm_parity
