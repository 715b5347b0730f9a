// Ref: galatolofederico/clip-glass clip/simple_tokenizer.py (SimpleTokenizer) and clip/clip.py
// (tokenize), a copy of openai/CLIP's of early 2021.
#include "worker/tokenizers/clip_tokenizer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/data_paths.h"
#include "worker/tokenizers/clip_text_clean.h"
#include "worker/tokenizers/gzip_file.h"
#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {
namespace {

constexpr char kStartOfTextToken[] = "<|startoftext|>";
constexpr char kEndOfTextToken[] = "<|endoftext|>";
constexpr char kEndOfWord[] = "</w>";
constexpr int kNumMerges = 49152 - 256 - 2;  // lines [1 : 49152-256-2+1] of the file

// The original's pattern with re.IGNORECASE. `\s` is spelt out as the `regex` module's set (the
// White_Space property), which PCRE2's \s does not match exactly.
constexpr char kPattern[] =
    "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|"
    "[^\\t\\n\\x0b\\f\\r\\x20\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}"
    "\\x{202f}\\x{205f}\\x{3000}\\p{L}\\p{N}]+";

std::string CharUtf8(char32_t c) {
  std::string out;
  AppendUtf8(c, &out);
  return out;
}

}  // namespace

ClipTokenizer::ClipTokenizer(BpeModel model, std::vector<std::string> token_bytes,
                             Pcre2Regex pattern, std::vector<int32_t> byte_ids,
                             std::vector<int32_t> end_byte_ids)
    : model_(std::move(model)),
      token_bytes_(std::move(token_bytes)),
      pattern_(std::move(pattern)),
      byte_ids_(std::move(byte_ids)),
      end_byte_ids_(std::move(end_byte_ids)) {}

StatusOr<std::unique_ptr<ClipTokenizer>> ClipTokenizer::Load(const std::string& merges_gz_path) {
  CG_ASSIGN_OR_RETURN(const std::string text, ReadGzipFile(merges_gz_path));
  if (!DecodeUtf8(text).ok()) return DataLossError(merges_gz_path + ": not UTF-8 text");

  // The vocabulary: the 256 byte characters, the same with "</w>", one token per merge, then
  // the two special tokens.
  BpeModel model;
  int32_t next_id = 0;
  for (const ByteChar& bc : ByteUnicodeOrder()) model.AddToken(CharUtf8(bc.character), next_id++);
  for (const ByteChar& bc : ByteUnicodeOrder()) {
    model.AddToken(CharUtf8(bc.character) + kEndOfWord, next_id++);
  }
  std::vector<std::pair<std::string_view, std::string_view>> merges;
  merges.reserve(kNumMerges);
  size_t pos = text.find('\n');  // line 0 is a version header
  for (int line = 1; line <= kNumMerges; ++line) {
    if (pos == std::string::npos) {
      return DataLossError(merges_gz_path + ": has " + std::to_string(line - 1) +
                           " merge lines, expected " + std::to_string(kNumMerges));
    }
    const size_t begin = pos + 1;
    pos = text.find('\n', begin);
    const std::string_view row(text.data() + begin,
                               (pos == std::string::npos ? text.size() : pos) - begin);
    const size_t space = row.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 >= row.size() ||
        row.find(' ', space + 1) != std::string_view::npos) {
      return DataLossError(merges_gz_path + ": line " + std::to_string(line + 1) +
                           " is not a merge ('left right')");
    }
    merges.emplace_back(row.substr(0, space), row.substr(space + 1));
    model.AddToken(std::string(merges.back().first) + std::string(merges.back().second), next_id++);
  }
  model.AddToken(kStartOfTextToken, next_id++);
  model.AddToken(kEndOfTextToken, next_id++);
  if (model.TokenId(kStartOfTextToken) != kStartOfText ||
      model.TokenId(kEndOfTextToken) != kEndOfText) {
    return DataLossError(merges_gz_path + ": the special tokens do not get ids 49406/49407");
  }
  for (const auto& [left, right] : merges) {
    Status s = model.AddMerge(left, right);
    if (!s.ok()) return s.WithContext(merges_gz_path);
  }

  std::vector<int32_t> byte_ids(256), end_byte_ids(256);
  for (int b = 0; b < 256; ++b) {
    const std::string ch = CharUtf8(ByteToUnicode(static_cast<uint8_t>(b)));
    byte_ids[b] = model.TokenId(ch);
    end_byte_ids[b] = model.TokenId(ch + kEndOfWord);
  }
  CG_ASSIGN_OR_RETURN(std::vector<std::string> token_bytes, model.TokenBytes());
  CG_ASSIGN_OR_RETURN(
      Pcre2Regex pattern,
      Pcre2Regex::Compile(kPattern, Pcre2Regex::kUtf | Pcre2Regex::kUcp | Pcre2Regex::kCaseless));
  return std::unique_ptr<ClipTokenizer>(new ClipTokenizer(std::move(model), std::move(token_bytes),
                                                          std::move(pattern), std::move(byte_ids),
                                                          std::move(end_byte_ids)));
}

