// The CLIP and GPT-2 tokenizers a worker needs, loaded once per vocabulary folder and kept for the
// worker's life (they are small next to the models and slow-ish to build).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "worker/tokenizers/clip_tokenizer.h"
#include "worker/tokenizers/gpt2_tokenizer.h"

namespace clipglass::worker {

// Thread-compatible.
class TokenizerStore {
 public:
  // `dir` empty: the vocabularies the program ships (FindDataFile); else the folder holding
  // bpe_simple_vocab_16e6.txt.gz (CLIP) or encoder.json and vocab.bpe (GPT-2).
  StatusOr<std::shared_ptr<const tokenizers::ClipTokenizer>> Clip(const std::string& dir);
  StatusOr<std::shared_ptr<const tokenizers::Gpt2Tokenizer>> Gpt2(const std::string& dir);

 private:
  std::map<std::string, std::shared_ptr<const tokenizers::ClipTokenizer>> clip_;
  std::map<std::string, std::shared_ptr<const tokenizers::Gpt2Tokenizer>> gpt2_;
};

}  // namespace clipglass::worker
