// tokenizer_load: how long loading a large tokenizer.json takes (read + parse + build every
// component, including the model's hash tables), against the reference of parsing the same
// file into an nlohmann::json DOM and nothing else, measured in the same run.
//
// usage: tokenizer_load [--repeat N] FILE...   (default: the llama3 and qwen3 fixtures)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "automodel/tokenizers/tokenizer.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

template <class F>
double best_of(int repeat, F&& f) {
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, ms_since(t0));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 5;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
      repeat = std::max(1, std::atoi(argv[++i]));
    else
      files.emplace_back(argv[i]);
  }
  if (files.empty()) {
    // The fixtures sit next to the repository (../shared/fixtures), as for the tests.
    fs::path root = fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "fixtures";
    if (const char* env = std::getenv("AUTOMODEL_FIXTURES")) root = env;
    files = {root / "tokenizers/llama3/tokenizer.json", root / "tokenizers/qwen3/tokenizer.json"};
  }
  double total = 0, total_ref = 0;
  for (const fs::path& f : files) {
    if (!fs::exists(f)) {
      std::fprintf(stderr, "tokenizer_load: %s not found\n", f.c_str());
      return 1;
    }
    const double load_ms = best_of(repeat, [&] { auto t = automodel::tokenizers::Tokenizer::from_file(f); });
    const double ref_ms = best_of(repeat, [&] { auto j = nlohmann::json::parse(read_file(f)); });
    std::printf("%-60s %8.1f MB  load %7.1f ms   nlohmann::json parse only %7.1f ms   ratio %.2f\n", f.c_str(),
                double(fs::file_size(f)) / 1e6, load_ms, ref_ms, load_ms / ref_ms);
    total += load_ms;
    total_ref += ref_ms;
  }
  std::printf("total: load %.1f ms, reference %.1f ms (best of %d)\n", total, total_ref, repeat);
  return 0;
}
