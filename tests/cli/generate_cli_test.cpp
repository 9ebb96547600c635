// `automodel generate` end to end: the fixture models that ship real tokenizers, text in → text
// out against their generate_text goldens (transformers' decode of the greedy continuation),
// --json ids against the library's generate(), stdin prompts, and streaming.
#include <gtest/gtest.h>

#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>

#include <fstream>

#include "automodel/automodel.h"
#include "cli_runner.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

const char* const kTextModels[] = {"tiny_llama_spm", "tiny_gpt2_bpe"};

json read_expected(const fs::path& dir) {
  std::ifstream in(dir / "expected.json");
  return json::parse(in);
}

std::vector<int32_t> ints(const json& j) { return j.get<std::vector<int32_t>>(); }

// Every generate_text case of a model: one prompt → stdout is the new text; --json → the ids.
void check_goldens(const fs::path& dir) {
  const json expected = read_expected(dir);
  ASSERT_EQ(expected.at("schema"), "refpy-goldens/1");
  int single = 0;
  for (const json& c : expected.at("cases")) {
    SCOPED_TRACE(dir.filename().string() + "/" + c.at("name").get<std::string>());
    ASSERT_EQ(c.at("kind"), "generate_text") << "a case kind this suite does not know";
    const json& kw = c.at("kwargs");
    for (const auto& [key, value] : kw.items())
      ASSERT_TRUE(key == "do_sample" || key == "max_new_tokens") << "kwarg the CLI test does not map: " << key;
    ASSERT_FALSE(kw.at("do_sample").get<bool>());
    ASSERT_TRUE(c.at("tokenization").at("add_special_tokens").get<bool>());
    ASSERT_FALSE(c.at("decode").at("clean_up_tokenization_spaces").get<bool>());
    const auto& prompts = c.at("prompts");
    if (prompts.size() != 1) continue;  // the command generates one prompt; batches: models_parity
    ++single;
    const std::string prompt = prompts[0].get<std::string>();
    const std::string n = std::to_string(kw.at("max_new_tokens").get<int>());

    auto r = run_cli({"generate", dir.string(), prompt, "--greedy", "--max-new-tokens", n});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, c.at("new_text")[0].get<std::string>() + "\n");
    EXPECT_EQ(r.err, "");  // stderr is not a terminal: no progress output

    auto j = run_cli({"generate", dir.string(), prompt, "--greedy", "-n", n, "--json"});
    ASSERT_EQ(j.exit_code, 0) << j.err;
    const json got = json::parse(j.out);
    EXPECT_EQ(ints(got.at("prompt_ids")), ints(c.at("input_ids")[0]));
    EXPECT_EQ(ints(got.at("new_ids")), ints(c.at("new_tokens")[0]));
    EXPECT_EQ(got.at("text"), c.at("new_text")[0]);
    EXPECT_EQ(got.at("full_text"), c.at("full_text")[0]);
  }
  EXPECT_GE(single, 6);
}

TEST(GenerateCli, MatchesGenerateTextGoldensLlamaSpm) {
  AM_REQUIRE_FIXTURES(root);
  check_goldens(root / "models" / "tiny_llama_spm");
}

TEST(GenerateCli, MatchesGenerateTextGoldensGpt2Bpe) {
  AM_REQUIRE_FIXTURES(root);
  check_goldens(root / "models" / "tiny_gpt2_bpe");
}

TEST(GenerateCli, ReadsThePromptFromStdin) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "models" / "tiny_gpt2_bpe";
  const json c = read_expected(dir).at("cases")[0];
  auto r = run_cli({"generate", dir.string(), "--greedy", "-n", "16"}, c.at("prompts")[0].get<std::string>());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, c.at("new_text")[0].get<std::string>() + "\n");
}

