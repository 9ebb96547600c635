// Tokenizer: loading tokenizer.json (fast path: the model's vocab/merges are read by a streaming
// reader, the small members by nlohmann) and HF's encode / decode orchestration.
#include "automodel/tokenizers/tokenizer.h"

#include <atomic>
#include <exception>
#include <fstream>
#include <sstream>

#include "automodel/core/error.h"
#include "automodel/core/mapped_file.h"
#include "automodel/core/thread_pool.h"
#include "added_vocabulary.h"
#include "json_fields.h"
#include "json_reader.h"
#include "models/models.h"
#include "unicode.h"

namespace automodel::tokenizers {

struct Tokenizer::Impl {
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<Model> model;
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;
  AddedVocabulary added;
  std::optional<TruncationParams> truncation;
  std::optional<PaddingParams> padding;
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

namespace {

std::optional<TruncationParams> parse_truncation(const json& j, const std::string& path) {
  if (j.is_null()) return std::nullopt;
  if (!j.is_object()) jf::bad(path, "truncation", "an object or null", j);
  TruncationParams p;
  p.max_length = static_cast<size_t>(jf::get_uint(j, "max_length", path, "truncation", 512));
  p.stride = static_cast<size_t>(jf::get_uint(j, "stride", path, "truncation", 0));
  std::string strategy = jf::get_string(j, "strategy", path, "truncation", "LongestFirst");
  if (strategy == "LongestFirst") p.strategy = TruncationStrategy::longest_first;
  else if (strategy == "OnlyFirst") p.strategy = TruncationStrategy::only_first;
  else if (strategy == "OnlySecond") p.strategy = TruncationStrategy::only_second;
  else fail("tokenizer.json: ", path, ".strategy (truncation): unknown strategy \"", strategy, "\"");
  std::string direction = jf::get_string(j, "direction", path, "truncation", "Right");
  if (direction != "Left" && direction != "Right")
    fail("tokenizer.json: ", path, ".direction (truncation): expected \"Left\" or \"Right\", found \"", direction, "\"");
  p.direction = direction == "Left" ? Direction::left : Direction::right;
  return p;
}

std::optional<PaddingParams> parse_padding(const json& j, const std::string& path) {
  if (j.is_null()) return std::nullopt;
  if (!j.is_object()) jf::bad(path, "padding", "an object or null", j);
  PaddingParams p;
  if (const json* s = jf::find(j, "strategy")) {
    if (s->is_string() && s->get<std::string>() == "BatchLongest") {
      p.strategy = PaddingStrategy::batch_longest;
    } else if (s->is_object() && s->contains("Fixed")) {
      p.strategy = PaddingStrategy::fixed;
      p.fixed_length = static_cast<size_t>(jf::as_uint((*s)["Fixed"], path + ".strategy.Fixed", "padding"));
    } else {
      jf::bad(path + ".strategy", "padding", "\"BatchLongest\" or {\"Fixed\": n}", *s);
    }
  }
  std::string direction = jf::get_string(j, "direction", path, "padding", "Right");
  if (direction != "Left" && direction != "Right")
    fail("tokenizer.json: ", path, ".direction (padding): expected \"Left\" or \"Right\", found \"", direction, "\"");
  p.direction = direction == "Left" ? Direction::left : Direction::right;
  if (const json* m = jf::find(j, "pad_to_multiple_of"))
    p.pad_to_multiple_of = static_cast<size_t>(jf::as_uint(*m, path + ".pad_to_multiple_of", "padding"));
  p.pad_id = static_cast<int32_t>(jf::get_uint(j, "pad_id", path, "padding", 0));
  p.pad_type_id = static_cast<int32_t>(jf::get_uint(j, "pad_type_id", path, "padding", 0));
  p.pad_token = jf::get_string(j, "pad_token", path, "padding", "[PAD]");
  return p;
}

std::vector<AddedToken> parse_added_tokens(const json& j, const std::string& path) {
  std::vector<AddedToken> out;
  if (j.is_null()) return out;
  if (!j.is_array()) jf::bad(path, "added_tokens", "an array", j);
  out.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const json& t = j[i];
    std::string p = jf::at(path, i);
    if (!t.is_object()) jf::bad(p, "AddedToken", "an object", t);
    AddedToken a;
    a.content = jf::as_string(jf::require(t, "content", p, "AddedToken"), jf::at(p, "content"), "AddedToken");
    a.special = jf::get_bool(t, "special", p, "AddedToken", false);
    a.single_word = jf::get_bool(t, "single_word", p, "AddedToken", false);
    a.lstrip = jf::get_bool(t, "lstrip", p, "AddedToken", false);
    a.rstrip = jf::get_bool(t, "rstrip", p, "AddedToken", false);
    a.normalized = jf::get_bool(t, "normalized", p, "AddedToken", !a.special);
    AM_CHECK(unicode::is_valid_utf8(a.content), "tokenizer.json: ", p, ".content (AddedToken): not valid UTF-8");
    out.push_back(std::move(a));
  }
  return out;
}

// Runs fn(i) for i in [0, n) on the global pool and rethrows the first error. One task per
// thread, each taking the next item from a shared counter: texts differ widely in length, and a
// thread that is descheduled (a shared machine) then holds back at most the item it is on,
// not a static share of the batch.
template <class Fn>
void parallel_each(size_t n, Fn&& fn) {
  std::vector<std::exception_ptr> errors(n);
  std::atomic<size_t> next{0};
  ThreadPool& pool = ThreadPool::global();
  const auto tasks = static_cast<int64_t>(std::min(n, static_cast<size_t>(pool.num_threads())));
  pool.parallel_for(tasks, 1, [&](int64_t, int64_t) {
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  });
  for (auto& err : errors)
    if (err) std::rethrow_exception(err);
}

}  // namespace

Tokenizer Tokenizer::from_json_text(std::string_view text, const std::string& what) {
  auto impl = std::make_unique<Impl>();
  std::vector<AddedToken> added;
  bool has_model = false;
  // One pass over the text: the model (almost all of it) is built straight from the reader,
  // the small members go through nlohmann.
  JsonReader r(text, what);
  std::string key_buf;
  r.expect('{');
  for (bool first = true; r.next_in_object(first); first = false) {
    const std::string key(r.read_string(key_buf));
    r.expect(':');
    if (key == "model") {
      JsonReader model_reader(text, what + ": model", r.position());
      impl->model = make_model_from_reader(model_reader, "model");
      r = JsonReader(text, what, model_reader.position());
      has_model = true;
      continue;
    }
    const std::string_view raw = r.raw_value();
    if (key != "version" && key != "truncation" && key != "padding" && key != "added_tokens" && key != "normalizer" &&
        key != "pre_tokenizer" && key != "post_processor" && key != "decoder")
      continue;  // HF ignores unknown top-level keys
    json value = parse_json(raw, what + ": " + key);
    if (key == "version") {
      if (!value.is_string() || value.get<std::string>() != "1.0")
        fail(what, ": version: unsupported tokenizer.json version ", value.dump(), " (expected \"1.0\")");
    } else if (key == "truncation") {
      impl->truncation = parse_truncation(value, "truncation");
    } else if (key == "padding") {
      impl->padding = parse_padding(value, "padding");
    } else if (key == "added_tokens") {
      added = parse_added_tokens(value, "added_tokens");
    } else if (key == "normalizer") {
      impl->normalizer = make_normalizer(value, "normalizer");
    } else if (key == "pre_tokenizer") {
      impl->pre_tokenizer = make_pre_tokenizer(value, "pre_tokenizer");
    } else if (key == "post_processor") {
      impl->post_processor = make_post_processor(value, "post_processor");
    } else if (key == "decoder") {
      impl->decoder = make_decoder(value, "decoder");
    }
  }
  if (!r.at_end()) r.error("unexpected text after the top-level object");
  AM_CHECK(has_model && impl->model, what, ": model: missing (a tokenizer.json needs a \"model\" object)");
  impl->added.add_tokens(added, impl->model.get(), impl->normalizer.get());
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::from_file(const std::filesystem::path& path) {
  // Mapped, not read: the model is built straight from the file's pages, without first copying
  // ~10 MB into a buffer. (Directories and the like fail in MappedFile::open with the path.)
  const auto file = MappedFile::open(path.string());
  const std::string_view text(reinterpret_cast<const char*>(file->data()), file->size());
  try {
    return from_json_text(text, path.string());
  } catch (const Error& e) {
    std::string msg = e.what();
    const std::string prefix = "tokenizer.json: ";
    if (msg.rfind(prefix, 0) == 0) throw Error(path.string() + ": " + msg.substr(prefix.size()));
    throw;
  }
}

Tokenizer Tokenizer::from_components(std::unique_ptr<Model> model, std::unique_ptr<Normalizer> normalizer,
                                     std::unique_ptr<PreTokenizer> pre_tokenizer,
                                     std::unique_ptr<PostProcessor> post_processor, std::unique_ptr<Decoder> decoder,
                                     const std::vector<AddedToken>& added_tokens) {
  AM_CHECK(model, "Tokenizer::from_components: a model is required");
  auto impl = std::make_unique<Impl>();
  impl->model = std::move(model);
  impl->normalizer = std::move(normalizer);
  impl->pre_tokenizer = std::move(pre_tokenizer);
  impl->post_processor = std::move(post_processor);
  impl->decoder = std::move(decoder);
  impl->added.add_tokens(added_tokens, impl->model.get(), impl->normalizer.get());
  return Tokenizer(std::move(impl));
}

Encoding Tokenizer::encode_sequence(std::string_view text, uint32_t type_id) const {
  std::string s(text);
  unicode::sanitize_utf8(s);
  PreTokenizedString pre = impl_->added.extract_and_normalize(impl_->normalizer.get(), std::move(s));
  if (impl_->pre_tokenizer) impl_->pre_tokenizer->pre_tokenize(pre);
  const Model& model = *impl_->model;
  pre.tokenize([&model](const NormalizedString& n) { return model.tokenize(n.get()); });
  return pre.into_encoding(std::nullopt, type_id);
}

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  return post_process(impl_->post_processor.get(), impl_->truncation ? &*impl_->truncation : nullptr,
                      impl_->padding ? &*impl_->padding : nullptr, encode_sequence(text, 0), std::nullopt,
                      add_special_tokens);
}

Encoding Tokenizer::encode_pair(std::string_view text, std::string_view pair, bool add_special_tokens) const {
  return post_process(impl_->post_processor.get(), impl_->truncation ? &*impl_->truncation : nullptr,
                      impl_->padding ? &*impl_->padding : nullptr, encode_sequence(text, 0), encode_sequence(pair, 1),
                      add_special_tokens);
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts, bool add_special_tokens) const {
  std::vector<Encoding> out(texts.size());
  parallel_each(texts.size(), [&](size_t i) { out[i] = encode(texts[i], add_special_tokens); });
  if (impl_->padding) pad_encodings(out, *impl_->padding);
  return out;
}

std::vector<Encoding> Tokenizer::encode_batch_pairs(const std::vector<std::pair<std::string, std::string>>& pairs,
                                                    bool add_special_tokens) const {
  std::vector<Encoding> out(pairs.size());
  parallel_each(pairs.size(),
                [&](size_t i) { out[i] = encode_pair(pairs[i].first, pairs[i].second, add_special_tokens); });
  if (impl_->padding) pad_encodings(out, *impl_->padding);
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    std::optional<std::string> token;
    if (const AddedToken* t = impl_->added.token_for_id(id))
      token = t->content;
    else
      token = impl_->model->id_to_token(id);
    if (!token) continue;  // HF drops unknown ids
    if (skip_special_tokens && impl_->added.is_special(*token)) continue;
    tokens.push_back(std::move(*token));
  }
  std::string out;
  if (impl_->decoder) {
    for (const auto& piece : impl_->decoder->decode_chain(std::move(tokens))) out += piece;
  } else {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) out += ' ';
      out += tokens[i];
    }
  }
  return out;
}

