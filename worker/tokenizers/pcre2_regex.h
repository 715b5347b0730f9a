// A compiled PCRE2 pattern (8-bit code units) with Python-findall-style iteration.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace clipglass::tokenizers {

// Thread-safety: immutable after Compile; every match call uses its own match data.
class Pcre2Regex {
 public:
  enum Flags : unsigned {
    kBytes = 0,      // the subject is bytes; \xHH in the pattern is a byte
    kUtf = 1u << 0,  // the subject is UTF-8 (callers validate it: matching skips the check)
    kUcp = 1u << 1,  // \d, \w, \s and POSIX classes by Unicode properties
    kCaseless = 1u << 2,
  };

  // InvalidArgument naming the pattern's offset at fault.
  static StatusOr<Pcre2Regex> Compile(std::string_view pattern, unsigned flags);
  // For patterns written in this program: aborts with the PCRE2 message if they do not compile.
  static Pcre2Regex CompileOrDie(std::string_view pattern, unsigned flags);

  // [begin, end) byte offsets of the non-overlapping matches, left to right, as re.findall
  // visits them (after an empty match the search resumes one character later).
  std::vector<std::pair<size_t, size_t>> FindAll(std::string_view subject) const;
  size_t CountMatches(std::string_view subject) const { return FindAll(subject).size(); }

 private:
  struct Code;
  explicit Pcre2Regex(std::shared_ptr<const Code> code, unsigned flags)
      : code_(std::move(code)), flags_(flags) {}

  std::shared_ptr<const Code> code_;
  unsigned flags_ = 0;
};

}  // namespace clipglass::tokenizers
