// Ref: openai/gpt-2 src/encoder.py (bytes_to_unicode, get_pairs, Encoder.bpe) and
// openai/CLIP clip/simple_tokenizer.py, which copies them.
#include "worker/tokenizers/byte_level_bpe.h"

#include <array>
#include <limits>

#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {

const std::vector<ByteChar>& ByteUnicodeOrder() {
  static const std::vector<ByteChar> order = [] {
    std::vector<ByteChar> out;
    std::array<bool, 256> printable{};
    for (int b = '!'; b <= '~'; ++b) printable[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
    for (int b = 0; b < 256; ++b) {
      if (printable[b]) out.push_back({static_cast<uint8_t>(b), static_cast<char32_t>(b)});
    }
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      if (!printable[b]) out.push_back({static_cast<uint8_t>(b), next++});
    }
    return out;
  }();
  return order;
}

char32_t ByteToUnicode(uint8_t byte) {
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> out{};
    for (const ByteChar& bc : ByteUnicodeOrder()) out[bc.byte] = bc.character;
    return out;
  }();
  return table[byte];
}

int UnicodeToByte(char32_t character) {
  // The 256 characters all lie below U+0144.
  static const std::array<int16_t, 512> table = [] {
    std::array<int16_t, 512> out;
    out.fill(-1);
    for (const ByteChar& bc : ByteUnicodeOrder()) out[bc.character] = bc.byte;
    return out;
  }();
  return character < table.size() ? table[character] : -1;
}

void BpeModel::AddToken(std::string token, int32_t id) {
  if (id >= static_cast<int32_t>(tokens_.size())) tokens_.resize(id + 1);
  ids_.insert_or_assign(token, id);
  tokens_[id] = std::move(token);
}

Status BpeModel::AddMerge(std::string_view left, std::string_view right) {
  const int32_t left_id = TokenId(left);
  const int32_t right_id = TokenId(right);
  std::string merged(left);
  merged += right;
  const int32_t merged_id = TokenId(merged);
  if (left_id < 0 || right_id < 0 || merged_id < 0) {
    return DataLossError("merge '" + std::string(left) + " " + std::string(right) +
                         "' uses a token that is not in the vocabulary");
  }
  merges_.insert_or_assign(PairKey(left_id, right_id), Ranked{next_rank_++, merged_id});
  return Status::Ok();
}

int32_t BpeModel::TokenId(std::string_view token) const {
  const auto it = ids_.find(std::string(token));
  return it == ids_.end() ? -1 : it->second;
}

void BpeModel::Merge(std::vector<int32_t>* symbols) const {
  std::vector<int32_t>& word = *symbols;
  std::vector<int32_t> merged_word;
  while (word.size() > 1) {
    int32_t best_rank = std::numeric_limits<int32_t>::max();
    size_t best = 0;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      const auto it = merges_.find(PairKey(word[i], word[i + 1]));
      if (it != merges_.end() && it->second.rank < best_rank) {
        best_rank = it->second.rank;
        best = i;
      }
    }
    if (best_rank == std::numeric_limits<int32_t>::max()) break;
    const int32_t left = word[best], right = word[best + 1];
    const int32_t merged = merges_.at(PairKey(left, right)).merged;
    merged_word.clear();
    for (size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == left && word[i + 1] == right) {
        merged_word.push_back(merged);
        i += 2;
      } else {
        merged_word.push_back(word[i++]);
      }
    }
    word.swap(merged_word);
  }
}

StatusOr<std::vector<std::string>> BpeModel::TokenBytes() const {
  std::vector<std::string> out(tokens_.size());
  for (size_t id = 0; id < tokens_.size(); ++id) {
    CG_ASSIGN_OR_RETURN(const std::u32string chars, DecodeUtf8(tokens_[id]));
    std::string& bytes = out[id];
    bytes.reserve(chars.size());
    for (char32_t c : chars) {
      const int b = UnicodeToByte(c);
      if (b < 0) {
        return DataLossError("token " + std::to_string(id) + " ('" + tokens_[id] +
                             "') holds a character outside the byte table");
      }
      bytes.push_back(static_cast<char>(b));
    }
  }
  return out;
}

bool BpeCache::Lookup(std::string_view word, std::vector<int32_t>* ids) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(std::string(word));
  if (it == entries_.end()) return false;
  ids->insert(ids->end(), it->second.begin(), it->second.end());
  return true;
}

void BpeCache::Insert(std::string_view word, std::span<const int32_t> ids) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.emplace(std::string(word), std::vector<int32_t>(ids.begin(), ids.end()));
}

Status AppendTokenBytes(const std::vector<std::string>& token_bytes, std::span<const int32_t> ids,
                        std::string* out) {
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (id < 0 || static_cast<size_t>(id) >= token_bytes.size()) {
      return InvalidArgumentError("token id " + std::to_string(id) + " at position " +
                                  std::to_string(i) + " is outside the vocabulary [0, " +
                                  std::to_string(token_bytes.size()) + ")");
    }
    out->append(token_bytes[id]);
  }
  return Status::Ok();
}

}  // namespace clipglass::tokenizers
