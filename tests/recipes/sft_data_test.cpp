// SFT tokenization, truncation, packing and JSONL errors on a tokenizer built in the test (no
// fixtures): every expected id is read off the WordLevel vocabulary in word_tokenizer.h, and
// the masks follow TRL's SFTTrainer rules quoted in sft_data.h.
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/core/error.h"
#include "automodel/recipes/sft_data.h"
#include "word_tokenizer.h"

namespace {

using namespace automodel;
using namespace automodel::recipes;
using namespace automodel::testing;
namespace fs = std::filesystem;

constexpr int32_t X = kIgnoreIndex;
using Ids = std::vector<int32_t>;

const AutoTokenizer& tok() {
  static const AutoTokenizer t = word_tokenizer("default");
  return t;
}

SftExample tokenize(const json& record, DataFormat format, bool add_eos = true) {
  return tokenize_sft_record(record, format, tok(), add_eos, "test:1");
}

json msg(const char* role, const char* content) { return {{"role", role}, {"content", content}}; }

fs::path write_jsonl(const std::string& name, const std::string& text) {
  const auto path = scratch_dir("sft-data-" + name) / "data.jsonl";
  std::ofstream(path) << text;
  return path;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SftData, TextTrainsEveryTokenAndAppendsEosAsTrlDoes) {
  // tokenizer(text + eos_token): <s> from the post-processor, </s> matched as a special token.
  auto e = tokenize({{"text", "hi a b"}}, DataFormat::text);
  EXPECT_EQ(e.input_ids, (Ids{kBos, kHi, kA, kB, kEos}));
  EXPECT_EQ(e.labels, e.input_ids);
  // Already ending with eos_token: not doubled.
  EXPECT_EQ(tokenize({{"text", "a</s>"}}, DataFormat::text).input_ids, (Ids{kBos, kA, kEos}));
  EXPECT_EQ(tokenize({{"text", "hi a b"}}, DataFormat::text, false).input_ids, (Ids{kBos, kHi, kA, kB}));
}

TEST(SftData, PromptCompletionMasksTheTokenizedPromptLength) {
  auto e = tokenize({{"prompt", "what is two plus two ?"}, {"completion", " four"}}, DataFormat::prompt_completion);
  EXPECT_EQ(e.input_ids, (Ids{kBos, kWhat, kIs, kTwo, kPlus, kTwo, kQuestion, kFour, kEos}));
  EXPECT_EQ(e.labels, (Ids{X, X, X, X, X, X, X, kFour, kEos}));
  // Without add_eos only the completion words are trained.
  e = tokenize({{"prompt", "hi"}, {"completion", " bye"}}, DataFormat::prompt_completion, false);
  EXPECT_EQ(e.labels, (Ids{X, X, kBye}));
}

TEST(SftData, ConversationalPromptCompletionUsesTheChatTemplate) {
  // prompt: apply_chat_template(prompt, add_generation_prompt=True); whole: prompt + completion.
  // No <s>: apply_chat_template tokenizes without adding special tokens; no eos appended.
  auto e = tokenize({{"prompt", {msg("user", "hi")}}, {"completion", {msg("assistant", "hello")}}},
                    DataFormat::prompt_completion);
  EXPECT_EQ(e.input_ids, (Ids{kUser, kHi, kEnd, kAssistant, kHello, kEnd}));
  EXPECT_EQ(e.labels, (Ids{X, X, X, X, kHello, kEnd}));
  EXPECT_NE(error_of([] { tokenize({{"prompt", {msg("user", "hi")}}, {"completion", "hello"}}, DataFormat::prompt_completion); }).find(
                "test:1: field 'completion': expected a list of messages, found string"),
            std::string::npos);
}

TEST(SftData, MessagesTrainOnlyAssistantTurnsWithTheirEndOfTurn) {
  const json record = {{"messages",
                        {msg("user", "hi"), msg("assistant", "hello"), msg("user", "what is two plus two ?"),
                         msg("assistant", "four"), msg("user", "thanks")}}};
  auto e = tokenize(record, DataFormat::messages);
  EXPECT_EQ(e.input_ids, (Ids{kUser, kHi, kEnd, kAssistant, kHello, kEnd, kUser, kWhat, kIs, kTwo, kPlus, kTwo,
                              kQuestion, kEnd, kAssistant, kFour, kEnd, kUser, kThanks, kEnd}));
  EXPECT_EQ(e.labels, (Ids{X, X, X, X, kHello, kEnd, X, X, X, X, X, X, X, X, X, kFour, kEnd, X, X, X}));
  // add_eos never applies to chat records: the template ends turns.
  EXPECT_EQ(tokenize(record, DataFormat::messages, false), e);
  // The character spans behind it.
  auto c = render_conversation(tok(), record["messages"].get<std::vector<json>>());
  ASSERT_EQ(c.assistant_spans.size(), 2u);
  EXPECT_EQ(c.text.substr(c.assistant_spans[0].first, c.assistant_spans[0].second - c.assistant_spans[0].first),
            "hello<|end|>");
  EXPECT_EQ(c.text.substr(c.assistant_spans[1].first, c.assistant_spans[1].second - c.assistant_spans[1].first),
            "four<|end|>");
}

TEST(SftData, TemplateThatClosesTheConversationTrainsTheClosingOnTheFinalTurn) {
  // phi3-style: eos_token after the last message when no generation prompt is asked for. The
  // middle turn ends at its own <|end|>; the final one keeps the closing </s> (as TRL's
  // prompt/completion split of the same conversation would).
  WordTokenizerSpec spec;
  spec.chat_template = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}<|end|>{% endfor %}"
                       "{% if add_generation_prompt %}<|assistant|>{% else %}</s>{% endif %}";
  const auto t = word_tokenizer("closing", spec);
  const json record = {{"messages", {msg("user", "hi"), msg("assistant", "hello"), msg("user", "thanks"), msg("assistant", "bye")}}};
  auto e = tokenize_sft_record(record, DataFormat::messages, t, true, "test:1");
  EXPECT_EQ(e.input_ids, (Ids{kUser, kHi, kEnd, kAssistant, kHello, kEnd, kUser, kThanks, kEnd, kAssistant, kBye, kEnd, kEos}));
  EXPECT_EQ(e.labels, (Ids{X, X, X, X, kHello, kEnd, X, X, X, X, kBye, kEnd, kEos}));
}

