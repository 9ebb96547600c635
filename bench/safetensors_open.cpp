// safetensors_open: how long opening a large safetensors file takes (mmap + header parse +
// validation + building a view of every tensor), and proof that opening does not read the
// tensor data.
//
// It writes a ~2 GB file of 300 tensors (or uses --file PATH), evicts it from the page cache
// (posix_fadvise DONTNEED after fsync), then:
//   reference: open() + read() of the 8-byte length and the header alone, parse nothing;
//   measured:  SafetensorsFile::open + tensor(name) for every tensor.
// It reports both times, their ratio, major page faults during the measured open, and how many
// of the data pages mincore() finds resident afterwards (0% = the data was not read).
//
// usage: safetensors_open [--file PATH] [--size-mb N] [--tensors N] [--repeat N] [--keep]
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "automodel/core/error.h"
#include "automodel/hub/safetensors.h"

namespace fs = std::filesystem;
using automodel::SafetensorsFile;
using automodel::Tensor;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

long major_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_majflt;
}

void drop_from_page_cache(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

// Writes `count` BF16/F32 tensors totalling about `total_bytes` with the project's writer. The
// tensor contents are a repeating pattern: the bench measures opening, not writing.
void write_big_file(const fs::path& path, uint64_t total_bytes, int count) {
  automodel::NamedTensors tensors;
  const uint64_t per = total_bytes / uint64_t(count);
  for (int i = 0; i < count; ++i) {
    const bool bf16 = i % 3 != 0;
    const int64_t cols = 1024;
    const int64_t rows = std::max<int64_t>(1, int64_t(per / (bf16 ? 2 : 4) / uint64_t(cols)));
    Tensor t = Tensor::empty({rows, cols}, bf16 ? automodel::DType::BF16 : automodel::DType::F32);
    std::memset(t.mutable_raw_data(), i & 0x7f, size_t(t.nbytes()));
    tensors.emplace_back("model.layers." + std::to_string(i / 10) + ".w" + std::to_string(i % 10) + ".weight",
                         std::move(t));
  }
  automodel::save_safetensors(path, tensors);
}

// The reference: what any reader must do at least — open, read the length, read the header.
double read_header_only(const fs::path& path) {
  const auto t0 = Clock::now();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) automodel::fail(path.string(), ": cannot open");
  uint64_t n = 0;
  if (::read(fd, &n, 8) != 8) automodel::fail(path.string(), ": short read");
  std::string header(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, header.data() + got, n - got);
    if (r <= 0) break;
    got += size_t(r);
  }
  ::close(fd);
  return ms_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path file;
  uint64_t size_mb = 2048;
  int count = 300, repeat = 5;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--file") file = next();
    else if (a == "--size-mb") size_mb = std::stoull(next());
    else if (a == "--tensors") count = std::stoi(next());
    else if (a == "--repeat") repeat = std::max(1, std::stoi(next()));
    else if (a == "--keep") keep = true;
    else {
      std::fprintf(stderr, "usage: %s [--file PATH] [--size-mb N] [--tensors N] [--repeat N] [--keep]\n", argv[0]);
      return 2;
    }
  }
  try {
    bool made = false;
    if (file.empty()) {
      file = fs::temp_directory_path() / ("automodel-bench-" + std::to_string(::getpid()) + ".safetensors");
      std::printf("writing %llu MB in %d tensors to %s ...\n", (unsigned long long)size_mb, count, file.c_str());
      const auto t0 = Clock::now();
      write_big_file(file, size_mb << 20, count);
      made = true;
      std::printf("  written in %.0f ms\n", ms_since(t0));
    }
    const uint64_t file_size = fs::file_size(file);

    std::vector<double> ref_ms, open_ms;
    long faults = 0;
    double resident_pct = 0;
    size_t tensors = 0;
    for (int r = 0; r < repeat; ++r) {
      drop_from_page_cache(file);
      ref_ms.push_back(read_header_only(file));
      drop_from_page_cache(file);
      const long f0 = major_faults();
      const auto t0 = Clock::now();
      const auto st = SafetensorsFile::open(file);
      std::vector<Tensor> views;
      views.reserve(st.entries().size());
      for (const auto& e : st.entries()) views.push_back(st.tensor(e.name));
      open_ms.push_back(ms_since(t0));
      faults = major_faults() - f0;
      tensors = views.size();

      // Residency of the data section (after the header) right after opening.
      const auto* base = st.mapped_file()->data();
      const size_t page = size_t(::sysconf(_SC_PAGESIZE));
      const size_t data_begin = (st.data_start() + page - 1) / page * page;
      const size_t len = st.mapped_file()->size() > data_begin ? st.mapped_file()->size() - data_begin : 0;
      std::vector<unsigned char> vec((len + page - 1) / page);
      size_t resident = 0;
      if (len > 0 && ::mincore(const_cast<std::byte*>(base + data_begin), len, vec.data()) == 0)
        for (unsigned char v : vec) resident += v & 1;
      resident_pct = vec.empty() ? 0 : 100.0 * double(resident) / double(vec.size());
    }
    std::sort(ref_ms.begin(), ref_ms.end());
    std::sort(open_ms.begin(), open_ms.end());
    const double ref = ref_ms[ref_ms.size() / 2], open = open_ms[open_ms.size() / 2];
    std::printf("file: %.2f GB, %zu tensors (page cache dropped before every run; median of %d)\n",
                double(file_size) / 1e9, tensors, repeat);
    std::printf("reference (read() of the header only): %8.3f ms\n", ref);
    std::printf("SafetensorsFile::open + all views:     %8.3f ms   (ratio %.2fx the reference)\n", open,
                ref > 0 ? open / ref : 0.0);
    std::printf("major page faults during open: %ld; data pages resident after open: %.3f%%\n", faults, resident_pct);
    std::printf("%s\n", open < 50.0 ? "OK: open is under 50 ms" : "SLOW: open took 50 ms or more");
    if (made && !keep) fs::remove(file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "safetensors_open: %s\n", e.what());
    return 1;
  }
  return 0;
}
