// One JSONL record -> input ids and labels, per data format (TRL SFTTrainer's tokenization), and
// the assistant spans of a rendered conversation.
#include <algorithm>

#include "automodel/core/error.h"
#include "automodel/recipes/sft_data.h"
#include "sft_records.h"

namespace automodel::recipes {
namespace {

using tokenizers::ChatTemplateOptions;

const json& required_field(const json& record, const char* name, const std::string& where) {
  auto it = record.find(name);
  if (it == record.end()) fail(where, ": missing field '", name, "'");
  return *it;
}

const std::string& string_field(const json& record, const char* name, const std::string& where) {
  const json& v = required_field(record, name, where);
  if (!v.is_string()) fail(where, ": field '", name, "': expected a string, found ", json_type_name(v));
  return v.get_ref<const std::string&>();
}

// A list of chat messages: objects with a string role and a content that is a string, null
// (an assistant turn that only calls tools) or a list of parts; other fields pass through.
std::vector<ChatMessage> messages_field(const json& record, const char* name, const std::string& where) {
  const json& v = required_field(record, name, where);
  if (!v.is_array()) fail(where, ": field '", name, "': expected a list of messages, found ", json_type_name(v));
  if (v.empty()) fail(where, ": field '", name, "' is an empty list");
  std::vector<ChatMessage> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const json& m = v[i];
    const std::string at = str_cat(where, ": ", name, "[", i, "]");
    if (!m.is_object()) fail(at, ": expected a message object {\"role\", \"content\"}, found ", json_type_name(m));
    auto role = m.find("role");
    if (role == m.end()) fail(at, ".role: missing");
    if (!role->is_string()) fail(at, ".role: expected a string, found ", json_type_name(*role));
    auto content = m.find("content");
    if (content == m.end()) fail(at, ".content: missing (null for a turn without text)");
    if (!content->is_string() && !content->is_null() && !content->is_array())
      fail(at, ".content: expected a string, a list of parts or null, found ", json_type_name(*content));
    out.push_back(m);
  }
  return out;
}

// TRL accepts "tools" as a list or as its JSON text.
json tools_field(const json& record, const std::string& where) {
  auto it = record.find("tools");
  if (it == record.end() || it->is_null()) return json();
  if (it->is_string()) return parse_json(it->get_ref<const std::string&>(), where + ": field 'tools'");
  if (!it->is_array()) fail(where, ": field 'tools': expected a list of tool schemas, found ", json_type_name(*it));
  return *it;
}

const std::string& eos_token_for(const AutoTokenizer& tokenizer, const std::string& where) {
  if (!tokenizer.eos_token())
    fail(where, ": data.add_eos is true but the tokenizer has no eos_token (set add_eos to false)");
  return *tokenizer.eos_token();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

size_t common_prefix(std::string_view a, std::string_view b) {
  return size_t(std::mismatch(a.begin(), a.begin() + std::min(a.size(), b.size()), b.begin()).first - a.begin());
}

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t n = std::min(a.size(), b.size()), i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// ids with the first `untrained` labels masked (TRL's completion_mask).
TokenizedRecord masked_prefix(std::vector<int32_t> ids, const std::vector<int32_t>& prompt_ids) {
  TokenizedRecord out;
  out.prefix_mismatch = common_prefix(prompt_ids, ids) != prompt_ids.size();
  out.example.labels = ids;
  const size_t untrained = std::min(prompt_ids.size(), ids.size());
  std::fill(out.example.labels.begin(), out.example.labels.begin() + ptrdiff_t(untrained), kIgnoreIndex);
  out.example.input_ids = std::move(ids);
  return out;
}

std::string render(const AutoTokenizer& tokenizer, const std::vector<ChatMessage>& messages, const json& tools,
                   bool add_generation_prompt, const std::string& where, const char* what) {
  ChatTemplateOptions options;
  options.tools = tools;
  options.add_generation_prompt = add_generation_prompt;
  try {
    return tokenizer.apply_chat_template(messages, options);
  } catch (const std::exception& e) {
    fail(where, ": the chat template failed on ", what, ": ", e.what());
  }
}

}  // namespace

DataFormat detect_data_format(const json& record, const std::string& where) {
  if (!record.is_object()) fail(where, ": expected a JSON object per line, found ", json_type_name(record));
  if (record.contains("messages")) return DataFormat::messages;
  if (record.contains("prompt") && record.contains("completion")) return DataFormat::prompt_completion;
  if (record.contains("text")) return DataFormat::text;
  std::string keys;
  for (const auto& [k, v] : record.items()) keys += (keys.empty() ? "" : ", ") + k;
  fail(where, ": cannot tell the data format: a record needs a \"text\", \"prompt\" + \"completion\" or ",
       "\"messages\" field, found keys [", keys, "] (data.format names the format)");
}

RenderedConversation render_conversation(const AutoTokenizer& tokenizer, const std::vector<ChatMessage>& messages,
                                         const json& tools, const std::string& where) {
  RenderedConversation out;
  out.text = render(tokenizer, messages, tools, false, where, "the conversation");
  const std::string& full = out.text;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].value("role", "") != "assistant") continue;
    const std::string at = str_cat(where, ": messages[", i, "]");
    const std::vector<ChatMessage> head(messages.begin(), messages.begin() + ptrdiff_t(i));
    const std::vector<ChatMessage> through(messages.begin(), messages.begin() + ptrdiff_t(i + 1));

    const std::string before = render(tokenizer, head, tools, true, at, "the turns before this assistant turn");
    if (full.compare(0, before.size(), before) != 0)
      fail(at, ": the chat template renders the turns before this assistant turn (with the generation prompt) ",
           "differently from the start of the whole conversation, so its tokens cannot be located; the template ",
           "does not render conversation prefixes as prefixes");
    const size_t begin = before.size();

    const std::string upto = render(tokenizer, through, tools, false, at, "the conversation up to this assistant turn");
    size_t end = common_prefix(full, upto);
    // A template that renders a final turn differently parts from the full text early; when that
    // happens inside the content, align on the content instead.
    const json& content = messages[i]["content"];
    if (content.is_string() && !content.get_ref<const std::string&>().empty()) {
      const std::string& c = content.get_ref<const std::string&>();
      const size_t in_upto = upto.find(c, std::min(begin, upto.size()));
      if (in_upto != std::string::npos && in_upto + c.size() > end) {
        const size_t in_full = full.find(c, begin);
        if (in_full == std::string::npos)
          fail(at, ": the assistant content does not appear in the rendered conversation after the turn's header, ",
               "so its tokens cannot be located");
        const size_t after = in_full + c.size();
        end = after + common_prefix(std::string_view(full).substr(after),
                                    std::string_view(upto).substr(in_upto + c.size()));
      }
    }
    out.assistant_spans.emplace_back(begin, std::max(begin, end));
  }
  return out;
}

