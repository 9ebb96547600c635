// A one-line download progress bar on stderr (name, bytes, percent, rate), drawn only when
// stderr is a terminal so logs and pipes stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace automodel::hub_detail {

class ProgressBar {
 public:
  // Draws nothing unless `wanted` and stderr is a terminal.
  ProgressBar(std::string label, bool wanted);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `done` counts bytes already in the file, resumed ones included.
  void update(std::uint64_t done, std::optional<std::uint64_t> total);
  void finish();  // final state and a newline

 private:
  void draw(bool final);

  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::uint64_t done_ = 0;
  std::optional<std::uint64_t> total_;
  std::optional<std::uint64_t> first_done_;  // where this session started (for the rate)
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// 1234567 -> "1.23 MB" (decimal units, like huggingface_hub's tqdm bars).
std::string human_bytes(double bytes);

}  // namespace automodel::hub_detail
