// Reading JSON files with errors that name the file and the position, and typed field access
// with errors that name the JSON path. Used by every loader (config, tokenizer, index files).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace automodel {

using json = nlohmann::ordered_json;  // keeps key order, so files written back read the same

// Parses a JSON file. Throws automodel::Error "<file>: invalid JSON at line L, column C: ...".
json read_json_file(const std::filesystem::path& path);
// Parses JSON text; `what` names the source in errors.
json parse_json(std::string_view text, const std::string& what);
// Writes JSON atomically (temporary file + rename), indented like HF (2 spaces) with a final newline.
void write_json_file(const std::filesystem::path& path, const json& value, int indent = 2);
// Writes bytes to path via a temporary file in the same folder and a rename, so a crash never
// leaves a half-written file under the final name.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// JSON type name as a person would say it ("string", "number", "object", ...).
std::string json_type_name(const json& v);

}  // namespace automodel
