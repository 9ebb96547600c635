// Writing safetensors: the reference layout (byte-identical to HF for the same tensors),
// streamed to a temporary file that is renamed into place.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"
#include "automodel/hub/safetensors.h"

namespace automodel {

namespace {

// Position of a dtype in the reference crate's Dtype enum, which is ordered by alignment; the
// reference writer sorts tensors by this rank, descending, then by name.
int reference_dtype_rank(DType t) {
  switch (t) {
    case DType::BOOL: return 0;
    case DType::U8: return 4;
    case DType::I8: return 5;
    case DType::F8_E5M2: return 6;
    case DType::F8_E4M3: return 7;
    case DType::I16: return 11;
    case DType::F16: return 13;
    case DType::BF16: return 14;
    case DType::I32: return 15;
    case DType::F32: return 17;
    case DType::F64: return 19;
    case DType::I64: return 20;
  }
  fail("safetensors: dtype ", dtype_name(t), " cannot be written");
}

void check_tensors(const NamedTensors& tensors) {
  std::unordered_set<std::string_view> seen;
  for (const auto& [name, t] : tensors) {
    AM_CHECK(!name.empty(), "safetensors: a tensor has an empty name");
    AM_CHECK(name != "__metadata__", "safetensors: '__metadata__' is reserved and cannot name a tensor");
    AM_CHECK(t.defined(), "safetensors: tensor '", name, "' is undefined");
    AM_CHECK(seen.insert(name).second, "safetensors: tensor name '", name, "' is given more than once");
  }
}

// Indices of `tensors` in file order.
std::vector<size_t> file_order(const NamedTensors& tensors) {
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int ra = reference_dtype_rank(tensors[a].second.dtype());
    const int rb = reference_dtype_rank(tensors[b].second.dtype());
    if (ra != rb) return ra > rb;
    return tensors[a].first < tensors[b].first;
  });
  return order;
}

std::string header_bytes(const NamedTensors& tensors, const std::vector<size_t>& order,
                         const std::map<std::string, std::string>& user_metadata) {
  std::map<std::string, std::string> metadata = user_metadata;
  metadata.emplace("format", "pt");  // a user "format" wins

  // serde_json's compact form, which nlohmann's string escaping reproduces.
  std::string h = "{\"__metadata__\":{";
  bool first = true;
  for (const auto& [k, v] : metadata) {
    if (!first) h += ',';
    first = false;
    h += json(k).dump() + ':' + json(v).dump();
  }
  h += '}';
  uint64_t offset = 0;
  for (size_t i : order) {
    const auto& [name, t] = tensors[i];
    const uint64_t n = uint64_t(t.nbytes());
    h += ',' + json(name).dump() + ":{\"dtype\":\"" + std::string(dtype_info(t.dtype()).safetensors_name) +
         "\",\"shape\":[";
    for (int d = 0; d < t.dim(); ++d) h += (d ? "," : "") + std::to_string(t.size(d));
    h += "],\"data_offsets\":[" + std::to_string(offset) + ',' + std::to_string(offset + n) + "]}";
    offset += n;
  }
  h += '}';
  h.resize((h.size() + 7) / 8 * 8, ' ');
  AM_CHECK(h.size() <= kSafetensorsMaxHeaderBytes, "safetensors: header of ", h.size(), " bytes exceeds the limit of ",
           kSafetensorsMaxHeaderBytes);
  std::string out(8, '\0');
  uint64_t len = h.size();
  for (int i = 0; i < 8; ++i) out[i] = char((len >> (8 * i)) & 0xff);
  return out + h;
}

// A file written under a temporary name and renamed on commit(); removed if never committed.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path)
      : path_(std::move(path)), tmp_(path_.string() + ".tmp." + std::to_string(::getpid())) {
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    AM_CHECK(fd_ >= 0, tmp_, ": cannot create: ", std::strerror(errno));
  }
  ~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      // Linux write() moves at most ~2 GiB per call.
      ssize_t w = ::write(fd_, p, std::min<size_t>(n, size_t(1) << 30));
      if (w < 0 && errno == EINTR) continue;
      AM_CHECK(w > 0, path_.string(), ": write failed: ", std::strerror(errno));
      p += w;
      n -= size_t(w);
    }
  }
  void commit() {
    AM_CHECK(::fsync(fd_) == 0, path_.string(), ": cannot flush: ", std::strerror(errno));
    const int rc = ::close(fd_);
    fd_ = -1;
    AM_CHECK(rc == 0, path_.string(), ": cannot close: ", std::strerror(errno));
    AM_CHECK(::rename(tmp_.c_str(), path_.c_str()) == 0, path_.string(), ": cannot rename from temporary file: ",
             std::strerror(errno));
    committed_ = true;
  }

 private:
  std::filesystem::path path_;
  std::string tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

void write_tensor_bytes(AtomicFile& out, const Tensor& tensor) {
  Tensor t = tensor.device().is_cpu() ? tensor : tensor.to(Device::cpu());
  if (!t.is_contiguous()) t = t.contiguous();
  if (t.nbytes() > 0) out.write(t.raw_data(), size_t(t.nbytes()));
}

void write_one_file(const std::filesystem::path& path, const NamedTensors& tensors,
                    const std::map<std::string, std::string>& metadata) {
  const auto order = file_order(tensors);
  const std::string header = header_bytes(tensors, order, metadata);
  AtomicFile out(path);
  out.write(header.data(), header.size());
  for (size_t i : order) write_tensor_bytes(out, tensors[i].second);
  out.commit();
}

std::string shard_name(size_t index, size_t count) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", index + 1, count);
  return buf;
}

