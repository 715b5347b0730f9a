// Ref: openai/gpt-2 src/encoder.py, as copied in galatolofederico/clip-glass gpt2/encoder.py.
#include "worker/tokenizers/gpt2_tokenizer.h"

#include <nlohmann/json.hpp>

#include "common/data_paths.h"
#include "common/file_util.h"
#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {
namespace {

// The original pattern. `\s` / `\S` are spelt out as the `regex` module's White_Space set, which
// PCRE2's \s does not match exactly.
#define CG_WS                                                                                   \
  "\\t\\n\\x0b\\f\\r\\x20\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}" \
  "\\x{205f}\\x{3000}"
constexpr char kPattern[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" CG_WS
                            "\\p{L}\\p{N}]+|[" CG_WS "]+(?![^" CG_WS "])|[" CG_WS "]+";
#undef CG_WS

}  // namespace

Gpt2Tokenizer::Gpt2Tokenizer(BpeModel model, std::vector<std::string> token_bytes,
                             Pcre2Regex pattern, std::vector<int32_t> byte_ids)
    : model_(std::move(model)),
      token_bytes_(std::move(token_bytes)),
      pattern_(std::move(pattern)),
      byte_ids_(std::move(byte_ids)) {}

StatusOr<std::unique_ptr<Gpt2Tokenizer>> Gpt2Tokenizer::Load(const std::string& encoder_json_path,
                                                             const std::string& merges_path) {
  CG_ASSIGN_OR_RETURN(const std::string encoder_text, ReadFileToString(encoder_json_path));
  const nlohmann::json encoder = nlohmann::json::parse(encoder_text, nullptr, false);
  if (encoder.is_discarded() || !encoder.is_object()) {
    return DataLossError(encoder_json_path + ": not a JSON object of token -> id");
  }
  BpeModel model;
  std::vector<bool> seen;
  for (const auto& [token, id_json] : encoder.items()) {
    if (!id_json.is_number_integer() || id_json.get<int64_t>() < 0 ||
        id_json.get<int64_t>() > 10'000'000) {
      return DataLossError(encoder_json_path + ": token '" + token + "' has no valid id");
    }
    const auto id = static_cast<int32_t>(id_json.get<int64_t>());
    if (static_cast<size_t>(id) >= seen.size()) seen.resize(id + 1, false);
    if (seen[id]) return DataLossError(encoder_json_path + ": id " + std::to_string(id) + " twice");
    seen[id] = true;
    model.AddToken(token, id);
  }
  for (size_t id = 0; id < seen.size(); ++id) {
    if (!seen[id])
      return DataLossError(encoder_json_path + ": no token has id " + std::to_string(id));
  }

  std::vector<int32_t> byte_ids(256);
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    AppendUtf8(ByteToUnicode(static_cast<uint8_t>(b)), &ch);
    byte_ids[b] = model.TokenId(ch);
    if (byte_ids[b] < 0) {
      return DataLossError(encoder_json_path + ": no token for byte " + std::to_string(b));
    }
  }

  // vocab.bpe: a version header, one "left right" merge per line, a final empty line.
  CG_ASSIGN_OR_RETURN(const std::string merges_text, ReadFileToString(merges_path));
  std::vector<std::string_view> lines;
  for (size_t begin = 0;;) {
    const size_t end = merges_text.find('\n', begin);
    lines.emplace_back(merges_text.data() + begin,
                       (end == std::string::npos ? merges_text.size() : end) - begin);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  for (size_t line = 1; line + 1 < lines.size(); ++line) {
    const std::string_view row = lines[line];
    const size_t space = row.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 >= row.size() ||
        row.find(' ', space + 1) != std::string_view::npos) {
      return DataLossError(merges_path + ": line " + std::to_string(line + 1) +
                           " is not a merge ('left right')");
    }
    Status s = model.AddMerge(row.substr(0, space), row.substr(space + 1));
    if (!s.ok()) return s.WithContext(merges_path + ": line " + std::to_string(line + 1));
  }

  CG_ASSIGN_OR_RETURN(std::vector<std::string> token_bytes, model.TokenBytes());
  CG_ASSIGN_OR_RETURN(Pcre2Regex pattern,
                      Pcre2Regex::Compile(kPattern, Pcre2Regex::kUtf | Pcre2Regex::kUcp));
  return std::unique_ptr<Gpt2Tokenizer>(new Gpt2Tokenizer(std::move(model), std::move(token_bytes),
                                                          std::move(pattern), std::move(byte_ids)));
}

StatusOr<std::unique_ptr<Gpt2Tokenizer>> Gpt2Tokenizer::LoadDefault() {
  CG_ASSIGN_OR_RETURN(const std::string encoder, FindDataFile(kGpt2EncoderFile));
  CG_ASSIGN_OR_RETURN(const std::string merges, FindDataFile(kGpt2MergesFile));
  return Load(encoder, merges);
}

void Gpt2Tokenizer::EncodeWord(std::string_view word, std::vector<int32_t>* ids) const {
  if (cache_.Lookup(word, ids)) return;
  std::vector<int32_t> symbols;
  symbols.reserve(word.size());
  for (char b : word) symbols.push_back(byte_ids_[static_cast<uint8_t>(b)]);
  model_.Merge(&symbols);
  cache_.Insert(word, symbols);
  ids->insert(ids->end(), symbols.begin(), symbols.end());
}

StatusOr<std::vector<int32_t>> Gpt2Tokenizer::Encode(std::string_view text) const {
  CG_RETURN_IF_ERROR(DecodeUtf8(text).status());
  std::vector<int32_t> ids;
  for (const auto& [begin, end] : pattern_.FindAll(text)) {
    EncodeWord(text.substr(begin, end - begin), &ids);
  }
  return ids;
}

StatusOr<std::string> Gpt2Tokenizer::DecodeBytes(std::span<const int32_t> ids) const {
  std::string bytes;
  CG_RETURN_IF_ERROR(AppendTokenBytes(token_bytes_, ids, &bytes));
  return bytes;
}

StatusOr<std::string> Gpt2Tokenizer::Decode(std::span<const int32_t> ids) const {
  CG_ASSIGN_OR_RETURN(const std::string bytes, DecodeBytes(ids));
  return DecodeUtf8Replace(bytes);
}

}  // namespace clipglass::tokenizers