// The flags reach generate() as the same kwargs a library user would pass: --json ids equal
// the library's generate() with those kwargs (greedy with shaping processors; seeded sampling;
// beam search; a stop string).
TEST(GenerateCli, JsonIdsEqualTheLibrarysGenerate) {
  AM_REQUIRE_FIXTURES(root);
  for (const char* name : kTextModels) {
    const fs::path dir = root / "models" / name;
    SCOPED_TRACE(name);
    const auto tok = AutoTokenizer::from_pretrained(dir.string());
    auto model = AutoModelForCausalLM::from_pretrained(dir.string());
    const std::string prompt = "Once upon a time";
    struct Variant {
      std::vector<std::string> flags;
      json kwargs;
      std::optional<uint64_t> seed = std::nullopt;
    };
    const std::vector<Variant> variants = {
        {{"--greedy", "-n", "12", "--repetition-penalty", "1.3", "--no-repeat-ngram-size", "2"},
         {{"do_sample", false}, {"max_new_tokens", 12}, {"repetition_penalty", 1.3}, {"no_repeat_ngram_size", 2}},
         std::nullopt},
        {{"--do-sample", "--seed", "42", "-n", "12", "--temperature", "0.8", "--top-k", "40", "--top-p", "0.9", "--min-p", "0.01"},
         {{"do_sample", true}, {"max_new_tokens", 12}, {"temperature", 0.8}, {"top_k", 40}, {"top_p", 0.9}, {"min_p", 0.01}},
         42},
        {{"--num-beams", "3", "-n", "8"}, {{"num_beams", 3}, {"max_new_tokens", 8}}, std::nullopt},
    };
    for (const auto& v : variants) {
      std::vector<std::string> args = {"generate", dir.string(), prompt, "--json"};
      args.insert(args.end(), v.flags.begin(), v.flags.end());
      auto r = run_cli(args);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const json got = json::parse(r.out);

      auto inputs = tok(prompt);
      GenerateOptions o;
      o.seed = v.seed;
      const auto out = generate(*model, inputs, v.kwargs, std::move(o));
      const auto want = generated_tokens(out, inputs)[0];
      EXPECT_EQ(ints(got.at("new_ids")), want) << v.kwargs.dump();
      EXPECT_EQ(got.at("text"), tok.decode(want, {true, std::nullopt}));
    }
  }
}

// --stop: generation ends with the token that completes the stop string (HF's
// StopStringCriteria). The stop text is picked from the model's own greedy continuation.
TEST(GenerateCli, StopStringEndsGeneration) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "models" / "tiny_gpt2_bpe";
  const json c = read_expected(dir).at("cases")[0];
  const std::string full = c.at("new_text")[0].get<std::string>();  // " Yard110 INTatomicJR110uda ..."
  const std::string stop = "atomic";
  const size_t at = full.find(stop);
  ASSERT_NE(at, std::string::npos);
  auto r = run_cli({"generate", dir.string(), c.at("prompts")[0].get<std::string>(), "--greedy", "-n", "16", "--stop", stop});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = r.out.substr(0, r.out.size() - 1);
  EXPECT_EQ(text, full.substr(0, text.size()));             // a prefix of the full continuation
  EXPECT_NE(text.find(stop), std::string::npos);           // that contains the stop string
  EXPECT_LT(text.size(), full.size());                      // and stopped early
  EXPECT_LT(text.size(), at + stop.size() + 16);            // right after it (within its last token)
}