// "model-00002-of-00005.safetensors"
bool is_shard_name(const std::string& name) {
  constexpr std::string_view prefix = "model-", mid = "-of-", suffix = ".safetensors";
  if (name.size() != prefix.size() + 5 + mid.size() + 5 + suffix.size()) return false;
  auto digits = [&](size_t at) {
    for (size_t i = at; i < at + 5; ++i)
      if (name[i] < '0' || name[i] > '9') return false;
    return true;
  };
  return name.starts_with(prefix) && digits(prefix.size()) && name.compare(prefix.size() + 5, mid.size(), mid) == 0 &&
         digits(prefix.size() + 5 + mid.size()) && name.ends_with(suffix);
}

}  // namespace

std::string safetensors_header_bytes(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  check_tensors(tensors);
  return header_bytes(tensors, file_order(tensors), metadata);
}

void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  check_tensors(tensors);
  write_one_file(path, tensors, metadata);
}

uint64_t parse_shard_size(std::string_view text) {
  std::string s(text);
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  std::string upper = s;
  for (auto& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));

  struct Unit {
    std::string_view suffix;
    double multiplier;
  };
  // Binary units first: "GIB" also ends in "IB", never in "GB".
  static constexpr Unit kUnits[] = {{"TIB", 1099511627776.0}, {"GIB", 1073741824.0}, {"MIB", 1048576.0},
                                    {"KIB", 1024.0},          {"TB", 1e12},           {"GB", 1e9},
                                    {"MB", 1e6},              {"KB", 1e3},            {"B", 1.0}};
  double multiplier = 1.0;
  std::string number = s;
  for (const auto& u : kUnits) {
    if (upper.size() > u.suffix.size() && std::string_view(upper).ends_with(u.suffix)) {
      multiplier = u.multiplier;
      number = s.substr(0, s.size() - u.suffix.size());
      break;
    }
  }
  while (!number.empty() && std::isspace(static_cast<unsigned char>(number.back()))) number.pop_back();
  size_t used = 0;
  double value = 0;
  bool ok = !number.empty() && (std::isdigit(static_cast<unsigned char>(number[0])) || number[0] == '.');
  if (ok) {
    try {
      value = std::stod(number, &used);
    } catch (const std::exception&) {
      ok = false;
    }
  }
  AM_CHECK(ok && used == number.size() && value >= 0, "max_shard_size '", text,
           "': expected a size like \"5GB\", \"500MB\", \"10GiB\" or a number of bytes");
  const double bytes = value * multiplier;
  AM_CHECK(bytes >= 1 && bytes < 1.8e19, "max_shard_size '", text, "' must be at least 1 byte");
  return uint64_t(bytes);  // truncates like int(value * multiplier) in huggingface_hub
}

SavedCheckpoint save_safetensors_sharded(const std::filesystem::path& dir, const NamedTensors& tensors,
                                         uint64_t max_shard_size, const std::map<std::string, std::string>& metadata) {
  check_tensors(tensors);
  AM_CHECK(max_shard_size > 0, "max_shard_size must be positive");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  AM_CHECK(!ec, dir.string(), ": cannot create folder: ", ec.message());

  // huggingface_hub.split_torch_state_dict_into_shards: greedy in key order; an oversized
  // tensor becomes its own shard at once while the current shard keeps filling.
  std::vector<std::vector<size_t>> shards;
  std::vector<size_t> current;
  uint64_t current_size = 0, total_size = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t n = uint64_t(tensors[i].second.nbytes());
    total_size += n;
    if (n > max_shard_size) {
      shards.push_back({i});
      continue;
    }
    if (current_size + n > max_shard_size) {
      shards.push_back(std::move(current));
      current.clear();
      current_size = 0;
    }
    current.push_back(i);
    current_size += n;
  }
  if (!current.empty()) shards.push_back(std::move(current));

  SavedCheckpoint saved;
  saved.total_size = total_size;
  saved.sharded = shards.size() > 1;
  const auto index_path = dir / "model.safetensors.index.json";
  if (!saved.sharded) {
    write_one_file(dir / "model.safetensors", tensors, metadata);
    saved.files.push_back("model.safetensors");
  } else {
    json weight_map_sorted = json::object();
    std::map<std::string, std::string> weight_map;
    for (size_t s = 0; s < shards.size(); ++s) {
      const std::string name = shard_name(s, shards.size());
      NamedTensors shard;
      shard.reserve(shards[s].size());
      for (size_t i : shards[s]) {
        shard.push_back(tensors[i]);
        weight_map.emplace(tensors[i].first, name);
      }
      write_one_file(dir / name, shard, metadata);
      saved.files.push_back(name);
    }
    json index = json::object();
    index["metadata"] = json::object({{"total_size", total_size}});
    for (const auto& [k, v] : weight_map) weight_map_sorted[k] = v;
    index["weight_map"] = std::move(weight_map_sorted);
    // Python's json.dumps(index, indent=2, sort_keys=True) + "\n" (ASCII-escaped like Python).
    write_file_atomic(index_path, index.dump(2, ' ', true) + "\n");
  }

  // Remove what an earlier save left that this one does not own.
  const std::unordered_set<std::string> written(saved.files.begin(), saved.files.end());
  for (const auto& de : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = de.path().filename().string();
    if (!de.is_regular_file() || written.count(name)) continue;
    const bool stale = is_shard_name(name) || (saved.sharded && name == "model.safetensors") ||
                       (!saved.sharded && name == "model.safetensors.index.json");
    if (stale) std::filesystem::remove(de.path(), ec);
  }
  return saved;
}

}  // namespace automodel
