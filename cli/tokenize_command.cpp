// `clipglass tokenize clip|gpt2`: the tokenizers on the command line, to check ids against the
// originals without writing code. Output is JSON on stdout: one list of ids per text, or with
// --decode one string per id list.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "common/data_paths.h"
#include "worker/tokenizers/clip_tokenizer.h"
#include "worker/tokenizers/gpt2_tokenizer.h"

namespace clipglass::cli {
namespace {

using tokenizers::ClipOverflow;
using tokenizers::ClipTokenizer;
using tokenizers::Gpt2Tokenizer;

struct TokenizeOptions {
  std::vector<std::string> inputs;
  std::string vocab;   // CLIP merges .gz, or GPT-2 encoder.json
  std::string merges;  // GPT-2 vocab.bpe
  bool decode = false;
  bool strict = false;      // CLIP: fail on over-long text as the original does
  bool no_special = false;  // CLIP: ids without SOT/EOT (SimpleTokenizer.encode)
  int context_length = ClipTokenizer::kContextLength;
};

std::string PathOrDefault(const std::string& given, const char* shipped) {
  if (!given.empty()) return given;
  StatusOr<std::string> found = FindDataFile(shipped);
  CheckOk(found.status());
  return *found;
}

// One JSON array of ids per argument, e.g. "[49406, 320, 49407]".
std::vector<std::vector<int32_t>> ParseIdLists(const std::vector<std::string>& inputs) {
  std::vector<std::vector<int32_t>> lists;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const nlohmann::json parsed = nlohmann::json::parse(inputs[i], nullptr, false);
    bool ok = parsed.is_array();
    std::vector<int32_t> ids;
    for (const auto& v : parsed) {
      ok = ok && v.is_number_integer() && v.get<int64_t>() >= INT32_MIN &&
           v.get<int64_t>() <= INT32_MAX;
      if (ok) ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
    }
    if (!ok) {
      Fail(InvalidArgumentError("--decode argument " + std::to_string(i + 1) +
                                " is not a JSON array of integer ids: " + inputs[i]));
    }
    lists.push_back(std::move(ids));
  }
  return lists;
}

// The arguments that are not this command's flags: the texts, or with --decode the id lists
// (so "-42 degrees" is a text; only a text spelt like one of the flags cannot be given).
std::vector<std::string> Inputs(const CLI::App& sub) {
  std::vector<std::string> inputs = sub.remaining();
  if (inputs.empty()) Fail(InvalidArgumentError("give at least one text (or id list)"));
  return inputs;
}

void PrintJson(const nlohmann::json& value) { std::printf("%s\n", value.dump().c_str()); }

void RunClip(const TokenizeOptions& options) {
  StatusOr<std::unique_ptr<ClipTokenizer>> loaded =
      ClipTokenizer::Load(PathOrDefault(options.vocab, tokenizers::kClipMergesFile));
  CheckOk(loaded.status());
  const ClipTokenizer& tokenizer = **loaded;
  nlohmann::json out = nlohmann::json::array();
  if (options.decode) {
    for (const std::vector<int32_t>& ids : ParseIdLists(options.inputs)) {
      StatusOr<std::string> text = tokenizer.Decode(ids);
      CheckOk(text.status());
      out.push_back(*text);
    }
    PrintJson(out);
    return;
  }
  for (size_t i = 0; i < options.inputs.size(); ++i) {
    const std::string& text = options.inputs[i];
    bool truncated = false;
    StatusOr<std::vector<int32_t>> ids =
        options.no_special
            ? tokenizer.Encode(text)
            : tokenizer.EncodeWithSpecials(
                  text, options.context_length,
                  options.strict ? ClipOverflow::kError : ClipOverflow::kTruncate, &truncated);
    CheckOk(ids.status().WithContext("text " + std::to_string(i + 1)));
    if (truncated) {
      std::fprintf(stderr,
                   "clipglass: warning: text %zu is longer than %d tokens; truncated (end token "
                   "kept)\n",
                   i + 1, options.context_length);
    }
    out.push_back(*ids);
  }
  PrintJson(out);
}

void RunGpt2(const TokenizeOptions& options) {
  StatusOr<std::unique_ptr<Gpt2Tokenizer>> loaded =
      Gpt2Tokenizer::Load(PathOrDefault(options.vocab, tokenizers::kGpt2EncoderFile),
                          PathOrDefault(options.merges, tokenizers::kGpt2MergesFile));
  CheckOk(loaded.status());
  const Gpt2Tokenizer& tokenizer = **loaded;
  nlohmann::json out = nlohmann::json::array();
  if (options.decode) {
    for (const std::vector<int32_t>& ids : ParseIdLists(options.inputs)) {
      StatusOr<std::string> text = tokenizer.Decode(ids);
      CheckOk(text.status());
      out.push_back(*text);
    }
  } else {
    for (size_t i = 0; i < options.inputs.size(); ++i) {
      StatusOr<std::vector<int32_t>> ids = tokenizer.Encode(options.inputs[i]);
      CheckOk(ids.status().WithContext("text " + std::to_string(i + 1)));
      out.push_back(*ids);
    }
  }
  PrintJson(out);
}

}  // namespace

void AddTokenizeCommand(CLI::App& app) {
  CLI::App* tokenize =
      app.add_subcommand("tokenize",
                         "Print the token ids of texts as JSON (one list per text), or decode ids. "
                         "Usage: tokenize clip|gpt2 [flags] TEXT...");
  tokenize->require_subcommand(1);
  auto options = std::make_shared<TokenizeOptions>();

  CLI::App* clip = tokenize->add_subcommand(
      "clip",
      "CLIP's tokenizer: [SOT] + ids + [EOT] per text, as clip.tokenize places them, without "
      "the zero padding. Over-long text is cut to the context length (end token kept) with a "
      "warning, unless --strict");
  clip->add_option("--vocab", options->vocab,
                   "merges file (default: the shipped bpe_simple_vocab_16e6.txt.gz)");
  clip->add_option("--context-length", options->context_length, "context length")
      ->check(CLI::Range(2, 1 << 20));
  clip->add_flag("--strict", options->strict,
                 "fail on text longer than the context, as the original clip.tokenize raises");
  clip->add_flag("--no-special", options->no_special,
                 "ids without SOT/EOT and without the length check (SimpleTokenizer.encode)");
  clip->add_flag("--decode", options->decode,
                 "arguments are JSON id lists; print the decoded texts as a JSON list");
  // The texts are taken raw (allow_extras + remaining): a positional option would split an
  // argument written "[a, b]" into a list, and texts and id lists may look like that.
  clip->allow_extras();
  clip->callback([options, clip] {
    options->inputs = Inputs(*clip);
    RunClip(*options);
  });

  CLI::App* gpt2 = tokenize->add_subcommand("gpt2", "GPT-2's byte-level BPE tokenizer");
  gpt2->add_option("--vocab", options->vocab, "encoder.json (default: the shipped one)");
  gpt2->add_option("--merges", options->merges, "vocab.bpe (default: the shipped one)");
  gpt2->add_flag("--decode", options->decode,
                 "arguments are JSON id lists; print the decoded texts (invalid UTF-8 as U+FFFD) "
                 "as a JSON list");
  gpt2->allow_extras();
  gpt2->callback([options, gpt2] {
    options->inputs = Inputs(*gpt2);
    RunGpt2(*options);
  });
}

}  // namespace clipglass::cli