TEST(SftData, TemplateThatRendersTheLastTurnDifferentlyAlignsOnTheContent) {
  // qwen3-style: the final assistant turn gets extra text before its content ("ok " here, an
  // empty <think></think> there), so rendering the conversation up to a middle assistant turn
  // differs from the full text inside that turn; the span is found from the content.
  WordTokenizerSpec spec;
  spec.chat_template =
      "{% for m in messages %}{% if m.role == 'assistant' and loop.last %}<|assistant|>ok {{ m.content }}<|end|>"
      "{% else %}<|{{ m.role }}|>{{ m.content }}<|end|>{% endif %}{% endfor %}"
      "{% if add_generation_prompt %}<|assistant|>{% endif %}";
  const auto t = word_tokenizer("lastturn", spec);
  const json record = {{"messages", {msg("user", "hi"), msg("assistant", "hello"), msg("user", "thanks"), msg("assistant", "bye")}}};
  auto e = tokenize_sft_record(record, DataFormat::messages, t, true, "test:1");
  EXPECT_EQ(e.input_ids, (Ids{kUser, kHi, kEnd, kAssistant, kHello, kEnd, kUser, kThanks, kEnd, kAssistant, kOk, kBye, kEnd}));
  EXPECT_EQ(e.labels, (Ids{X, X, X, X, kHello, kEnd, X, X, X, X, kOk, kBye, kEnd}));
}

