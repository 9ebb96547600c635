// tokenizer_bench: load time and encode throughput of our tokenizer.json pipeline against the HF
// Rust `tokenizers` (their native Node binding, @anush008/tokenizers) measured in the same run,
// on the same tokenizer files and the same corpus, and a check that both give the same ids.
//
//   load    Tokenizer::from_file vs Tokenizer.fromFile (median of --load-repeat; wall and CPU time)
//   single  every document encoded on one thread, no special tokens
//           (ours: encode() in a loop; HF: encodeBatch with TOKENIZERS_PARALLELISM=false; wall
//           and CPU time, the latter steadier on a shared machine)
//   batch   all documents in one batch on all cores (ours: encode_batch on the global
//           ThreadPool; HF: encodeBatch on its rayon pool)
//
// The corpus (>= 5 MB of mixed text, built deterministically without downloads): the
// repository's sources and docs (code, English), every input string of the tokenizer fixtures
// (many scripts, emoji, special-token look-alikes), and seeded synthetic documents mixing
// those with numbers, whitespace runs, CJK and emoji. It is written to a temporary JSON Lines
// file that the Node side reads.
//
// Rounds alternate HF and ours; the summary gives medians and the median of the per-round
// ratios (> 1: we are faster). The Node package is installed on first use with `npm ci` into
// --hf-dir (default: hf_tokenizers/ next to this program), from bench/hf_tokenizers/.
//
// usage: tokenizer_bench [--rounds N] [--load-repeat N] [--corpus-mb X] [--hf-dir DIR]
//                        [--no-hf] [--keep-corpus FILE] [TOKENIZER.json...]
//        (default tokenizers: the llama3 and qwen3 fixtures; fixtures from AUTOMODEL_FIXTURES
//        or ../shared/fixtures next to the repository)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "automodel/core/thread_pool.h"
#include "automodel/tokenizers/tokenizer.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using automodel::tokenizers::Tokenizer;

