// Tokenizer load time and throughput: loading the shipped vocabularies, CLIP-encoding captions
// (warm and cold word cache, plain and mojibake text), GPT-2 decoding of random genomes.
// Run: build/bench/tokenizer_bench (prints figures; not a test).
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "worker/tokenizers/clip_tokenizer.h"
#include "worker/tokenizers/gpt2_tokenizer.h"

namespace clipglass::tokenizers {
namespace {

const std::string kVocab = std::string(CLIPGLASS_SOURCE_DIR) + "/worker/tokenizers/vocab/";

const ClipTokenizer& Clip() {
  static const auto* tokenizer =
      ClipTokenizer::Load(kVocab + "bpe_simple_vocab_16e6.txt.gz")->release();
  return *tokenizer;
}

const Gpt2Tokenizer& Gpt2() {
  static const auto* tokenizer =
      Gpt2Tokenizer::Load(kVocab + "encoder.json", kVocab + "vocab.bpe")->release();
  return *tokenizer;
}

void BM_ClipLoad(benchmark::State& state) {
  for (auto _ : state) {
    auto tokenizer = ClipTokenizer::Load(kVocab + "bpe_simple_vocab_16e6.txt.gz");
    benchmark::DoNotOptimize(tokenizer);
  }
}
BENCHMARK(BM_ClipLoad)->Unit(benchmark::kMillisecond);

void BM_Gpt2Load(benchmark::State& state) {
  for (auto _ : state) {
    auto tokenizer = Gpt2Tokenizer::Load(kVocab + "encoder.json", kVocab + "vocab.bpe");
    benchmark::DoNotOptimize(tokenizer);
  }
}
BENCHMARK(BM_Gpt2Load)->Unit(benchmark::kMillisecond);

// A caption the genetic search scores over and over (warm cache).
void BM_ClipEncodeCaption(benchmark::State& state) {
  const std::string caption = "the picture of a man with brown eyes and a stubble beard";
  for (auto _ : state) benchmark::DoNotOptimize(Clip().EncodeWithSpecials(caption));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClipEncodeCaption);

// Captions of never-seen words, as GPT-2 produces from random genomes (cold cache).
void BM_ClipEncodeNewWords(benchmark::State& state) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> letter('a', 'z');
  for (auto _ : state) {
    std::string caption;
    for (int w = 0; w < 8; ++w) {
      for (int i = 0; i < 7; ++i) caption.push_back(static_cast<char>(letter(rng)));
      caption.push_back(' ');
    }
    benchmark::DoNotOptimize(Clip().EncodeWithSpecials(caption));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClipEncodeNewWords);

// Non-ASCII text takes the whole ftfy path (mojibake detection, NFC, character classes).
void BM_ClipEncodeMojibake(benchmark::State& state) {
  const std::string caption = "mojibake: â€œbroken quotesâ€\u009d and cafÃ© and donâ€™t";
  for (auto _ : state) benchmark::DoNotOptimize(Clip().EncodeWithSpecials(caption));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClipEncodeMojibake);

// What the image-to-text search does per individual: decode 20 arbitrary ids.
void BM_Gpt2DecodeGenome(benchmark::State& state) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int32_t> id(0, Gpt2().vocab_size() - 1);
  std::vector<std::vector<int32_t>> genomes(1024, std::vector<int32_t>(20));
  for (auto& genome : genomes) {
    for (int32_t& x : genome) x = id(rng);
  }
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(Gpt2().Decode(genomes[i++ % genomes.size()]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Gpt2DecodeGenome);

void BM_Gpt2Encode(benchmark::State& state) {
  const std::string text = "the picture of a man with brown eyes and a stubble beard";
  for (auto _ : state) benchmark::DoNotOptimize(Gpt2().Encode(text));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Gpt2Encode);

}  // namespace
}  // namespace clipglass::tokenizers

BENCHMARK_MAIN();
