// GPT-2's byte-level BPE tokenizer, exact to OpenAI's encoder.py (the copy CLIP-GLaSS runs).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "worker/tokenizers/byte_level_bpe.h"
#include "worker/tokenizers/pcre2_regex.h"

namespace clipglass::tokenizers {

// Where the vocabulary ships, for FindDataFile.
inline constexpr char kGpt2EncoderFile[] = "worker/tokenizers/vocab/encoder.json";
inline constexpr char kGpt2MergesFile[] = "worker/tokenizers/vocab/vocab.bpe";

// Thread-safety: every method is safe to call concurrently (the word cache has its own lock).
class Gpt2Tokenizer {
 public:
  static constexpr int32_t kEndOfText = 50256;  // <|endoftext|> in the released vocabulary

  // encoder.json (token -> id) and vocab.bpe (merges: lines [1:-1]). NotFound/DataLoss naming
  // the file and the entry at fault.
  static StatusOr<std::unique_ptr<Gpt2Tokenizer>> Load(const std::string& encoder_json_path,
                                                       const std::string& merges_path);
  // Load(FindDataFile(kGpt2EncoderFile), FindDataFile(kGpt2MergesFile)).
  static StatusOr<std::unique_ptr<Gpt2Tokenizer>> LoadDefault();

  // Encoder.encode(text): no clean-up, case-sensitive contractions, spaces attach to the next
  // word, "<|endoftext|>" in text is ordinary text. InvalidArgument when `text` is not UTF-8.
  StatusOr<std::vector<int32_t>> Encode(std::string_view text) const;

  // Encoder.decode(ids): the ids' bytes decoded with errors='replace' (one U+FFFD per maximal
  // invalid subsequence, as Python does). Any id in [0, vocab_size()) is fine (the search decodes
  // random genomes); InvalidArgument for one outside.
  StatusOr<std::string> Decode(std::span<const int32_t> ids) const;
  // The raw bytes of ids, before the UTF-8 decoding (to cut at a token before decoding).
  StatusOr<std::string> DecodeBytes(std::span<const int32_t> ids) const;

  int32_t vocab_size() const { return static_cast<int32_t>(token_bytes_.size()); }
  const std::string& TokenString(int32_t id) const { return model_.Token(id); }

 private:
  Gpt2Tokenizer(BpeModel model, std::vector<std::string> token_bytes, Pcre2Regex pattern,
                std::vector<int32_t> byte_ids);

  void EncodeWord(std::string_view word, std::vector<int32_t>* ids) const;

  BpeModel model_;
  std::vector<std::string> token_bytes_;
  Pcre2Regex pattern_;
  std::vector<int32_t> byte_ids_;  // byte -> id of its character
  mutable BpeCache cache_;
};

}  // namespace clipglass::tokenizers
