// UTF-8 <-> code points, strict and with Python's errors='replace' semantics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace clipglass::tokenizers {

// Length of the well-formed UTF-8 sequence at the start of `bytes` (1..4) with its code point in
// *code_point, or 0 when it is ill-formed; then *bad_length is the length of its maximal subpart
// (Unicode 3.9, D93b: the longest prefix of a well-formed sequence, at least 1 byte).
// REQUIRES: !bytes.empty().
int DecodeUtf8Sequence(std::string_view bytes, char32_t* code_point, int* bad_length);

// The code points of well-formed UTF-8, or InvalidArgument naming the byte offset of the first
// ill-formed sequence (surrogates and overlong forms are ill-formed).
StatusOr<std::u32string> DecodeUtf8(std::string_view bytes);

// Python's bytes.decode('utf-8') (strict): nullopt where Python raises UnicodeDecodeError.
std::optional<std::u32string> DecodeUtf8Strict(std::string_view bytes);

// Python's bytes.decode('utf-8', errors='replace'): each maximal subpart of an ill-formed
// sequence becomes one U+FFFD. Returns UTF-8.
std::string DecodeUtf8Replace(std::string_view bytes);

// Appends the UTF-8 form of `c`; a surrogate or out-of-range value is written as U+FFFD.
void AppendUtf8(char32_t c, std::string* out);
std::string EncodeUtf8(std::u32string_view text);

}  // namespace clipglass::tokenizers
