// ftfy's measure of how much a text looks like mojibake, which decides whether re-decoding it
// made it better.
#pragma once

#include <string>
#include <string_view>

namespace clipglass::tokenizers {

// ftfy's one-letter character class (build_data.py): L/l Latin upper/lower, A/a other cased
// letters, C uncased letters, m letter modifiers, i IPA, M marks, N other numbers, 1 math and
// currency, 2 modifier symbols, 3 other symbols, X controls, S surrogates, P private use,
// _ unassigned, ' ' whitespace, o the rest. From ICU's character data (Unicode 15, where ftfy's
// table is Unicode 11: only characters assigned since then can differ).
char FtfyCharClass(char32_t c);

// badness.sequence_weirdness(): 2 x (weird neighbouring classes) + 2 x (typical mojibake
// sequences) - (common symbols that also occur in mojibake), on the NFC form of `text`.
int SequenceWeirdness(std::u32string_view text);

// badness.text_cost(): SequenceWeirdness(text) + len(text).
int TextCost(std::u32string_view text);

}  // namespace clipglass::tokenizers
