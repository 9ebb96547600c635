// Reading safetensors: header validation (the reference crate's rules plus duplicate detection)
// and zero-copy tensor views over the memory map.
#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_set>
#include <vector>

#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"
#include "automodel/hub/safetensors.h"

namespace automodel {

namespace {

constexpr uint64_t kLengthBytes = 8;

// Dtypes the safetensors format defines but automodel has no DType for: recognised so the
// error says "unsupported" rather than "unknown".
constexpr std::string_view kKnownUnsupported[] = {"F4",          "F6_E2M3",     "F6_E3M2", "F8_E8M0",
                                                  "F8_E4M3FNUZ", "F8_E5M2FNUZ", "U16",     "U32",
                                                  "U64",         "C64"};

std::string supported_dtype_list() {
  std::string s;
  for (DType t : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I16, DType::I8,
                  DType::U8, DType::BOOL, DType::F8_E4M3, DType::F8_E5M2}) {
    if (!s.empty()) s += ", ";
    s += dtype_info(t).safetensors_name;
  }
  return s;
}

// Records the first duplicate key of any object while nlohmann builds the DOM (it would
// otherwise silently keep one of the values).
struct DuplicateKeyFinder {
  std::vector<std::unordered_set<std::string>> open_objects;  // keys seen, per open object
  std::string top_level_key;                                   // the tensor being parsed
  std::string duplicate;                                       // first duplicate key found
  std::string duplicate_owner;  // the top-level key owning it ("" = a top-level duplicate)

  bool on_event(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start: open_objects.emplace_back(); break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key: {
        if (open_objects.empty() || !parsed.is_string()) break;
        const auto& key = parsed.get_ref<const std::string&>();
        const bool is_top = open_objects.size() == 1;
        if (!open_objects.back().insert(key).second && duplicate.empty()) {
          duplicate = key;
          duplicate_owner = is_top ? "" : top_level_key;
        }
        if (is_top) top_level_key = key;
        break;
      }
      default: break;
    }
    return true;
  }
};

uint64_t read_u64_le(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | uint64_t(std::to_integer<uint8_t>(p[i]));
  return v;
}

// A JSON integer that is >= 0, or nullopt (floats, negatives, other types).
std::optional<uint64_t> as_unsigned(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i >= 0) return uint64_t(i);
  }
  return std::nullopt;
}

