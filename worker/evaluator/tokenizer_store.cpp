#include "worker/evaluator/tokenizer_store.h"

#include <filesystem>

namespace clipglass::worker {
namespace {

std::string InDir(const std::string& dir, const char* shipped_path) {
  return (std::filesystem::path(dir) / std::filesystem::path(shipped_path).filename()).string();
}

}  // namespace

StatusOr<std::shared_ptr<const tokenizers::ClipTokenizer>> TokenizerStore::Clip(
    const std::string& dir) {
  auto it = clip_.find(dir);
  if (it != clip_.end()) return it->second;
  auto loaded = dir.empty()
                    ? tokenizers::ClipTokenizer::LoadDefault()
                    : tokenizers::ClipTokenizer::Load(InDir(dir, tokenizers::kClipMergesFile));
  if (!loaded.ok()) return loaded.status().WithContext("CLIP tokenizer");
  std::shared_ptr<const tokenizers::ClipTokenizer> tokenizer = std::move(*loaded);
  clip_[dir] = tokenizer;
  return tokenizer;
}

StatusOr<std::shared_ptr<const tokenizers::Gpt2Tokenizer>> TokenizerStore::Gpt2(
    const std::string& dir) {
  auto it = gpt2_.find(dir);
  if (it != gpt2_.end()) return it->second;
  auto loaded = dir.empty()
                    ? tokenizers::Gpt2Tokenizer::LoadDefault()
                    : tokenizers::Gpt2Tokenizer::Load(InDir(dir, tokenizers::kGpt2EncoderFile),
                                                      InDir(dir, tokenizers::kGpt2MergesFile));
  if (!loaded.ok()) return loaded.status().WithContext("GPT-2 tokenizer");
  std::shared_ptr<const tokenizers::Gpt2Tokenizer> tokenizer = std::move(*loaded);
  gpt2_[dir] = tokenizer;
  return tokenizer;
}

}  // namespace clipglass::worker
