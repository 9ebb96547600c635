// safetensors files: a validating, lazy, zero-copy reader and a deterministic writer that
// produces the same bytes as Hugging Face's `safetensors` for the same tensors.
//
// Format: 8-byte little-endian header length N, N bytes of JSON
//   {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, ...}
// then the data section; offsets are relative to its start.
//
// Reading follows the reference Rust crate's rules exactly (header at most 100 MB; tensors,
// sorted by offset, stored back to back from 0 and covering the whole data section; byte length
// == product(shape) * dtype size), and additionally rejects duplicate names and fields, which the
// reference silently collapses. Opening reads only the header: tensor data is touched when a
// kernel reads it, through the memory map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "automodel/core/mapped_file.h"
#include "automodel/core/tensor.h"

namespace automodel {

// The header length limit of the reference implementation.
inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

// Where one tensor lives in a safetensors file.
struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  uint64_t begin = 0;  // data_offsets, relative to the data section
  uint64_t end = 0;
  uint64_t nbytes() const { return end - begin; }
};

// A parsed and validated header.
struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;          // in data-offset order
  std::map<std::string, std::string> metadata;    // "__metadata__" (empty when absent)
  uint64_t data_start = 0;                        // 8 + N: file offset of the data section
  uint64_t data_size = 0;                         // bytes of the data section
};

// Parses and validates the header of a whole safetensors file held in `file` (only the first
// 8 + N bytes are read; the size is needed to check that the tensors cover the data section).
// `what` names the file in errors. This is the entry point the fuzzer drives.
SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file, const std::string& what);

// One memory-mapped safetensors file.
class SafetensorsFile {
 public:
  // Maps the file and validates its header. Throws automodel::Error naming the file.
  static SafetensorsFile open(const std::filesystem::path& path);

  const std::string& path() const { return file_->path(); }
  const std::vector<SafetensorsEntry>& entries() const { return header_.entries; }
  std::vector<std::string> names() const;  // in data-offset order
  bool contains(std::string_view name) const { return index_.count(std::string(name)) != 0; }
  const SafetensorsEntry& entry(std::string_view name) const;  // throws naming file and tensor
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  uint64_t data_start() const { return header_.data_start; }
  const std::shared_ptr<const MappedFile>& mapped_file() const { return file_; }

  // A read-only tensor in the stored dtype that views the mapped bytes (no copy). A tensor
  // whose bytes are not aligned to its element size (possible only in files not written by
  // HF or by us) is copied into aligned owned memory instead, so kernels never read misaligned
  // data.
  Tensor tensor(std::string_view name) const;

 private:
  SafetensorsFile() = default;
  std::shared_ptr<const MappedFile> file_;
  SafetensorsHeader header_;
  std::unordered_map<std::string, size_t> index_;
};

// Tensors in state-dict order (the order decides sharding; the order inside a file is fixed by
// the writer).
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Writes one safetensors file atomically (temporary name in the same folder, then rename), streaming
// tensor bytes. Header metadata is {"format": "pt"} plus `metadata` (a "format" key there
// wins). Tensors are laid out like the reference writer: by dtype alignment, largest first,
// then by name, so the bytes equal what HF writes for the same tensors. Metadata keys are
// written sorted (the reference writes them in hash order, so only a single key is comparable).
void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// The exact bytes save_safetensors would write before the tensor data: 8-byte length + padded JSON.
std::string safetensors_header_bytes(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata);

// Parses a shard size like huggingface_hub / transformers: "5GB" (decimal units KB, MB, GB, TB,
// case-insensitive, fractional values allowed: "1.5GB"), binary units "KiB", "MiB", "GiB", "TiB",
// or a plain number of bytes. Throws naming the string.
uint64_t parse_shard_size(std::string_view text);

// The default of transformers 4.x save_pretrained.
inline constexpr uint64_t kDefaultMaxShardSize = 5'000'000'000;

struct SavedCheckpoint {
  std::vector<std::string> files;  // file names written, in shard order
  bool sharded = false;            // an index file was written
  uint64_t total_size = 0;         // sum of tensor byte sizes (index metadata.total_size)
};

// Writes tensors into `dir` like transformers' save_pretrained: `model.safetensors` when
// everything fits in one shard, else `model-00001-of-0000N.safetensors` ... plus
// `model.safetensors.index.json` ({"metadata": {"total_size"}, "weight_map"}, keys sorted,
// 2-space indent, like HF). Shards are filled greedily in the given order
// (huggingface_hub.split_torch_state_dict_into_shards); a tensor larger than the limit gets a
// shard of its own. Every file is written atomically. Afterwards, shard files of an older save
// that are no longer part of this one are removed (as HF does), and so is a stale
// `model.safetensors` / index of the other layout (HF leaves those, which makes a re-saved
// folder load the old weights).
SavedCheckpoint save_safetensors_sharded(const std::filesystem::path& dir, const NamedTensors& tensors,
                                         uint64_t max_shard_size = kDefaultMaxShardSize,
                                         const std::map<std::string, std::string>& metadata = {});

}  // namespace automodel