SafetensorsEntry parse_entry(const std::string& what, const std::string& name, const json& info) {
  const std::string where = str_cat(what, ": tensor '", name, "'");
  AM_CHECK(info.is_object(), where, ": expected an object with dtype, shape and data_offsets, found ",
           json_type_name(info));
  SafetensorsEntry e;
  e.name = name;

  auto field = [&](const char* key) -> const json& {
    auto it = info.find(key);
    AM_CHECK(it != info.end(), where, ": missing field '", key, "'");
    return *it;
  };

  const json& dtype = field("dtype");
  AM_CHECK(dtype.is_string(), where, ": 'dtype' must be a string, found ", json_type_name(dtype));
  const auto& dtype_text = dtype.get_ref<const std::string&>();
  if (auto t = dtype_from_safetensors(dtype_text)) {
    e.dtype = *t;
  } else {
    const bool known =
        std::find(std::begin(kKnownUnsupported), std::end(kKnownUnsupported), dtype_text) != std::end(kKnownUnsupported);
    if (known)
      fail(where, ": dtype '", dtype_text, "' is valid safetensors but not supported by automodel (supported: ",
           supported_dtype_list(), ")");
    fail(where, ": unknown dtype '", dtype_text, "' (expected one of ", supported_dtype_list(), ")");
  }

  const json& shape = field("shape");
  AM_CHECK(shape.is_array(), where, ": 'shape' must be an array of integers, found ", json_type_name(shape));
  AM_CHECK(shape.size() <= size_t(kMaxDims), where, ": shape has ", shape.size(), " dimensions; automodel supports at most ",
           kMaxDims);
  // Element count with overflow checks: every size must fit int64 and so must the byte count.
  uint64_t numel = 1;
  bool overflow = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    auto d = as_unsigned(shape[i]);
    AM_CHECK(d.has_value(), where, ": shape[", i, "] must be a non-negative integer, found ",
             shape[i].is_number() ? shape[i].dump() : json_type_name(shape[i]));
    AM_CHECK(*d <= uint64_t(std::numeric_limits<int64_t>::max()), where, ": shape[", i, "] = ", *d, " is too large");
    e.shape.push_back(int64_t(*d));
    if (*d == 0) {
      numel = 0;
      overflow = false;
    } else if (numel != 0 && !overflow) {
      if (numel > uint64_t(std::numeric_limits<int64_t>::max()) / *d) overflow = true;
      else numel *= *d;
    }
  }
  const uint64_t elem_bytes = uint64_t(dtype_size(e.dtype));
  AM_CHECK(!overflow && numel <= uint64_t(std::numeric_limits<int64_t>::max()) / elem_bytes, where, ": shape ",
           shape.dump(), " of ", dtype_text, " overflows a 64-bit byte count");

  const json& offsets = field("data_offsets");
  AM_CHECK(offsets.is_array() && offsets.size() == 2, where,
           ": 'data_offsets' must be an array of two integers [begin, end], found ",
           offsets.is_array() ? str_cat("an array of ", offsets.size()) : json_type_name(offsets));
  auto begin = as_unsigned(offsets[0]);
  auto end = as_unsigned(offsets[1]);
  AM_CHECK(begin && end, where, ": 'data_offsets' must be non-negative integers, found ", offsets.dump());
  AM_CHECK(*begin <= *end, where, ": data_offsets ", offsets.dump(), " end before they begin");
  e.begin = *begin;
  e.end = *end;
  const uint64_t needed = numel * elem_bytes;
  AM_CHECK(e.nbytes() == needed, where, ": data_offsets ", offsets.dump(), " hold ", e.nbytes(), " bytes, but shape ",
           e.shape.str(), " of ", dtype_text, " needs ", needed, " bytes");
  return e;
}

}  // namespace

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file, const std::string& what) {
  AM_CHECK(file.size() >= kLengthBytes, what, ": file is ", file.size(),
           " bytes, too small for the 8-byte header length of a safetensors file");
  const uint64_t n = read_u64_le(file.data());
  AM_CHECK(n <= kSafetensorsMaxHeaderBytes, what, ": header length ", n, " exceeds the limit of ",
           kSafetensorsMaxHeaderBytes, " bytes (not a safetensors file, or a corrupt one)");
  AM_CHECK(n <= file.size() - kLengthBytes, what, ": header length ", n, " runs past the end of the file (",
           file.size(), " bytes)");

  const char* text = reinterpret_cast<const char*>(file.data() + kLengthBytes);
  DuplicateKeyFinder dups;
  json header;
  try {
    header = json::parse(
        text, text + n, [&dups](int, json::parse_event_t ev, json& parsed) { return dups.on_event(ev, parsed); });
  } catch (const json::parse_error& e) {
    std::string msg = e.what();
    if (auto p = msg.find(": "); p != std::string::npos) msg = msg.substr(p + 2);
    fail(what, ": header is not valid JSON: ", msg);
  } catch (const json::exception& e) {  // out_of_range.406: number too large for a double
    std::string msg = e.what();
    if (auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
    fail(what, ": header is not valid JSON: ", msg);
  }
  AM_CHECK(header.is_object(), what, ": header must be a JSON object, found ", json_type_name(header));
  if (!dups.duplicate.empty()) {
    if (dups.duplicate_owner.empty()) fail(what, ": header names tensor '", dups.duplicate, "' more than once");
    fail(what, ": tensor '", dups.duplicate_owner, "': field '", dups.duplicate, "' appears more than once");
  }

  SafetensorsHeader h;
  h.data_start = kLengthBytes + n;
  h.data_size = file.size() - h.data_start;
  h.entries.reserve(header.size());
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      const json& m = it.value();
      AM_CHECK(m.is_object(), what, ": '__metadata__' must be an object of strings, found ", json_type_name(m));
      for (auto mi = m.begin(); mi != m.end(); ++mi) {
        AM_CHECK(mi.value().is_string(), what, ": '__metadata__' value '", mi.key(), "' must be a string, found ",
                 json_type_name(mi.value()));
        h.metadata.emplace(mi.key(), mi.value().get<std::string>());
      }
      continue;
    }
    SafetensorsEntry e = parse_entry(what, it.key(), it.value());
    AM_CHECK(e.end <= h.data_size, what, ": tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end,
             "] run past the end of the data section (", h.data_size, " bytes)");
    h.entries.push_back(std::move(e));
  }

  // The reference rule: sorted by offsets, tensors are stored back to back from 0 and cover
  // the data section exactly (no gaps, no overlaps, no trailing bytes).
  std::sort(h.entries.begin(), h.entries.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected_begin = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const auto& e : h.entries) {
    if (e.begin != expected_begin) {
      if (e.begin < expected_begin)
        fail(what, ": tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end, "] overlap tensor '",
             previous->name, "' [", previous->begin, ", ", previous->end, "]");
      fail(what, ": tensor '", e.name, "': data_offsets begin at ", e.begin, " but the previous tensor ",
           previous ? str_cat("'", previous->name, "' ends") : std::string("data"), " at ", expected_begin,
           " (tensors must be stored back to back, without gaps)");
    }
    expected_begin = e.end;
    previous = &e;
  }
  AM_CHECK(expected_begin == h.data_size, what, ": the data section is ", h.data_size, " bytes but the tensors cover ",
           expected_begin, " (", h.data_size - expected_begin, " bytes are not part of any tensor)");
  return h;
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  SafetensorsFile f;
  f.file_ = MappedFile::open(path.string());
  f.header_ = parse_safetensors_header(std::span<const std::byte>(f.file_->data(), f.file_->size()), path.string());
  f.index_.reserve(f.header_.entries.size());
  for (size_t i = 0; i < f.header_.entries.size(); ++i) f.index_.emplace(f.header_.entries[i].name, i);
  return f;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(header_.entries.size());
  for (const auto& e : header_.entries) out.push_back(e.name);
  return out;
}

const SafetensorsEntry& SafetensorsFile::entry(std::string_view name) const {
  auto it = index_.find(std::string(name));
  AM_CHECK(it != index_.end(), path(), ": no tensor named '", name, "' (the file has ", header_.entries.size(),
           " tensors)");
  return header_.entries[it->second];
}

Tensor SafetensorsFile::tensor(std::string_view name) const {
  const SafetensorsEntry& e = entry(name);
  const uint64_t file_offset = header_.data_start + e.begin;
  const int elem = dtype_size(e.dtype);
  if (file_offset % uint64_t(elem) == 0) {
    return Tensor::from_storage(Storage::mapped(file_, file_offset, e.nbytes()), e.dtype, e.shape);
  }
  Tensor owned = Tensor::empty(e.shape, e.dtype);
  if (e.nbytes() > 0) std::memcpy(owned.mutable_raw_data(), file_->data() + file_offset, e.nbytes());
  return owned;
}

}  // namespace automodel
