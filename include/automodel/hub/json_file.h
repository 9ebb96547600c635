// Reading JSON files with errors that name the file and the position, and typed field access
// with errors that name the JSON path. Used by every loader (config, tokenizer, index files).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace automodel {

using json = nlohmann::ordered_json;  // keeps key order, so files written back read the same

// A JSON object built key by key in linear time. ordered_json finds a key by scanning every key
// before it, so inserting n keys one at a time (its parser does the same) costs O(n²): seconds
// for a 50k-token vocab.json. A key set again keeps its first position and takes the new value,
// as json.loads and Python dict assignment do.
class JsonObjectBuilder {
 public:
  // The value under `key`, created null when new. Valid until the next call.
  json& operator[](std::string key);
  size_t size() const { return object_.size(); }
  // The object built so far; the builder is left empty.
  json take();

 private:
  json object_ = json::object();
  std::unordered_map<std::string, size_t> index_;  // built once the object outgrows a short scan
};

// Parses a JSON file. Throws automodel::Error "<file>: invalid JSON at line L, column C: ...".
// Objects of any size parse in linear time (JsonObjectBuilder).
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