TEST(SftData, TemplateThatIsNotPrefixStableIsAnError) {
  WordTokenizerSpec spec;
  spec.chat_template = "{{ messages|length }}" + std::string(kWordChatTemplate);
  const auto t = word_tokenizer("unstable", spec);
  const json record = {{"messages", {msg("user", "hi"), msg("assistant", "hello")}}};
  const std::string e = error_of([&] { tokenize_sft_record(record, DataFormat::messages, t, true, "chat.jsonl:3"); });
  EXPECT_NE(e.find("chat.jsonl:3: messages[1]: the chat template renders the turns before this assistant turn"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("does not render conversation prefixes as prefixes"), std::string::npos) << e;
}

TEST(SftData, FormatDetectionFromTheFirstRecord) {
  EXPECT_EQ(detect_data_format({{"text", "a"}}, "f:1"), DataFormat::text);
  EXPECT_EQ(detect_data_format({{"prompt", "a"}, {"completion", "b"}, {"text", "c"}}, "f:1"), DataFormat::prompt_completion);
  EXPECT_EQ(detect_data_format({{"messages", json::array()}, {"text", "c"}}, "f:1"), DataFormat::messages);
  EXPECT_EQ(error_of([] { detect_data_format({{"question", "a"}, {"prompt", "b"}}, "f:1"); }),
            "f:1: cannot tell the data format: a record needs a \"text\", \"prompt\" + \"completion\" or \"messages\" "
            "field, found keys [question, prompt] (data.format names the format)");
  EXPECT_EQ(error_of([] { detect_data_format(json::array({1}), "f:1"); }),
            "f:1: expected a JSON object per line, found array");

  // auto: each record by its own keys.
  EXPECT_EQ(tokenize({{"text", "a"}}, DataFormat::auto_detect).input_ids, (Ids{kBos, kA, kEos}));
  EXPECT_EQ(tokenize({{"prompt", "a"}, {"completion", " b"}}, DataFormat::auto_detect).labels, (Ids{X, X, kB, kEos}));

  const auto path = write_jsonl("detect", "{\"prompt\": \"hi\", \"completion\": \" bye\"}\n");
  SftDataOptions o;
  auto ds = SftDataset::from_jsonl(path, tok(), o);
  EXPECT_EQ(ds.format(), DataFormat::prompt_completion);
  EXPECT_EQ(ds.row(0).labels, (Ids{X, X, kBye, kEos}));
}

TEST(SftData, BadRecordsNameFileLineAndField) {
  SftDataOptions o;
  auto err = [&](const std::string& name, const std::string& text, DataFormat format = DataFormat::auto_detect) {
    o.format = format;
    const auto path = write_jsonl(name, text);
    std::string e = error_of([&] { SftDataset::from_jsonl(path, tok(), o); });
    const std::string prefix = path.string() + ":";
    EXPECT_EQ(e.rfind(prefix, 0), 0u) << e;
    return e.substr(std::min(e.size(), prefix.size()));
  };
  // A broken line; blank lines count for the numbering.
  EXPECT_EQ(err("broken", "{\"text\": \"a\"}\n\n{\"text\": \"b\"\n").rfind("3: invalid JSON at line 1, column", 0), 0u);
  EXPECT_EQ(err("missing", "{\"text\": \"a\"}\n{\"txt\": \"b\"}\n"), "2: missing field 'text'");
  EXPECT_EQ(err("type", "{\"text\": 5}\n"), "1: field 'text': expected a string, found integer");
  EXPECT_EQ(err("given-format", "{\"text\": \"a\"}\n", DataFormat::prompt_completion), "1: missing field 'prompt'");
  EXPECT_EQ(err("messages-type", "{\"messages\": \"hi\"}\n"),
            "1: field 'messages': expected a list of messages, found string");
  EXPECT_EQ(err("messages-empty", "{\"messages\": []}\n"), "1: field 'messages' is an empty list");
  EXPECT_EQ(err("role", "{\"messages\": [{\"role\": 1, \"content\": \"a\"}]}\n"),
            "1: messages[0].role: expected a string, found integer");
  EXPECT_EQ(err("content", "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\"}]}\n"),
            "1: messages[1].content: missing (null for a turn without text)");
  EXPECT_EQ(err("message-object", "{\"messages\": [\"hi\"]}\n"),
            "1: messages[0]: expected a message object {\"role\", \"content\"}, found string");
  EXPECT_EQ(err("tools", "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"tools\": 3}\n"),
            "1: field 'tools': expected a list of tool schemas, found integer");
  EXPECT_EQ(err("array-line", "[1, 2]\n"), "1: expected a JSON object per line, found array");

  o.format = DataFormat::auto_detect;
  const auto empty = write_jsonl("empty", "\n  \n");
  EXPECT_EQ(error_of([&] { SftDataset::from_jsonl(empty, tok(), o); }), empty.string() + ": no records (the file is empty)");
  EXPECT_EQ(error_of([&] { SftDataset::from_jsonl("/nonexistent/train.jsonl", tok(), o); }),
            "/nonexistent/train.jsonl: data file not found");
  // add_eos needs an eos token.
  WordTokenizerSpec no_eos;
  no_eos.has_eos = false;
  const auto t = word_tokenizer("no-eos", no_eos);
  EXPECT_EQ(error_of([&] { tokenize_sft_record({{"text", "a"}}, DataFormat::text, t, true, "f:1"); }),
            "f:1: data.add_eos is true but the tokenizer has no eos_token (set add_eos to false)");
}

TEST(SftData, TruncationKeepsTheStartAndCountsRecordsWithoutTargets) {
  SftDataOptions o;
  o.max_length = 3;
  const auto path = write_jsonl("truncate",
                                "{\"text\": \"hi a b\"}\r\n{\"prompt\": \"a b c d\", \"completion\": \" e\"}\n{\"text\": \"c\"}\n");
  o.format = DataFormat::auto_detect;
  // The first record fixes the format: text; the second line lacks "text".
  EXPECT_NE(error_of([&] { SftDataset::from_jsonl(path, tok(), o); }).find(":2: missing field 'text'"), std::string::npos);

  const auto pc = write_jsonl("truncate-pc", "{\"prompt\": \"a b c d\", \"completion\": \" e\"}\n{\"prompt\": \"a\", \"completion\": \" b\"}\n");
  auto ds = SftDataset::from_jsonl(pc, tok(), o);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds.row(0).input_ids, (Ids{kBos, kA, kB}));  // the completion was cut away
  EXPECT_EQ(ds.row(0).labels, (Ids{X, X, X}));
  EXPECT_EQ(ds.row(1).input_ids, (Ids{kBos, kA, kB}));
  EXPECT_EQ(ds.row(1).labels, (Ids{X, X, kB}));
  EXPECT_EQ(ds.stats().records, 2);
  EXPECT_EQ(ds.stats().truncated, 2);
  EXPECT_EQ(ds.stats().records_without_targets, 1);
  EXPECT_EQ(ds.stats().target_tokens, 1);
  EXPECT_EQ(ds.stats().tokens, 6);
  EXPECT_EQ(ds.stats().prompt_prefix_mismatches, 0);
}

