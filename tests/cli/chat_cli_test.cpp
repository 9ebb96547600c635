// `automodel chat` driven through a pseudo-terminal, as a person would use it: type a line, read
// the streamed reply, /history, /reset, Ctrl-D. Replies are checked against the library's
// generate() on the templated history, so the history really is carried between turns.
#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <fstream>

#include "automodel/automodel.h"
#include "cli_runner.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;

const char* const kTemplate =
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}";

class PtySession {
 public:
  explicit PtySession(std::vector<std::string> args) {
    args.insert(args.begin(), testing::cli_path());
    termios t{};
    cfmakeraw(&t);
    t.c_lflag |= ICANON;  // line editing, so Ctrl-D at the start of a line is end of input
    t.c_lflag &= ~tcflag_t(ECHO);
    t.c_cc[VEOF] = 4;
    t.c_cc[VMIN] = 1;
    pid_ = forkpty(&master_, nullptr, &t, nullptr);
    if (pid_ == 0) {
      auto argv = testing::make_argv(args);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~PtySession() {
    if (pid_ > 0 && exit_code_ == -2) kill(pid_, SIGKILL), waitpid(pid_, nullptr, 0);
    if (master_ >= 0) close(master_);
  }
  bool started() const { return pid_ > 0; }
  void send(const std::string& s) { ASSERT_EQ(write(master_, s.data(), s.size()), ssize_t(s.size())); }
  // Reads until `marker` has appeared after what was already consumed; returns the text before
  // it and consumes through it. Empty optional at end of output (no timing involved: reads block).
  std::optional<std::string> read_until(const std::string& marker) {
    while (true) {
      const size_t at = buffer_.find(marker);
      if (at != std::string::npos) {
        std::string before = buffer_.substr(0, at);
        buffer_.erase(0, at + marker.size());
        return before;
      }
      char buf[1024];
      const ssize_t n = read(master_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;  // EIO once the child has closed the terminal
      buffer_.append(buf, size_t(n));
    }
  }
  int wait_exit() {
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
  int exit_code_ = -2;
  std::string buffer_;
};

std::string library_reply(const AutoTokenizer& tok, CausalLM& model, const std::vector<ChatMessage>& history) {
  ChatTemplateOptions o;
  o.add_generation_prompt = true;
  o.chat_template = kTemplate;
  const auto ids = tok.apply_chat_template_ids(history, o);
  const Tensor input = Tensor::from_vector(std::vector<int64_t>(ids.begin(), ids.end()), {1, int64_t(ids.size())});
  const auto out = generate(model, input, Tensor(), {{"do_sample", false}, {"max_new_tokens", 8}});
  return tok.decode(generated_tokens(out, ids.size())[0], {true, std::nullopt});
}

TEST(ChatCli, MultiTurnResetAndCtrlD) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "models" / "tiny_gpt2_bpe";
  const auto tok = AutoTokenizer::from_pretrained(dir.string());
  auto model = AutoModelForCausalLM::from_pretrained(dir.string());

  PtySession chat({"chat", dir.string(), "--chat-template", kTemplate, "--greedy", "-n", "8"});
  ASSERT_TRUE(chat.started());
  ASSERT_TRUE(chat.read_until("> ")) << "no prompt";

  chat.send("Hello there\n");
  const auto reply1 = chat.read_until("\n> ");
  ASSERT_TRUE(reply1);
  std::vector<ChatMessage> history = {{{"role", "user"}, {"content", "Hello there"}}};
  EXPECT_EQ(*reply1, library_reply(tok, *model, history));
  history.push_back({{"role", "assistant"}, {"content", *reply1}});

  chat.send("And then?\n");
  const auto reply2 = chat.read_until("\n> ");
  ASSERT_TRUE(reply2);
  history.push_back({{"role", "user"}, {"content", "And then?"}});
  EXPECT_EQ(*reply2, library_reply(tok, *model, history));  // the first turn is in the prompt
  history.push_back({{"role", "assistant"}, {"content", *reply2}});

  chat.send("/history\n");
  const auto shown = chat.read_until("\n> ");
  ASSERT_TRUE(shown);
  EXPECT_EQ(json::parse(*shown), json(history));

  chat.send("/reset\n");
  EXPECT_EQ(chat.read_until("\n> "), std::optional<std::string>("(conversation cleared)"));
  chat.send("/history\n");
  EXPECT_EQ(chat.read_until("\n> "), std::optional<std::string>("[]"));

  // After a reset the same first message gets the same first reply.
  chat.send("Hello there\n");
  EXPECT_EQ(chat.read_until("\n> "), reply1);

  chat.send("\x04");  // Ctrl-D
  EXPECT_EQ(chat.wait_exit(), 0);
}

TEST(ChatCli, ModelWithoutAChatTemplateIsAnErrorNamingTheFix) {
  AM_REQUIRE_FIXTURES(root);
  auto r = testing::run_cli({"chat", (root / "models" / "tiny_llama_spm").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--chat-template"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// Piped input (no terminal): no prompts or banner, one reply line per input line.
TEST(ChatCli, WorksOnPipedInput) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "models" / "tiny_gpt2_bpe";
  auto r = testing::run_cli({"chat", dir.string(), "--chat-template", kTemplate, "--greedy", "-n", "8"}, "Hello there\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto tok = AutoTokenizer::from_pretrained(dir.string());
  auto model = AutoModelForCausalLM::from_pretrained(dir.string());
  EXPECT_EQ(r.out, library_reply(tok, *model, {{{"role", "user"}, {"content", "Hello there"}}}) + "\n");
}

}  // namespace
}  // namespace automodel