namespace {

const fs::path kRepoRoot = fs::path(__FILE__).parent_path().parent_path();

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// CPU time of the process (user + system): on a shared machine the steadier figure for the
// one-thread measurements (load counts its worker threads too, as HF's figure would).
double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

void append_utf8(std::string& s, uint32_t cp) {
  if (cp < 0x80) {
    s += char(cp);
  } else if (cp < 0x800) {
    s += char(0xc0 | (cp >> 6));
    s += char(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    s += char(0xe0 | (cp >> 12));
    s += char(0x80 | ((cp >> 6) & 0x3f));
    s += char(0x80 | (cp & 0x3f));
  } else {
    s += char(0xf0 | (cp >> 18));
    s += char(0x80 | ((cp >> 12) & 0x3f));
    s += char(0x80 | ((cp >> 6) & 0x3f));
    s += char(0x80 | (cp & 0x3f));
  }
}

std::vector<uint32_t> code_points(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    out.push_back(cp);
    i += n;
  }
  return out;
}

// splitmix64: a fixed, portable sequence (std distributions differ between libraries).
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

struct Corpus {
  std::vector<std::string> docs;
  size_t repo_bytes = 0, fixture_bytes = 0, synthetic_bytes = 0;
  size_t bytes() const { return repo_bytes + fixture_bytes + synthetic_bytes; }
};

// The repository's text files, sorted by path, each split at line ends into documents of at
// most 16 KB.
void add_repo_docs(Corpus& corpus, std::vector<std::string>& lines) {
  const std::set<std::string> exts = {".cpp", ".h", ".inc", ".md", ".txt", ".jinja", ".sh", ".cmake", ".py", ".mjs"};
  std::vector<fs::path> files;
  for (const char* dir : {"src", "include", "apps", "tests", "bench", "fuzz", "scripts", "docs"}) {
    if (!fs::is_directory(kRepoRoot / dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(kRepoRoot / dir))
      if (e.is_regular_file() && exts.count(e.path().extension().string()) && e.file_size() < (1u << 20))
        files.push_back(e.path());
  }
  for (const auto& e : fs::directory_iterator(kRepoRoot))
    if (e.is_regular_file() && exts.count(e.path().extension().string())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  constexpr size_t kMaxDoc = 16 * 1024;
  for (const fs::path& f : files) {
    const std::string text = read_file(f);
    if (text.empty() || !valid_utf8(text)) continue;
    std::string doc;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      end = end == std::string::npos ? text.size() : end + 1;
      const std::string_view line(text.data() + start, end - start);
      if (line.size() > 1) lines.emplace_back(line.substr(0, line.back() == '\n' ? line.size() - 1 : line.size()));
      if (!doc.empty() && doc.size() + line.size() > kMaxDoc) {
        corpus.repo_bytes += doc.size();
        corpus.docs.push_back(std::move(doc));
        doc.clear();
      }
      doc += line;
      start = end;
    }
    if (!doc.empty()) {
      corpus.repo_bytes += doc.size();
      corpus.docs.push_back(std::move(doc));
    }
  }
}

// Every string input of the fixtures' cases (texts, pairs, chat message contents) and the
// chat templates, once each.
std::vector<std::string> fixture_strings(const fs::path& fixtures) {
  std::set<std::string> out;
  std::vector<fs::path> families;
  if (fs::is_directory(fixtures / "tokenizers"))
    for (const auto& e : fs::directory_iterator(fixtures / "tokenizers"))
      if (e.is_directory()) families.push_back(e.path());
  std::sort(families.begin(), families.end());
  auto collect = [&](auto&& self, const nlohmann::json& j) -> void {
    if (j.is_string()) {
      const auto& s = j.get_ref<const std::string&>();
      if (!s.empty() && valid_utf8(s)) out.insert(s);
    } else if (j.is_array() || j.is_object()) {
      for (const auto& v : j) self(self, v);
    }
  };
  for (const fs::path& fam : families) {
    std::ifstream in(fam / "cases.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      nlohmann::json r = nlohmann::json::parse(line, nullptr, false);
      if (!r.is_object()) continue;
      for (const char* key : {"text", "pair", "text_pair", "texts", "text_pairs"})
        if (r.contains(key)) collect(collect, r[key]);
      if (r.contains("messages"))
        for (const auto& m : r["messages"])
          if (m.is_object() && m.contains("content")) collect(collect, m["content"]);
    }
    if (fs::exists(fam / "tokenizer_config.json")) {
      nlohmann::json cfg = nlohmann::json::parse(read_file(fam / "tokenizer_config.json"), nullptr, false);
      if (cfg.is_object() && cfg.contains("chat_template")) collect(collect, cfg["chat_template"]);
    }
  }
  return {out.begin(), out.end()};
}

std::string random_number(Rng& rng) {
  std::string s;
  const size_t digits = 1 + rng.below(12);
  for (size_t i = 0; i < digits; ++i) s += char('0' + rng.below(10));
  switch (rng.below(6)) {
    case 0:  // decimal
      s += '.';
      for (size_t i = 0, n = 1 + rng.below(6); i < n; ++i) s += char('0' + rng.below(10));
      break;
    case 1: {  // thousands separators
      std::string g;
      for (size_t i = 0; i < s.size(); ++i) {
        if (i > 0 && (s.size() - i) % 3 == 0) g += ',';
        g += s[i];
      }
      s = g;
      break;
    }
    case 2: {  // a date
      char buf[32];
      std::snprintf(buf, sizeof buf, "%04zu-%02zu-%02zu", 1900 + rng.below(200), 1 + rng.below(12), 1 + rng.below(28));
      s = buf;
      break;
    }
    case 3: {  // hex
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(rng.next() >> rng.below(60)));
      s = buf;
      break;
    }
    default:
      break;
  }
  return s;
}

std::string random_whitespace(Rng& rng) {
  static const char* kinds[] = {" ", "  ", "\t", "\n", "\r\n", "    ", "\u00a0", "\u3000"};
  std::string s;
  for (size_t i = 0, n = 1 + rng.below(8); i < n; ++i) s += kinds[rng.below(std::size(kinds))];
  return s;
}

// Seeded documents of 0.5 to 8 KB mixing fixture inputs, repository lines, numbers, whitespace
// runs, CJK and emoji until the corpus holds target_bytes.
void add_synthetic_docs(Corpus& corpus, const std::vector<std::string>& fixture, const std::vector<std::string>& lines,
                        size_t target_bytes) {
  std::vector<uint32_t> cjk, emoji;
  for (const std::string& s : fixture)
    for (uint32_t cp : code_points(s)) {
      if ((cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af))
        cjk.push_back(cp);
      else if (cp >= 0x1f000)
        emoji.push_back(cp);
    }
  for (uint32_t cp = 0x1f600; cp <= 0x1f64f; ++cp) emoji.push_back(cp);
  if (cjk.empty()) cjk.push_back(0x4e2d);
  Rng rng{42};
  while (corpus.bytes() < target_bytes) {
    const size_t size = 512 + rng.below(8 * 1024 - 512);
    std::string doc;
    while (doc.size() < size) {
      const size_t pick = rng.below(100);
      if (pick < 30 && !fixture.empty()) {
        doc += fixture[rng.below(fixture.size())];
      } else if (pick < 55 && !lines.empty()) {
        doc += lines[rng.below(lines.size())];
      } else if (pick < 70) {
        doc += random_number(rng);
      } else if (pick < 80) {
        doc += random_whitespace(rng);
        continue;
      } else if (pick < 92) {
        // CJK: mostly characters the fixtures use, some from the whole Unified Ideographs block.
        for (size_t i = 0, n = 2 + rng.below(40); i < n; ++i)
          append_utf8(doc, rng.below(4) == 0 ? uint32_t(0x4e00 + rng.below(0x9fff - 0x4e00)) : cjk[rng.below(cjk.size())]);
      } else {
        for (size_t i = 0, n = 1 + rng.below(5); i < n; ++i) {
          append_utf8(doc, emoji[rng.below(emoji.size())]);
          if (rng.below(8) == 0) append_utf8(doc, 0x1f3fb + uint32_t(rng.below(5)));  // skin tone
          if (rng.below(8) == 0) append_utf8(doc, 0x200d);                            // ZWJ
        }
      }
      const size_t sep = rng.below(10);
      doc += sep < 7 ? " " : sep < 9 ? "\n" : "\n\n";
    }
    corpus.synthetic_bytes += doc.size();
    corpus.docs.push_back(std::move(doc));
  }
}

Corpus build_corpus(const fs::path& fixtures, size_t target_bytes) {
  Corpus corpus;
  std::vector<std::string> lines;
  add_repo_docs(corpus, lines);
  const std::vector<std::string> fixture = fixture_strings(fixtures);
  for (const std::string& s : fixture) {
    corpus.fixture_bytes += s.size();
    corpus.docs.push_back(s);
  }
  add_synthetic_docs(corpus, fixture, lines, target_bytes);
  return corpus;
}

uint64_t fnv1a(const std::vector<std::string>& docs) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::string& d : docs) {
    for (unsigned char c : d) h = (h ^ c) * 0x100000001b3ULL;
    h = (h ^ 0xff) * 0x100000001b3ULL;
  }
  return h;
}

