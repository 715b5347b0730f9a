// CLIP's text clean-up before tokenising: basic_clean, whitespace_clean, lower().
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace clipglass::tokenizers {

// whitespace_clean(basic_clean(text)).lower() of clip/simple_tokenizer.py, on UTF-8:
// FixText (ftfy.fix_text), html.unescape twice, strip(), every run of White_Space characters
// -> one space, strip(), Unicode lower-casing. InvalidArgument when `text` is not UTF-8.
// Ref: openai/CLIP clip/simple_tokenizer.py (basic_clean, whitespace_clean, encode).
StatusOr<std::string> CleanClipText(std::string_view text);

// ftfy.fix_text alone, on UTF-8 (for tests and diagnostics).
StatusOr<std::string> FtfyFixText(std::string_view text);

}  // namespace clipglass::tokenizers
