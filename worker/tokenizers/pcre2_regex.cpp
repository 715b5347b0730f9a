#include "worker/tokenizers/pcre2_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdio>
#include <cstdlib>

namespace clipglass::tokenizers {

struct Pcre2Regex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

StatusOr<Pcre2Regex> Pcre2Regex::Compile(std::string_view pattern, unsigned flags) {
  uint32_t options = 0;
  if (flags & kUtf) options |= PCRE2_UTF;
  if (flags & kUcp) options |= PCRE2_UCP;
  if (flags & kCaseless) options |= PCRE2_CASELESS;
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return InvalidArgumentError("regular expression at offset " + std::to_string(offset) + ": " +
                                reinterpret_cast<const char*>(message));
  }
  // JIT makes matching several times faster; without it (unsupported CPU) the interpreter runs.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  auto holder = std::make_shared<Code>();
  holder->code = code;
  return Pcre2Regex(std::move(holder), flags);
}

Pcre2Regex Pcre2Regex::CompileOrDie(std::string_view pattern, unsigned flags) {
  StatusOr<Pcre2Regex> regex = Compile(pattern, flags);
  if (!regex.ok()) {
    std::fprintf(stderr, "clipglass: internal pattern: %s\n", regex.status().message().c_str());
    std::abort();
  }
  return std::move(regex).value();
}

std::vector<std::pair<size_t, size_t>> Pcre2Regex::FindAll(std::string_view subject) const {
  std::vector<std::pair<size_t, size_t>> matches;
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  const auto* begin = reinterpret_cast<PCRE2_SPTR>(subject.data());
  const uint32_t options = (flags_ & kUtf) ? PCRE2_NO_UTF_CHECK : 0;
  size_t offset = 0;
  while (offset <= subject.size()) {
    int rc = pcre2_match(code_->code, begin, subject.size(), offset, options, data, nullptr);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
      // The JIT stack ran out: the interpreter keeps its backtracking state on the heap.
      rc = pcre2_match(code_->code, begin, subject.size(), offset, options | PCRE2_NO_JIT, data,
                       nullptr);
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      // Our patterns match in linear time; a resource error here is a bug, not bad input.
      std::fprintf(stderr, "clipglass: PCRE2 matching failed with error %d\n", rc);
      std::abort();
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
    const size_t match_begin = ovector[0], match_end = ovector[1];
    matches.emplace_back(match_begin, match_end);
    if (match_end > match_begin) {
      offset = match_end;
    } else {
      // An empty match: step over one character (a whole UTF-8 sequence in UTF mode).
      offset = match_end + 1;
      if (flags_ & kUtf) {
        while (offset < subject.size() && (static_cast<uint8_t>(subject[offset]) & 0xC0) == 0x80) {
          ++offset;
        }
      }
    }
  }
  pcre2_match_data_free(data);
  return matches;
}

}  // namespace clipglass::tokenizers
