// CLIP's BPE tokenizer, exact to the copy of OpenAI's simple_tokenizer.py + clip.tokenize() that
// CLIP-GLaSS runs.
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

// Where the merges file ships, for FindDataFile.
inline constexpr char kClipMergesFile[] = "worker/tokenizers/vocab/bpe_simple_vocab_16e6.txt.gz";

// What Tokenize does with a text that needs more than context_length ids (with SOT and EOT).
enum class ClipOverflow {
  kError,     // InvalidArgument, as this CLIP version raises (CLIP-GLaSS then scores it 0)
  kTruncate,  // keep the first context_length ids, the last replaced by EOT (later OpenAI CLIP's
              // truncate=True), and log a warning
};

// Token ids of a batch of texts: rows x context_length, zero padded, int64 as the model takes.
struct ClipTokenBatch {
  int64_t rows = 0;
  int64_t context_length = 0;
  std::vector<int64_t> ids;     // row-major [rows, context_length]
  std::vector<bool> truncated;  // per row: ClipOverflow::kTruncate shortened it
  std::span<const int64_t> row(int64_t i) const {
    return std::span<const int64_t>(ids).subspan(i * context_length, context_length);
  }
};

// Thread-safety: every method is safe to call concurrently (the word cache has its own lock).
class ClipTokenizer {
 public:
  static constexpr int32_t kStartOfText = 49406;  // <|startoftext|>
  static constexpr int32_t kEndOfText = 49407;    // <|endoftext|>
  static constexpr int kContextLength = 77;

  // From the gzipped merges file (bpe_simple_vocab_16e6.txt.gz): its lines
  // [1 : 49152-256-2+1] are the 48,894 merges. NotFound/DataLoss naming the file.
  static StatusOr<std::unique_ptr<ClipTokenizer>> Load(const std::string& merges_gz_path);
  // Load(FindDataFile(kClipMergesFile)).
  static StatusOr<std::unique_ptr<ClipTokenizer>> LoadDefault();

  // SimpleTokenizer.encode(text): clean-up (CleanClipText), the pre-tokenising pattern, BPE; no
  // SOT/EOT. "<|startoftext|>" and "<|endoftext|>" in the text are the special tokens.
  // InvalidArgument when `text` is not UTF-8.
  StatusOr<std::vector<int32_t>> Encode(std::string_view text) const;

  // [SOT] + Encode(text) + [EOT] for each text (clip.tokenize without the padding), subject to
  // `overflow` like Tokenize.
  StatusOr<std::vector<int32_t>> EncodeWithSpecials(std::string_view text,
                                                    int context_length = kContextLength,
                                                    ClipOverflow overflow = ClipOverflow::kError,
                                                    bool* truncated = nullptr) const;

  // clip.tokenize(texts, context_length): one zero-padded row per text.
  StatusOr<ClipTokenBatch> Tokenize(std::span<const std::string> texts,
                                    int context_length = kContextLength,
                                    ClipOverflow overflow = ClipOverflow::kError) const;

  // SimpleTokenizer.decode(ids): bytes decoded as UTF-8 with U+FFFD for invalid sequences, then
  // every "</w>" -> " " (so words end with a space). Padding zeros decode as "!", as in the
  // original: strip them first. InvalidArgument for an id outside [0, vocab_size()).
  StatusOr<std::string> Decode(std::span<const int32_t> ids) const;

  int32_t vocab_size() const { return model_.size(); }
  // The vocabulary string of an id ("</w>" marks a word end), for tests and diagnostics.
  const std::string& TokenString(int32_t id) const { return model_.Token(id); }

 private:
  ClipTokenizer(BpeModel model, std::vector<std::string> token_bytes, Pcre2Regex pattern,
                std::vector<int32_t> byte_ids, std::vector<int32_t> end_byte_ids);

  void EncodeWord(std::string_view word, std::vector<int32_t>* ids) const;

  BpeModel model_;
  std::vector<std::string> token_bytes_;  // per id, for Decode
  Pcre2Regex pattern_;
  std::vector<int32_t> byte_ids_;      // byte -> id of its character
  std::vector<int32_t> end_byte_ids_;  // byte -> id of its character + "</w>"
  mutable BpeCache cache_;
};

}  // namespace clipglass::tokenizers
