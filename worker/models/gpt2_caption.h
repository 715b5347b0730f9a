// CLIP-GLaSS's caption rules for GPT-2 (no LibTorch): which generated ids become the caption and
// how long the caption text may be.
//
// Ref: galatolofederico/clip-glass models.py GPT2.generate / GPT2.parse_out, config.py (GPT2:
// dim_z 20, init_text "the picture of", max_tokens_len 30, max_text_len 50, stochastic False).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace clipglass::models {

struct CaptionRules {
  int64_t genome_length = 20;                   // dim_z: the genome ids that lead every sequence
  std::string context_text = "the picture of";  // init_text, appended to every genome
  int64_t new_tokens = 30;                      // max_tokens_len: generated after genome + context
  int64_t end_of_text_id = 50256;               // <|endoftext|>
  int64_t max_chars = 50;  // max_text_len: Python str characters (code points) kept
  // The original looks for <|endoftext|> in the WHOLE sequence (Python's seq.index), genome
  // included, so a genome holding that id gives an empty caption (seq[20:i] with i < 20). true
  // reproduces that; false looks for it only after the genome.
  bool end_of_text_in_genome_empties_caption = true;
};

// The ids of the caption in one generated sequence (genome + context + generated ids): the genome
// is dropped (the context text stays), and the sequence is cut before the first <|endoftext|>.
std::vector<int64_t> CaptionIds(std::span<const int64_t> sequence, const CaptionRules& rules);

// The first `max_code_points` code points of a UTF-8 string (Python's text[:n]). REQUIRES: valid
// UTF-8 (decoded GPT-2 text is: invalid bytes are already U+FFFD).
std::string KeepCodePoints(std::string_view utf8, int64_t max_code_points);

}  // namespace clipglass::models
