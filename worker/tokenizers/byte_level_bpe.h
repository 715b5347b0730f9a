// Byte-level BPE shared by the CLIP and GPT-2 tokenizers: the byte <-> printable-character
// table, a vocabulary with its merge ranks, and the merge loop.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace clipglass::tokenizers {

// bytes_to_unicode(): the 256 (byte, character) pairs in the original's order (printable
// '!'..'~', '¡'..'¬', '®'..'ÿ' map to themselves, then the other bytes to U+0100.. in byte
// order). The CLIP vocabulary starts with the characters in exactly this order.
struct ByteChar {
  uint8_t byte;
  char32_t character;
};
const std::vector<ByteChar>& ByteUnicodeOrder();
char32_t ByteToUnicode(uint8_t byte);
// The byte a vocabulary character stands for, or -1 when it is not one of the 256.
int UnicodeToByte(char32_t character);

// A vocabulary (token strings, UTF-8 of the byte characters) and its ranked merges.
// Thread-safety: immutable after construction.
class BpeModel {
 public:
  // Token `id` is `token`; a string listed twice maps to its last id, as dict(zip(...)) does.
  void AddToken(std::string token, int32_t id);
  // Ranks follow call order from 0; a pair listed twice keeps its last rank. DataLoss when a side
  // or the merged token is not in the vocabulary.
  Status AddMerge(std::string_view left, std::string_view right);

  // The id of a token string, or -1.
  int32_t TokenId(std::string_view token) const;
  const std::string& Token(int32_t id) const { return tokens_[id]; }
  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }
  int32_t num_merges() const { return next_rank_; }

  // Applies the merges to a word given as token ids, as the original bpe() does: repeatedly the
  // adjacent pair with the lowest rank is merged everywhere, left to right, until no ranked pair
  // is left.
  void Merge(std::vector<int32_t>* symbols) const;

  // Each token's bytes (the characters mapped back through the byte table), for decoding.
  // DataLoss naming the first token that holds a character outside the table.
  StatusOr<std::vector<std::string>> TokenBytes() const;

 private:
  struct Ranked {
    int32_t rank;
    int32_t merged;
  };
  static uint64_t PairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
  std::unordered_map<uint64_t, Ranked> merges_;
  int32_t next_rank_ = 0;
};

// The per-word cache of the originals (word -> token ids). Bounded: the genetic search decodes
// and re-encodes endless new garbage words, so it is emptied when it reaches `capacity` words.
// Thread-safety: safe for concurrent use.
class BpeCache {
 public:
  explicit BpeCache(size_t capacity = 1 << 16) : capacity_(capacity) {}
  bool Lookup(std::string_view word, std::vector<int32_t>* ids) const;
  void Insert(std::string_view word, std::span<const int32_t> ids);

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<int32_t>> entries_;  // GUARDED_BY(mu_)
};

// Concatenates the bytes of `ids`. InvalidArgument naming the first id outside [0, size).
Status AppendTokenBytes(const std::vector<std::string>& token_bytes, std::span<const int32_t> ids,
                        std::string* out);

}  // namespace clipglass::tokenizers
