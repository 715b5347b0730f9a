// Ref: galatolofederico/clip-glass models.py GPT2.parse_out.
#include "worker/models/gpt2_caption.h"

#include <algorithm>

namespace clipglass::models {

std::vector<int64_t> CaptionIds(std::span<const int64_t> sequence, const CaptionRules& rules) {
  const auto size = static_cast<int64_t>(sequence.size());
  const int64_t begin = std::clamp<int64_t>(rules.genome_length, 0, size);
  const int64_t search_from = rules.end_of_text_in_genome_empties_caption ? 0 : begin;
  int64_t end = size;
  for (int64_t i = search_from; i < size; ++i) {
    if (sequence[i] == rules.end_of_text_id) {
      end = i;
      break;
    }
  }
  if (end <= begin) return {};  // Python's seq[begin:end] with end <= begin
  return {sequence.begin() + begin, sequence.begin() + end};
}

std::string KeepCodePoints(std::string_view utf8, int64_t max_code_points) {
  if (max_code_points <= 0) return {};
  int64_t seen = 0;
  for (size_t i = 0; i < utf8.size(); ++i) {
    // Every byte that is not a continuation byte (10xxxxxx) starts a code point.
    if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80 && seen++ == max_code_points) {
      return std::string(utf8.substr(0, i));
    }
  }
  return std::string(utf8);
}

}  // namespace clipglass::models