TokenizedRecord tokenize_record(const json& record, DataFormat format, const AutoTokenizer& tokenizer, bool add_eos,
                                const std::string& where) {
  if (!record.is_object()) fail(where, ": expected a JSON object per line, found ", json_type_name(record));
  switch (format) {
    case DataFormat::text: {
      std::string text = string_field(record, "text", where);
      if (add_eos && !ends_with(text, eos_token_for(tokenizer, where))) text += *tokenizer.eos_token();
      TokenizedRecord out;
      out.example.input_ids = tokenizer.encode(text, true);
      out.example.labels = out.example.input_ids;
      return out;
    }
    case DataFormat::prompt_completion: {
      const json& prompt = required_field(record, "prompt", where);
      const json& completion = required_field(record, "completion", where);
      if (prompt.is_array() || completion.is_array()) {  // conversational: lists of messages
        auto p = messages_field(record, "prompt", where);
        auto c = messages_field(record, "completion", where);
        const json tools = tools_field(record, where);
        std::vector<ChatMessage> all = p;
        all.insert(all.end(), c.begin(), c.end());
        ChatTemplateOptions options;
        options.tools = tools;
        options.add_generation_prompt = true;
        std::vector<int32_t> prompt_ids;
        try {
          prompt_ids = tokenizer.apply_chat_template_ids(p, options);
        } catch (const std::exception& e) {
          fail(where, ": the chat template failed on the prompt: ", e.what());
        }
        const std::string rendered = render(tokenizer, all, tools, false, where, "prompt + completion");
        return masked_prefix(tokenizer.encode(rendered, false), prompt_ids);
      }
      const std::string& p = string_field(record, "prompt", where);
      std::string c = string_field(record, "completion", where);
      if (add_eos && !ends_with(c, eos_token_for(tokenizer, where))) c += *tokenizer.eos_token();
      return masked_prefix(tokenizer.encode(p + c, true), tokenizer.encode(p, true));
    }
    case DataFormat::messages: {
      const auto messages = messages_field(record, "messages", where);
      const auto conversation = render_conversation(tokenizer, messages, tools_field(record, where), where);
      const std::string& text = conversation.text;
      TokenizedRecord out;
      out.example.input_ids = tokenizer.encode(text, false);
      const auto& ids = out.example.input_ids;
      out.example.labels.assign(ids.size(), kIgnoreIndex);
      // A character boundary -> the number of leading tokens of `ids` that lie before it: the
      // tokens its prefix encodes to, as far as they agree with the whole (a token merged across
      // the boundary counts as after it).
      auto token_boundary = [&](size_t b) -> size_t {
        if (b == 0) return 0;
        if (b >= text.size()) return ids.size();
        return common_prefix(tokenizer.encode(std::string_view(text).substr(0, b), false), ids);
      };
      for (const auto& [begin, end] : conversation.assistant_spans) {
        if (end <= begin) continue;
        const size_t tb = token_boundary(begin), te = token_boundary(end);
        for (size_t k = tb; k < te; ++k) out.example.labels[k] = ids[k];
      }
      return out;
    }
    case DataFormat::auto_detect:
      return tokenize_record(record, detect_data_format(record, where), tokenizer, add_eos, where);
  }
  fail(where, ": unknown data format");
}

SftExample tokenize_sft_record(const json& record, DataFormat format, const AutoTokenizer& tokenizer, bool add_eos,
                               const std::string& where) {
  return tokenize_record(record, format, tokenizer, add_eos, where).example;
}

}  // namespace automodel::recipes
