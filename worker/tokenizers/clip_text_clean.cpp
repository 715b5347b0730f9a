#include "worker/tokenizers/clip_text_clean.h"

#include "worker/tokenizers/ftfy.h"
#include "worker/tokenizers/html_unescape.h"
#include "worker/tokenizers/unicode_util.h"
#include "worker/tokenizers/utf8.h"

namespace clipglass::tokenizers {

StatusOr<std::string> CleanClipText(std::string_view text) {
  CG_ASSIGN_OR_RETURN(const std::u32string decoded, DecodeUtf8(text));
  // basic_clean
  std::u32string fixed = FixText(decoded);
  fixed = PythonHtmlUnescape(PythonHtmlUnescape(fixed));
  const std::u32string_view stripped = StripPython(fixed);
  // whitespace_clean: re.sub(r'\s+', ' ', text).strip() with the `regex` module's \s.
  std::u32string collapsed;
  collapsed.reserve(stripped.size());
  bool in_run = false;
  for (char32_t c : stripped) {
    const bool space = IsUnicodeWhiteSpace(c);
    if (!space) {
      collapsed.push_back(c);
    } else if (!in_run) {
      collapsed.push_back(U' ');
    }
    in_run = space;
  }
  return EncodeUtf8(ToLowerPython(StripPython(collapsed)));
}

StatusOr<std::string> FtfyFixText(std::string_view text) {
  CG_ASSIGN_OR_RETURN(const std::u32string decoded, DecodeUtf8(text));
  return EncodeUtf8(FixText(decoded));
}

}  // namespace clipglass::tokenizers