bool ensure_hf_installed(const fs::path& hf_dir) {
  if (fs::exists(hf_dir / "node_modules/@anush008/tokenizers/package.json")) return true;
  const fs::path src = kRepoRoot / "bench/hf_tokenizers";
  std::fprintf(stderr, "tokenizer_bench: installing @anush008/tokenizers into %s (npm ci)\n", hf_dir.c_str());
  fs::create_directories(hf_dir);
  for (const char* f : {"package.json", "package-lock.json"})
    fs::copy_file(src / f, hf_dir / f, fs::copy_options::overwrite_existing);
  const std::string cmd = "cd " + shell_quote(hf_dir.string()) + " && npm ci --no-audit --no-fund --loglevel=error 1>&2";
  return std::system(cmd.c_str()) == 0 &&
         fs::exists(hf_dir / "node_modules/@anush008/tokenizers/package.json");
}

struct Measurement {
  double load_ms = 0, single_ms = 0, batch_ms = 0;
  double load_cpu_ms = 0, single_cpu_ms = 0;
};

nlohmann::json run_hf(const fs::path& hf_dir, const fs::path& tokenizer, const fs::path& corpus_file, int load_repeat,
                      const fs::path& ids_out) {
  std::string cmd = "node " + shell_quote((kRepoRoot / "bench/hf_tokenizers/bench.mjs").string()) + " --modules " +
                    shell_quote(hf_dir.string()) + " --tokenizer " + shell_quote(tokenizer.string()) + " --corpus " +
                    shell_quote(corpus_file.string()) + " --load-repeat " + std::to_string(load_repeat);
  if (!ids_out.empty()) cmd += " --ids-out " + shell_quote(ids_out.string());
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return nullptr;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) return nullptr;
  return nlohmann::json::parse(out, nullptr, false);
}