TEST(GenerateCli, ChatFlagAppliesTheTemplate) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "models" / "tiny_gpt2_bpe";
  const std::string tmpl =
      "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
      "{% if add_generation_prompt %}<|assistant|>{% endif %}";
  auto r = run_cli({"generate", dir.string(), "Hi there", "--chat", "--system", "Be brief.", "--chat-template", tmpl,
                    "--greedy", "-n", "6", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json got = json::parse(r.out);
  EXPECT_EQ(got.at("prompt_text"), "<|system|>Be brief.\n<|user|>Hi there\n<|assistant|>");
  const auto tok = AutoTokenizer::from_pretrained(dir.string());
  EXPECT_EQ(ints(got.at("prompt_ids")), tok.encode("<|system|>Be brief.\n<|user|>Hi there\n<|assistant|>", false));
}

// The library side of streaming: TextStreamer hands out text while generate() is still running
// (the first piece arrives after the first or second new token of 16), and the pieces add up
// to the decode of all new tokens.
TEST(Streaming, TextStreamerEmitsDuringGenerate) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "models" / "tiny_gpt2_bpe";
  const auto tok = AutoTokenizer::from_pretrained(dir.string());
  auto model = AutoModelForCausalLM::from_pretrained(dir.string());
  int steps = 0;
  int steps_at_first_text = -1;
  std::string streamed;
  TextStreamer text(tok, [&](const std::string& piece) {
    if (steps_at_first_text < 0) steps_at_first_text = steps;
    streamed += piece;
  });
  CallbackStreamer counter([&](const Tensor& ids) {
    if (ids.dim() == 1) ++steps;
    text.put(ids);
  }, [&] { text.end(); });
  GenerateOptions o;
  o.streamer = &counter;
  auto inputs = tok("The capital of France is");
  const auto out = generate(*model, inputs, {{"max_new_tokens", 16}, {"do_sample", false}}, std::move(o));
  const auto new_ids = generated_tokens(out, inputs)[0];
  ASSERT_EQ(new_ids.size(), 16u);
  EXPECT_GE(steps_at_first_text, 1);
  EXPECT_LE(steps_at_first_text, 2);
  EXPECT_EQ(streamed, tok.decode(new_ids, {true, std::nullopt}));
}

#if defined(__x86_64__)
// The command side: stdout receives one write per piece of text as tokens are produced, not
// one write at the end. The child is traced (ptrace) to see each write(1, ...) it makes.
TEST(Streaming, GenerateWritesEachTokenAsItIsProduced) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "models" / "tiny_gpt2_bpe";
  const json c = read_expected(dir).at("cases")[0];
  std::vector<std::string> args = {testing::cli_path(), "generate", dir.string(), c.at("prompts")[0].get<std::string>(),
                                   "--greedy", "-n", "16"};
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]), close(out[1]);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    auto argv = testing::make_argv(args);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  int status = 0;
  waitpid(pid, &status, 0);  // stopped at exec
  if (!WIFSTOPPED(status)) GTEST_SKIP() << "ptrace is not permitted here";
  ptrace(PTRACE_SETOPTIONS, pid, nullptr, reinterpret_cast<void*>(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
  std::vector<size_t> writes;  // byte counts of the write(1, ...) calls, in order
  bool entering = true;
  int signal_to_pass = 0;
  std::string output;
  while (true) {
    ptrace(PTRACE_SYSCALL, pid, nullptr, reinterpret_cast<void*>(intptr_t(signal_to_pass)));
    signal_to_pass = 0;
    if (waitpid(pid, &status, 0) < 0 || WIFEXITED(status) || WIFSIGNALED(status)) break;
    if (!WIFSTOPPED(status)) continue;
    if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
      signal_to_pass = WSTOPSIG(status);
      continue;
    }
    if (entering) {
      user_regs_struct regs{};
      ptrace(PTRACE_GETREGS, pid, nullptr, &regs);
      if (regs.orig_rax == SYS_write && regs.rdi == 1) writes.push_back(size_t(regs.rdx));
    }
    entering = !entering;
  }
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) output.append(buf, size_t(n));
  close(out[0]);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const std::string expected = c.at("new_text")[0].get<std::string>() + "\n";
  EXPECT_EQ(output, expected);
  // 16 tokens of text plus the final newline: many writes, the first one a short piece.
  EXPECT_GE(writes.size(), 8u);
  ASSERT_FALSE(writes.empty());
  EXPECT_LT(writes.front(), expected.size() / 2);
}
#endif

}  // namespace
}  // namespace automodel