TEST(SftData, PackingConcatenatesAndCutsWithoutTrainingAcrossExamples) {
  SftDataOptions o;
  o.packing = true;
  o.max_length = 4;
  std::vector<json> records = {{{"text", "a b"}}, {{"text", "c d e"}}, {{"text", "hi"}}};
  auto ds = SftDataset::from_records(records, "mem", tok(), o);
  // Stream: <s> a b </s> | <s> c d e </s> | <s> hi </s>; each example's first token -100.
  ASSERT_EQ(ds.size(), 3u);
  EXPECT_EQ(ds.row(0).input_ids, (Ids{kBos, kA, kB, kEos}));
  EXPECT_EQ(ds.row(0).labels, (Ids{X, kA, kB, kEos}));
  EXPECT_EQ(ds.row(1).input_ids, (Ids{kBos, kC, kD, kE}));
  EXPECT_EQ(ds.row(1).labels, (Ids{X, kC, kD, kE}));
  EXPECT_EQ(ds.row(2).input_ids, (Ids{kEos, kBos, kHi, kEos}));
  EXPECT_EQ(ds.row(2).labels, (Ids{kEos, X, kHi, kEos}));
  EXPECT_EQ(ds.stats().records, 3);
  EXPECT_EQ(ds.stats().rows, 3);
  EXPECT_EQ(ds.stats().truncated, 0);
  EXPECT_EQ(ds.stats().tokens, 12);
  EXPECT_EQ(ds.stats().target_tokens, 3 + 3 + 2);  // labels[1:] != -100 per block
  // An in-memory record's errors name its position.
  EXPECT_EQ(error_of([&] { SftDataset::from_records({{{"text", 1}}}, "generated", tok(), o); }),
            "generated:1: field 'text': expected a string, found integer");
}

TEST(SftData, FromExamplesChecksShapesAndFingerprintFollowsTheData) {
  SftDataOptions o;
  o.max_length = 8;
  auto a = SftDataset::from_examples({{{1, 2, 3}, {X, 2, 3}}}, o);
  auto b = SftDataset::from_examples({{{1, 2, 3}, {X, 2, 3}}}, o);
  auto c = SftDataset::from_examples({{{1, 2, 3}, {X, X, 3}}}, o);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), c.fingerprint());
  EXPECT_EQ(a.fingerprint().size(), 16u);
  EXPECT_EQ(error_of([&] { SftDataset::from_examples({{{1, 2}, {1}}}, o, "ex"); }),
            "ex: example 0 has 2 input ids but 1 labels");
  EXPECT_EQ(error_of([&] { SftDataset::from_examples({{{1, -5}, {1, 1}}}, o, "ex"); }),
            "ex: example 0 has a negative input id -5 at position 1");
}

}  // namespace
