// make_model / make_model_from_text: a model from its tokenizer.json object, in the new layout
// ("type": BPE / WordPiece / WordLevel / Unigram) or the old one without "type" (BPE has merges;
// WordPiece has continuing_subword_prefix + max_input_chars_per_word; WordLevel has unk_token;
// Unigram's vocab is a list of [piece, score]), as HF's ModelWrapper deserializer decides.
#include <deque>

#include "automodel/core/error.h"
#include "json_fields.h"
#include "json_reader.h"
#include "models.h"

namespace automodel::tokenizers {

namespace {

// A model object with its two big members (vocab, merges) already decoded, and its small
// members kept as JSON.
struct ModelSpec {
  json small = json::object();
  bool vocab_is_object = false, vocab_is_list = false;
  TokenVocab vocab;                                      // vocab as {token: id}
  std::vector<std::pair<std::string, double>> pieces;  // vocab as [[piece, score], ...]
  bool has_merges = false;
  std::vector<MergePair> merges;
  std::deque<std::string> storage;  // unescaped strings the merge views point into
};

// Splits an old-style "a b" merge; exactly one space (HF's split(' ') must give two parts).
MergePair split_merge(std::string_view line, const std::string& path) {
  const size_t sp = line.find(' ');
  AM_CHECK(sp != std::string_view::npos && line.find(' ', sp + 1) == std::string_view::npos, "tokenizer.json: ", path,
           " (BPE): expected a merge \"left right\" with exactly one space, found \"", line, "\"");
  return {line.substr(0, sp), line.substr(sp + 1)};
}

void spec_from_json(const json& j, const std::string& path, ModelSpec& spec) {
  for (const auto& [key, value] : j.items()) {
    if (key == "vocab") {
      const std::string vp = jf::at(path, "vocab");
      if (value.is_object()) {
        spec.vocab_is_object = true;
        spec.vocab.reserve(value.size(), value.size() * 8);
        for (const auto& [token, id] : value.items()) spec.vocab.add(token, jf::as_id(id, jf::at(vp, token), "model"));
      } else if (value.is_array()) {
        spec.vocab_is_list = true;
        for (size_t i = 0; i < value.size(); ++i) {
          const json& e = value[i];
          const std::string ep = jf::at(vp, i);
          if (!e.is_array() || e.size() != 2) jf::bad(ep, "Unigram", "a [piece, score] pair", e);
          spec.pieces.emplace_back(jf::as_string(e[0], ep + "[0]", "Unigram"), jf::as_double(e[1], ep + "[1]", "Unigram"));
        }
      } else {
        jf::bad(vp, "model", "an object {token: id} or a list of [piece, score]", value);
      }
    } else if (key == "merges" && !value.is_null()) {
      const std::string mp = jf::at(path, "merges");
      if (!value.is_array()) jf::bad(mp, "BPE", "a list of merges", value);
      spec.has_merges = true;
      spec.merges.reserve(value.size());
      for (size_t i = 0; i < value.size(); ++i) {
        const json& m = value[i];
        const std::string ip = jf::at(mp, i);
        if (m.is_string()) {
          spec.storage.push_back(m.get<std::string>());
          spec.merges.push_back(split_merge(spec.storage.back(), ip));
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
          spec.storage.push_back(m[0].get<std::string>());
          std::string_view a = spec.storage.back();
          spec.storage.push_back(m[1].get<std::string>());
          spec.merges.emplace_back(a, spec.storage.back());
        } else {
          jf::bad(ip, "BPE", "a merge \"left right\" or [left, right]", m);
        }
      }
    } else {
      spec.small[key] = value;
    }
  }
}

// Reads the model object at the reader's position (the reader ends after its closing brace).
void spec_from_reader(JsonReader& r, const std::string& path, ModelSpec& spec) {
  std::string key_buf, a_buf, b_buf;
  r.expect('{');
  for (bool first = true; r.next_in_object(first); first = false) {
    const std::string key(r.read_string(key_buf));
    r.expect(':');
    if (key == "vocab" && r.peek() == '{') {
      spec.vocab_is_object = true;
      // The slot table is sized by add_batch once the entries are counted; the arena by a
      // guess (token bytes are under a quarter of the model text in real files).
      spec.vocab.reserve(0, r.remaining() / 4);
      r.expect('{');
      // Tokens are inserted in batches (views into `text`, or into `escaped` for the few
      // strings with escapes), in file order, so a duplicate key still ends with its last id.
      std::vector<std::pair<std::string_view, int32_t>> batch;
      std::deque<std::string> escaped;
      for (bool f = true; r.next_in_object(f); f = false) {
        std::string_view token = r.read_string(a_buf);
        if (token.data() == a_buf.data()) {
          escaped.push_back(a_buf);
          token = escaped.back();
        }
        r.expect(':');
        const int64_t id = r.read_int();
        if (id < 0 || id > INT32_MAX) r.error("token id out of range in " + jf::at(path, "vocab"));
        batch.emplace_back(token, static_cast<int32_t>(id));
      }
      spec.vocab.add_batch(batch);
    } else if (key == "vocab" && r.peek() == '[') {
      spec.vocab_is_list = true;
      r.expect('[');
      for (bool f = true; r.next_in_array(f); f = false) {
        r.expect('[');
        std::string piece(r.read_string(a_buf));
        r.expect(',');
        const double score = r.read_number();
        r.expect(']');
        spec.pieces.emplace_back(std::move(piece), score);
      }
    } else if (key == "merges" && r.peek() == '[') {
      spec.has_merges = true;
      spec.merges.reserve(r.remaining() / 16);
      r.expect('[');
      size_t i = 0;
      for (bool f = true; r.next_in_array(f); f = false, ++i) {
        // Views into `text` when a string has no escapes, else into `storage`.
        auto keep = [&](std::string_view v, const std::string& buf) -> std::string_view {
          if (v.data() != buf.data()) return v;
          spec.storage.push_back(buf);
          return spec.storage.back();
        };
        if (r.peek() == '"') {
          const std::string_view line = keep(r.read_string(a_buf), a_buf);
          const size_t sp = line.find(' ');
          if (sp == std::string_view::npos || line.find(' ', sp + 1) != std::string_view::npos)
            split_merge(line, jf::at(jf::at(path, "merges"), i));  // throws with the path
          spec.merges.emplace_back(line.substr(0, sp), line.substr(sp + 1));
        } else {
          r.expect('[');
          std::string_view a = keep(r.read_string(a_buf), a_buf);
          r.expect(',');
          std::string_view b = keep(r.read_string(b_buf), b_buf);
          r.expect(']');
          spec.merges.emplace_back(a, b);
        }
      }
    } else {
      // Small members (and unusual shapes of the big ones) go through nlohmann with full checks.
      const std::string_view raw = r.raw_value();
      json value = parse_json(raw, "tokenizer.json: " + jf::at(path, key));
      if (key == "vocab" || key == "merges") {
        json tmp = json::object();
        tmp[key] = std::move(value);
        spec_from_json(tmp, path, spec);
      } else {
        spec.small[key] = std::move(value);
      }
    }
  }
}

std::optional<double> get_dropout(const json& j, const std::string& path) {
  const json* v = jf::find(j, "dropout");
  if (!v) return std::nullopt;
  return jf::as_double(*v, jf::at(path, "dropout"), "BPE");
}

std::unique_ptr<Model> build(ModelSpec& spec, const std::string& path) {
  const json& j = spec.small;
  std::string type;
  if (const json* t = jf::find(j, "type")) {
    type = jf::as_string(*t, jf::at(path, "type"), "model");
  } else if (spec.has_merges) {
    type = "BPE";
  } else if (j.contains("continuing_subword_prefix") && j.contains("max_input_chars_per_word") &&
             j.contains("unk_token") && spec.vocab_is_object) {
    type = "WordPiece";
  } else if (j.contains("unk_token") && spec.vocab_is_object) {
    type = "WordLevel";
  } else if (spec.vocab_is_list) {
    type = "Unigram";
  } else {
    fail("tokenizer.json: ", path, ": model without \"type\" that matches no known layout (BPE needs vocab and "
         "merges, WordPiece vocab + unk_token + continuing_subword_prefix + max_input_chars_per_word, WordLevel vocab "
         "+ unk_token, Unigram a vocab list of [piece, score])");
  }

  auto need_object_vocab = [&](const std::string& t) {
    AM_CHECK(spec.vocab_is_object, "tokenizer.json: ", path, " (", t, "): missing field \"vocab\" (an object {token: id})");
  };
  try {
    if (type == "BPE") {
      need_object_vocab(type);
      AM_CHECK(spec.has_merges, "tokenizer.json: ", path, " (BPE): missing field \"merges\"");
      BpeOptions o;
      o.dropout = get_dropout(j, path);
      o.unk_token = jf::get_opt_string(j, "unk_token", path, type);
      o.continuing_subword_prefix = jf::get_opt_string(j, "continuing_subword_prefix", path, type);
      o.end_of_word_suffix = jf::get_opt_string(j, "end_of_word_suffix", path, type);
      o.fuse_unk = jf::get_bool(j, "fuse_unk", path, type, false);
      o.byte_fallback = jf::get_bool(j, "byte_fallback", path, type, false);
      o.ignore_merges = jf::get_bool(j, "ignore_merges", path, type, false);
      return std::make_unique<BpeModel>(std::move(spec.vocab), spec.merges, std::move(o));
    }
    if (type == "WordPiece") {
      need_object_vocab(type);
      return std::make_unique<WordPieceModel>(
          std::move(spec.vocab), jf::get_string(j, "unk_token", path, type, "[UNK]"),
          jf::get_string(j, "continuing_subword_prefix", path, type, "##"),
          jf::get_uint(j, "max_input_chars_per_word", path, type, 100));
    }
    if (type == "WordLevel") {
      need_object_vocab(type);
      return std::make_unique<WordLevelModel>(std::move(spec.vocab), jf::get_string(j, "unk_token", path, type, "<unk>"));
    }
    if (type == "Unigram") {
      AM_CHECK(spec.vocab_is_list, "tokenizer.json: ", path, " (Unigram): missing field \"vocab\" (a list of [piece, score])");
      std::optional<size_t> unk_id;
      if (const json* u = jf::find(j, "unk_id")) unk_id = jf::as_uint(*u, jf::at(path, "unk_id"), type);
      return std::make_unique<UnigramModel>(std::move(spec.pieces), unk_id,
                                            jf::get_bool(j, "byte_fallback", path, type, false));
    }
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind("tokenizer.json", 0) == 0) throw;
    fail("tokenizer.json: ", path, " (", type, "): ", msg);
  }
  fail("tokenizer.json: ", jf::at(path, "type"), ": unknown model type \"", type,
       "\" (expected BPE, WordPiece, WordLevel or Unigram)");
}

}  // namespace

std::unique_ptr<Model> make_model(const json& j, const std::string& path) {
  if (j.is_null()) return nullptr;
  if (!j.is_object()) jf::bad(path, "model", "an object", j);
  ModelSpec spec;
  spec_from_json(j, path, spec);
  return build(spec, path);
}

std::unique_ptr<Model> make_model_from_text(std::string_view text, const std::string& path) {
  JsonReader r(text, "tokenizer.json: " + path);
  auto model = make_model_from_reader(r, path);
  if (!r.at_end()) r.error("unexpected text after the model object");
  return model;
}

std::unique_ptr<Model> make_model_from_reader(JsonReader& r, const std::string& path) {
  if (r.try_null()) return nullptr;
  ModelSpec spec;
  spec_from_reader(r, path, spec);
  return build(spec, path);
}

}  // namespace automodel::tokenizers