StatusOr<std::unique_ptr<ClipTokenizer>> ClipTokenizer::LoadDefault() {
  CG_ASSIGN_OR_RETURN(const std::string path, FindDataFile(kClipMergesFile));
  return Load(path);
}

void ClipTokenizer::EncodeWord(std::string_view word, std::vector<int32_t>* ids) const {
  // The cache starts with the two special tokens, which thus map to themselves.
  if (word == kStartOfTextToken) {
    ids->push_back(kStartOfText);
    return;
  }
  if (word == kEndOfTextToken) {
    ids->push_back(kEndOfText);
    return;
  }
  if (cache_.Lookup(word, ids)) return;
  std::vector<int32_t> symbols;
  symbols.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    const auto b = static_cast<uint8_t>(word[i]);
    symbols.push_back(i + 1 == word.size() ? end_byte_ids_[b] : byte_ids_[b]);
  }
  model_.Merge(&symbols);
  cache_.Insert(word, symbols);
  ids->insert(ids->end(), symbols.begin(), symbols.end());
}

StatusOr<std::vector<int32_t>> ClipTokenizer::Encode(std::string_view text) const {
  CG_ASSIGN_OR_RETURN(const std::string cleaned, CleanClipText(text));
  std::vector<int32_t> ids;
  for (const auto& [begin, end] : pattern_.FindAll(cleaned)) {
    EncodeWord(std::string_view(cleaned).substr(begin, end - begin), &ids);
  }
  return ids;
}

StatusOr<std::vector<int32_t>> ClipTokenizer::EncodeWithSpecials(std::string_view text,
                                                                 int context_length,
                                                                 ClipOverflow overflow,
                                                                 bool* truncated) const {
  if (context_length < 2) {
    return InvalidArgumentError("context length " + std::to_string(context_length) +
                                " leaves no room for the start and end tokens");
  }
  CG_ASSIGN_OR_RETURN(std::vector<int32_t> encoded, Encode(text));
  std::vector<int32_t> ids;
  ids.reserve(encoded.size() + 2);
  ids.push_back(kStartOfText);
  ids.insert(ids.end(), encoded.begin(), encoded.end());
  ids.push_back(kEndOfText);
  if (truncated != nullptr) *truncated = false;
  if (ids.size() > static_cast<size_t>(context_length)) {
    if (overflow == ClipOverflow::kError) {
      return InvalidArgumentError("input needs " + std::to_string(ids.size()) +
                                  " tokens, more than the context length " +
                                  std::to_string(context_length));
    }
    ids.resize(context_length);
    ids.back() = kEndOfText;
    if (truncated != nullptr) *truncated = true;
  }
  return ids;
}

StatusOr<ClipTokenBatch> ClipTokenizer::Tokenize(std::span<const std::string> texts,
                                                 int context_length, ClipOverflow overflow) const {
  ClipTokenBatch batch;
  batch.rows = static_cast<int64_t>(texts.size());
  batch.context_length = context_length;
  batch.ids.assign(texts.size() * std::max(context_length, 0), 0);
  batch.truncated.assign(texts.size(), false);
  for (size_t i = 0; i < texts.size(); ++i) {
    bool truncated = false;
    StatusOr<std::vector<int32_t>> ids =
        EncodeWithSpecials(texts[i], context_length, overflow, &truncated);
    if (!ids.ok()) return ids.status().WithContext("text " + std::to_string(i));
    std::copy(ids->begin(), ids->end(), batch.ids.begin() + i * context_length);
    if (truncated) {
      batch.truncated[i] = true;
      spdlog::warn("CLIP tokenizer: text {} is longer than {} tokens; truncated (end token kept)",
                   i, context_length);
    }
  }
  return batch;
}

StatusOr<std::string> ClipTokenizer::Decode(std::span<const int32_t> ids) const {
  std::string bytes;
  CG_RETURN_IF_ERROR(AppendTokenBytes(token_bytes_, ids, &bytes));
  std::string text = DecodeUtf8Replace(bytes);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 4, kEndOfWord) == 0) {
      out.push_back(' ');
      i += 4;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

}  // namespace clipglass::tokenizers
