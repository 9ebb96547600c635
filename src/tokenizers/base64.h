// Standard base64 (RFC 4648, with padding) decoding, for precompiled_charsmap.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace automodel::tokenizers {

// nullopt when `text` is not valid padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace automodel::tokenizers