// Documents whose ids differ between ours and HF's ids file (count + ids per document).
size_t count_mismatches(const std::vector<std::vector<int32_t>>& ours, const fs::path& ids_file, size_t& first_bad) {
  const std::string raw = read_file(ids_file);
  std::vector<uint32_t> words(raw.size() / 4);
  std::memcpy(words.data(), raw.data(), words.size() * 4);
  size_t k = 0, bad = 0;
  first_bad = SIZE_MAX;
  for (size_t d = 0; d < ours.size(); ++d) {
    bool same = k < words.size() && words[k] == ours[d].size() && k + 1 + ours[d].size() <= words.size();
    const size_t count = k < words.size() ? words[k] : 0;
    if (same)
      for (size_t i = 0; i < ours[d].size(); ++i) same = same && static_cast<int32_t>(words[k + 1 + i]) == ours[d][i];
    if (!same) {
      ++bad;
      if (first_bad == SIZE_MAX) first_bad = d;
    }
    k += 1 + count;
  }
  return bad;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 3, load_repeat = 5;
  double corpus_mb = 6.0;
  bool with_hf = true;
  fs::path hf_dir = fs::weakly_canonical(fs::absolute(fs::path(argv[0]))).parent_path() / "hf_tokenizers";
  fs::path keep_corpus;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--rounds" && has_value)
      rounds = std::max(1, std::atoi(argv[++i]));
    else if (a == "--load-repeat" && has_value)
      load_repeat = std::max(1, std::atoi(argv[++i]));
    else if (a == "--corpus-mb" && has_value)
      corpus_mb = std::max(0.1, std::atof(argv[++i]));
    else if (a == "--hf-dir" && has_value)
      hf_dir = fs::absolute(argv[++i]);
    else if (a == "--keep-corpus" && has_value)
      keep_corpus = argv[++i];
    else if (a == "--no-hf")
      with_hf = false;
    else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "tokenizer_bench: unknown option %s (see the header of bench/tokenizer_bench.cpp)\n", a.c_str());
      return 2;
    } else {
      files.emplace_back(a);
    }
  }
  fs::path fixtures = kRepoRoot.parent_path() / "shared" / "fixtures";
  if (const char* env = std::getenv("AUTOMODEL_FIXTURES")) fixtures = env;
  if (files.empty()) files = {fixtures / "tokenizers/llama3/tokenizer.json", fixtures / "tokenizers/qwen3/tokenizer.json"};
  for (const fs::path& f : files)
    if (!fs::exists(f)) {
      std::fprintf(stderr, "tokenizer_bench: %s not found\n", f.c_str());
      return 1;
    }
  if (with_hf && !ensure_hf_installed(hf_dir)) {
    std::fprintf(stderr, "tokenizer_bench: could not install the HF reference into %s (needs node and npm; "
                         "--no-hf measures ours alone)\n", hf_dir.c_str());
    return 1;
  }

  const Corpus corpus = build_corpus(fixtures, static_cast<size_t>(corpus_mb * 1e6));
  const double mb = double(corpus.bytes()) / 1e6;
  std::printf("corpus: %zu documents, %.2f MB (repository %.2f, fixture inputs %.2f, synthetic mix %.2f), fnv1a %016llx\n",
              corpus.docs.size(), mb, corpus.repo_bytes / 1e6, corpus.fixture_bytes / 1e6, corpus.synthetic_bytes / 1e6,
              static_cast<unsigned long long>(fnv1a(corpus.docs)));
  std::printf("threads: ours %d (AUTOMODEL_NUM_THREADS or cores), HF rayon default (cores)\n",
              automodel::ThreadPool::global().num_threads());

  const fs::path tmp = fs::temp_directory_path() / ("automodel_tokenizer_bench_" + std::to_string(getpid()));
  fs::create_directories(tmp);
  const fs::path corpus_file = keep_corpus.empty() ? tmp / "corpus.jsonl" : keep_corpus;
  {
    std::ofstream out(corpus_file, std::ios::binary);
    for (const std::string& d : corpus.docs) out << nlohmann::json(d).dump() << '\n';
  }

  int status = 0;
  for (const fs::path& file : files) {
    const std::string name = file.parent_path().filename().string();
    std::printf("\n== %s (%s, %.1f MB)\n", name.c_str(), file.c_str(), double(fs::file_size(file)) / 1e6);
    std::printf("%5s | %-29s | %-33s | %s\n", "round", "load ms: wall (cpu) ours / HF", "single MB/s: wall (cpu) ours / HF",
                "batch MB/s ours / HF");
    std::vector<double> ours_load, hf_load, ours_single, hf_single, ours_batch, hf_batch;
    std::vector<double> r_load, r_single, r_batch, r_load_cpu, r_single_cpu;
    for (int round = 0; round < rounds; ++round) {
      Measurement hf;
      const fs::path ids_file = round == 0 ? tmp / "hf_ids.bin" : fs::path();
      if (with_hf) {
        nlohmann::json r = run_hf(hf_dir, file, corpus_file, load_repeat, ids_file);
        if (!r.is_object()) {
          std::fprintf(stderr, "tokenizer_bench: the HF reference run failed\n");
          fs::remove_all(tmp);
          return 1;
        }
        if (r.value("bytes", size_t(0)) != corpus.bytes() || r.value("docs", size_t(0)) != corpus.docs.size())
          std::fprintf(stderr, "tokenizer_bench: HF read %zu documents / %zu bytes, expected %zu / %zu\n",
                       r.value("docs", size_t(0)), r.value("bytes", size_t(0)), corpus.docs.size(), corpus.bytes());
        hf = {r["load_ms"].get<double>(), r["single_ms"].get<double>(), r["batch_ms"].get<double>(),
              r["load_cpu_ms"].get<double>(), r["single_cpu_ms"].get<double>()};
      }

      Measurement ours;
      std::vector<double> loads, load_cpus;
      std::optional<Tokenizer> tok;
      for (int i = 0; i < load_repeat; ++i) {
        tok.reset();
        const auto t0 = Clock::now();
        const double c0 = cpu_ms();
        tok.emplace(Tokenizer::from_file(file));
        loads.push_back(ms_since(t0));
        load_cpus.push_back(cpu_ms() - c0);
      }
      ours.load_ms = median(loads);
      ours.load_cpu_ms = median(load_cpus);
      std::vector<std::vector<int32_t>> ids(corpus.docs.size());
      auto t0 = Clock::now();
      const double c0 = cpu_ms();
      for (size_t d = 0; d < corpus.docs.size(); ++d) ids[d] = tok->encode(corpus.docs[d], false).ids;
      ours.single_ms = ms_since(t0);
      ours.single_cpu_ms = cpu_ms() - c0;
      t0 = Clock::now();
      const auto batch = tok->encode_batch(corpus.docs, false);
      ours.batch_ms = ms_since(t0);
      size_t batch_diff = 0;
      for (size_t d = 0; d < corpus.docs.size(); ++d) batch_diff += batch[d].ids != ids[d];
      if (batch_diff) {
        std::printf("MISMATCH: our encode_batch differs from encode on %zu documents\n", batch_diff);
        status = 1;
      }
      if (round == 0) {
        size_t tokens = 0;
        for (const auto& v : ids) tokens += v.size();
        std::printf("tokens: %zu (%.2f bytes/token)\n", tokens, double(corpus.bytes()) / double(tokens));
        if (with_hf) {
          size_t first_bad;
          const size_t bad = count_mismatches(ids, ids_file, first_bad);
          std::printf("identical ids: %zu of %zu documents differ from HF\n", bad, corpus.docs.size());
          if (bad) {
            status = 1;
            std::printf("  first differing document #%zu: %s\n", first_bad,
                        nlohmann::json(corpus.docs[first_bad].substr(0, 200)).dump().c_str());
          }
        }
      }

      ours_load.push_back(ours.load_ms);
      ours_single.push_back(mb / (ours.single_ms / 1e3));
      ours_batch.push_back(mb / (ours.batch_ms / 1e3));
      if (with_hf) {
        hf_load.push_back(hf.load_ms);
        hf_single.push_back(mb / (hf.single_ms / 1e3));
        hf_batch.push_back(mb / (hf.batch_ms / 1e3));
        r_load.push_back(hf.load_ms / ours.load_ms);
        r_single.push_back(hf.single_ms / ours.single_ms);
        r_batch.push_back(hf.batch_ms / ours.batch_ms);
        r_load_cpu.push_back(hf.load_cpu_ms / ours.load_cpu_ms);
        r_single_cpu.push_back(hf.single_cpu_ms / ours.single_cpu_ms);
        std::printf("%5d | %6.1f (%6.1f) / %6.1f (%6.1f) | %6.2f (%6.2f) / %6.2f (%6.2f) | %6.2f / %6.2f\n", round + 1,
                    ours.load_ms, ours.load_cpu_ms, hf.load_ms, hf.load_cpu_ms, ours_single.back(),
                    mb / (ours.single_cpu_ms / 1e3), hf_single.back(), mb / (hf.single_cpu_ms / 1e3), ours_batch.back(),
                    hf_batch.back());
      } else {
        std::printf("%5d | %6.1f (%6.1f) | %6.2f (%6.2f) | %6.2f\n", round + 1, ours.load_ms, ours.load_cpu_ms,
                    ours_single.back(), mb / (ours.single_cpu_ms / 1e3), ours_batch.back());
      }
      std::fflush(stdout);
    }
    std::printf("median | load %.1f ms / %.1f ms | single %.2f / %.2f MB/s | batch %.2f / %.2f MB/s\n",
                median(ours_load), median(hf_load), median(ours_single), median(hf_single), median(ours_batch),
                median(hf_batch));
    if (with_hf) {
      std::printf("ratio (HF time / ours, median of rounds; > 1 = we are faster): load %.2fx  single %.2fx  batch %.2fx\n",
                  median(r_load), median(r_single), median(r_batch));
      std::printf("ratio of CPU times (HF / ours, median of rounds): load %.2fx  single %.2fx\n", median(r_load_cpu),
                  median(r_single_cpu));
    }
  }
  fs::remove_all(tmp);
  return status;
}
