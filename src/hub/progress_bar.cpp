#include "progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace automodel::hub_detail {

std::string human_bytes(double bytes) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000.0 && u < 4) {
    bytes /= 1000.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", bytes, units[u]);
  return buf;
}

ProgressBar::ProgressBar(std::string label, bool wanted)
    : label_(std::move(label)), enabled_(wanted && ::isatty(STDERR_FILENO) == 1) {
  if (label_.size() > 40) label_ = "..." + label_.substr(label_.size() - 37);
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fputc('\n', stderr);
}

void ProgressBar::update(std::uint64_t done, std::optional<std::uint64_t> total) {
  if (!first_done_) first_done_ = done;
  done_ = done;
  if (total) total_ = total;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(false);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  draw(true);
  std::fputc('\n', stderr);
  drawn_ = false;
}

void ProgressBar::draw(bool final) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fresh = double(done_ - first_done_.value_or(done_));
  const std::string rate = secs > 0.05 ? human_bytes(fresh / secs) + "/s" : std::string("-");
  std::string amount = human_bytes(double(done_));
  std::string pct;
  if (total_ && *total_ > 0) {
    amount += " / " + human_bytes(double(*total_));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%3.0f%%", 100.0 * double(done_) / double(*total_));
    pct = buf;
  }
  std::fprintf(stderr, "\r\033[2K%-40s %s %s  %s%s", label_.c_str(), pct.c_str(), amount.c_str(), rate.c_str(),
               final ? "" : "");
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace automodel::hub_detail
