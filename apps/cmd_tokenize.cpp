// automodel tokenize <model> [text]: what the model's tokenizer makes of a text (ids, tokens,
// offsets, as transformers' tokenizer(text, return_offsets_mapping=True)); --decode turns ids
// back into text (tokenizer.decode).
#include <unistd.h>

#include <iostream>
#include <iterator>

#include "cli_common.h"
#include "command.h"

namespace automodel::cli {
namespace {

struct TokenizeCmd {
  ModelFlags model;
  std::string text;
  std::vector<int64_t> ids;
  bool text_given = false, decode = false, json_out = false, no_special_tokens = false, skip_special = false;
};

void run_decode(const TokenizeCmd& c, const AutoTokenizer& tok) {
  std::vector<int32_t> ids;
  for (int64_t id : c.ids) {
    AM_CHECK(id >= 0 && id < int64_t(tok.size()), "--decode: id ", id, " is outside the vocabulary (0..",
             tok.size() - 1, ")");
    ids.push_back(int32_t(id));
  }
  const std::string text = tok.decode(ids, {c.skip_special, std::nullopt});
  if (c.json_out) {
    std::cout << json{{"ids", ids}, {"text", text}}.dump(2) << "\n";
  } else {
    std::cout << text << "\n";
  }
}

void run_tokenize(TokenizeCmd& c) {
  LoadedModel m = load_model(c.model, /*with_model=*/false);
  const AutoTokenizer& tok = *m.tokenizer;
  if (c.decode) return run_decode(c, tok);
  if (!c.text_given && isatty(STDIN_FILENO) == 1) std::cerr << "reading the text from stdin (end it with Ctrl-D)\n";
  if (!c.text_given) c.text = std::string((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());

  tokenizers::CallOptions o;
  o.add_special_tokens = !c.no_special_tokens;
  o.return_offsets_mapping = tok.is_fast();  // slow (SentencePiece / Python) tokenizers have none
  o.return_special_tokens_mask = true;
  const BatchEncoding enc = tok(c.text, o);
  const std::vector<int32_t>& ids = enc.input_ids.at(0);
  const std::vector<std::string> tokens = tok.convert_ids_to_tokens(ids);
  const auto* offsets = enc.offset_mapping ? &enc.offset_mapping->at(0) : nullptr;

  if (c.json_out) {
    json j = json::object();
    j["ids"] = ids;
    j["tokens"] = tokens;
    if (offsets) {
      json off = json::array();
      for (const auto& [b, e] : *offsets) off.push_back({b, e});
      j["offsets"] = off;
    } else {
      j["offsets"] = nullptr;
    }
    j["special_tokens_mask"] = enc.special_tokens_mask ? json(enc.special_tokens_mask->at(0)) : json(nullptr);
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << ids.size() << " tokens" << (offsets ? " (offsets in code points of the text)" : " (slow tokenizer: no offsets)")
            << "\n";
  for (size_t i = 0; i < ids.size(); ++i) {
    std::cout << i << "\t" << ids[i] << "\t" << json(tokens[i]).dump();
    if (offsets) std::cout << "\t" << (*offsets)[i].first << ".." << (*offsets)[i].second;
    std::cout << "\n";
  }
}

void setup(CLI::App& parent) {
  auto c = std::make_shared<TokenizeCmd>();
  auto* cmd = parent.add_subcommand("tokenize", "Show the token ids, tokens and offsets of a text, or decode ids (--decode)");
  add_model_flags(cmd, c->model, /*with_dtype=*/false);
  cmd->add_option("text", c->text, "Text to tokenize (default: read stdin to the end)");
  cmd->add_flag("--decode", c->decode, "Decode the ids given with --ids into text instead");
  cmd->add_option("--ids", c->ids, "Token ids for --decode (space or comma separated)")->delimiter(',');
  cmd->add_flag("--no-special-tokens", c->no_special_tokens, "add_special_tokens=False (no BOS/EOS)");
  cmd->add_flag("--skip-special-tokens", c->skip_special, "With --decode: drop special tokens from the text");
  cmd->add_flag("--json", c->json_out, "Print JSON (ids, tokens, offsets, special_tokens_mask / ids, text)");
  cmd->callback([c, cmd] {
    c->text_given = cmd->count("text") > 0;
    if (c->decode && c->ids.empty()) throw CLI::ValidationError("--decode", "needs the ids to decode (--ids 1,2,3)");
    if (!c->decode && !c->ids.empty()) throw CLI::ValidationError("--ids", "only makes sense with --decode");
    run_tokenize(*c);
  });
}

AUTOMODEL_COMMAND("tokenize", setup);

}  // namespace
}  // namespace automodel::cli