std::vector<std::string> Tokenizer::decode_batch(const std::vector<std::vector<int32_t>>& ids,
                                                 bool skip_special_tokens) const {
  std::vector<std::string> out(ids.size());
  parallel_each(ids.size(), [&](size_t i) { out[i] = decode(ids[i], skip_special_tokens); });
  return out;
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = impl_->added.token_to_id(token)) return id;
  return impl_->model->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(int32_t id) const {
  if (const AddedToken* t = impl_->added.token_for_id(id)) return t->content;
  return impl_->model->id_to_token(id);
}

size_t Tokenizer::vocab_size(bool with_added_tokens) const {
  size_t n = impl_->model->vocab_size();
  if (!with_added_tokens) return n;
  for (const auto& [id, t] : impl_->added.tokens_by_id())
    if (!impl_->model->token_to_id(t.content)) ++n;
  return n;
}

const std::vector<std::pair<int32_t, AddedToken>>& Tokenizer::added_tokens() const {
  return impl_->added.tokens_by_id();
}
bool Tokenizer::is_special_token(std::string_view content) const { return impl_->added.is_special(content); }
size_t Tokenizer::add_tokens(const std::vector<AddedToken>& tokens) {
  size_t before = impl_->added.size();
  impl_->added.add_tokens(tokens, impl_->model.get(), impl_->normalizer.get());
  return impl_->added.size() - before;
}

void Tokenizer::set_truncation(std::optional<TruncationParams> params) { impl_->truncation = std::move(params); }
void Tokenizer::set_padding(std::optional<PaddingParams> params) { impl_->padding = std::move(params); }
const std::optional<TruncationParams>& Tokenizer::truncation() const { return impl_->truncation; }
const std::optional<PaddingParams>& Tokenizer::padding() const { return impl_->padding; }
const Normalizer* Tokenizer::normalizer() const { return impl_->normalizer.get(); }
const PreTokenizer* Tokenizer::pre_tokenizer() const { return impl_->pre_tokenizer.get(); }
const Model& Tokenizer::model() const { return *impl_->model; }
const PostProcessor* Tokenizer::post_processor() const { return impl_->post_processor.get(); }
const Decoder* Tokenizer::decoder() const { return impl_->decoder.get(); }
void Tokenizer::set_post_processor(std::unique_ptr<PostProcessor> processor) {
  impl_->post_processor = std::move(processor);
}
void Tokenizer::set_decoder(std::unique_ptr<Decoder> decoder) { impl_->decoder = std::move(decoder); }

}  // namespace automodel::tokenizers
