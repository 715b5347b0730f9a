// img2txt_landscape: the whole objective landscape of the demo world's image-to-text search.
//
// configs/DemoGPT2.yaml (read from the file) searches 16 free GPT-2 ids and 4 genes that each
// pick one of the world's 12 attribute words; the tiny GPT-2 follows only those last four slots
// (size, colour, shape, background; docs/training/clip_gpt2.md). This program captions EVERY tail
// (12^4 = 20736) behind a few random prefixes, scores each distinct caption against the quality
// benchmark's image-to-text targets with the demo CLIP, and prints per target: the optimum of the
// search's objective (CLIP similarity), its caption and how many of the render's four attributes it
// names, the best any caption names, the share of genomes that reach the optimum and the chance
// that random search with the benchmark's budget does; then the mean similarity of the tails by how
// many of their four slots hold the target's word, which shows whether a search can climb.
//
//   build/bench/img2txt_landscape [--prefixes 3] [--budget 640] [--images 6] [--word-prefix]
//                                 [--config configs/DemoGPT2.yaml] [--weights-dir weights]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/exit_on_error.h"
#include "bench/quality_targets.h"
#include "cli/process_setup.h"
#include "coordinator/grid/config_loader.h"
#include "worker/models/caption_scorer.h"
#include "worker/models/clip.h"
#include "worker/models/gpt2.h"
#include "worker/tokenizers/clip_tokenizer.h"
#include "worker/tokenizers/gpt2_tokenizer.h"
#include "world/captions.h"
#include "world/dataset.h"
#include "world/render.h"

namespace {

using namespace clipglass;
using bench::Die;
using bench::Take;

// The same targets as bench/quality_bench.cpp: renders 0.. of each split.
using bench::kTargetRenderSeed;
// The slots the captioner follows: size, colour, shape, background.
constexpr int kTail = 4;

struct Flags {
  std::string config = std::string(CLIPGLASS_SOURCE_DIR) + "/configs/DemoGPT2.yaml";
  std::string weights_dir = std::string(CLIPGLASS_SOURCE_DIR) + "/weights";
  int prefixes = 3;
  int budget = 640;  // the quality benchmark's evaluations per run (16 x 40)
  int images = 6;    // per split
  uint64_t seed = 1;
  bool word_prefix = false;  // prefixes of alphabet words (DemoGPT2 before 2026-11-29)
};

at::Tensor EmbedRender(const models::ClipModel& clip, const world::Scene& scene) {
  // As the evaluator embeds an image-to-text target (worker/evaluator/target_cache.cpp).
  return Take(models::EncodeRgbImage(clip, world::RenderScene(scene, 32)));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The image-to-text objective of the demo world, exhaustively"};
  Flags flags;
  app.add_option("--config", flags.config, "The image-to-text generator config");
  app.add_option("--weights-dir", flags.weights_dir, "Weights folder the config's paths are in");
  app.add_option("--prefixes", flags.prefixes, "Random 16-word prefixes in front of every tail");
  app.add_option("--budget", flags.budget, "Random search's evaluations per run");
  app.add_option("--images", flags.images, "Target renders per split");
  app.add_option("--seed", flags.seed, "Seed of the prefixes");
  app.add_flag("--word-prefix", flags.word_prefix,
               "Prefixes of attribute words instead of GPT-2 ids (the earlier genome)");
  cli::PrepareProcess(argc, argv);
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(2);

  // The search as the config sets it up: a free segment of token ids, then the segment whose
  // genes index genome_token_ids.
  const grid::GeneratorConfig config =
      Take(grid::LoadGeneratorConfig(flags.config, flags.weights_dir));
  const grid::Gpt2Settings& settings = config.model.gpt2;
  if (config.genome.size() != 2 || settings.genome_token_ids_segment != config.genome[1].name ||
      config.genome[1].size != kTail) {
    Die(flags.config +
        ": expected a free segment of token ids, then 'genome_token_ids_segment' "
        "naming a last segment of 4 genes");
  }
  const std::vector<int64_t>& words = settings.genome_token_ids;
  const grid::GenomeSegment& free = config.genome[0];
  const int64_t genome_length = free.size + kTail;

  auto gpt2 =
      std::shared_ptr<const models::Gpt2>(Take(models::Gpt2::Load(config.model.generator.path)));
  auto clip = std::shared_ptr<const models::ClipModel>(
      Take(models::ClipModel::Load(config.clip.weights.path)));
  auto gpt2_tokenizer = std::shared_ptr<const tokenizers::Gpt2Tokenizer>(
      Take(tokenizers::Gpt2Tokenizer::LoadDefault()));
  auto clip_tokenizer = std::shared_ptr<const tokenizers::ClipTokenizer>(
      Take(tokenizers::ClipTokenizer::LoadDefault()));
  models::CaptionScorerOptions options;
  options.rules.genome_length = genome_length;
  options.rules.context_text = settings.context;
  options.rules.new_tokens = settings.generated_tokens;
  options.rules.max_chars = settings.max_chars;
  auto scorer =
      Take(models::CaptionScorer::Create(gpt2, gpt2_tokenizer, clip, clip_tokenizer, options));
  // The word list's index of a world word (" large", " red", ...), -1 when it is not listed.
  const auto index_of = [&](std::string_view word) {
    const std::vector<int32_t> ids = Take(gpt2_tokenizer->Encode(" " + std::string(word)));
    const auto at = std::find(words.begin(), words.end(), ids.front());
    return ids.size() == 1 && at != words.end() ? static_cast<int>(at - words.begin()) : -1;
  };

  // Every tail behind each prefix; gene g of the tail stands for words[g].
  const int alphabet = static_cast<int>(words.size());
  int tails = 1;
  for (int k = 0; k < kTail; ++k) tails *= alphabet;
  std::mt19937_64 rng(flags.seed);
  std::uniform_int_distribution<int> gene(0, alphabet - 1);
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, int64_t> genomes_of;  // caption -> genomes that write it
  std::vector<std::vector<std::string>> caption_of(flags.prefixes);  // [prefix][tail]
  for (int p = 0; p < flags.prefixes; ++p) {
    std::vector<int64_t> prefix(free.size);
    std::uniform_int_distribution<int64_t> free_id(static_cast<int64_t>(free.low),
                                                   static_cast<int64_t>(free.high));
    for (int64_t& id : prefix) id = flags.word_prefix ? words[gene(rng)] : free_id(rng);
    at::Tensor genomes = at::empty({tails, genome_length}, at::kLong);
    auto rows = genomes.accessor<int64_t, 2>();
    for (int t = 0; t < tails; ++t) {
      for (int64_t k = 0; k < free.size; ++k) rows[t][k] = prefix[k];
      for (int k = 0, rest = t; k < kTail; ++k, rest /= alphabet) {
        rows[t][free.size + k] = words[rest % alphabet];
      }
    }
    caption_of[p] = Take(scorer->Caption(genomes));
    for (const std::string& caption : caption_of[p]) ++genomes_of[caption];
  }
  const double caption_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int64_t same_across_prefixes = 0;
  for (int t = 0; t < tails; ++t) {
    bool same = true;
    for (int p = 1; p < flags.prefixes; ++p) same &= caption_of[p][t] == caption_of[0][t];
    same_across_prefixes += same;
  }
  std::vector<std::string> distinct;
  for (const auto& [caption, count] : genomes_of) distinct.push_back(caption);
  const double total = static_cast<double>(tails) * flags.prefixes;
  int64_t complete = 0;
  for (const auto& [caption, count] : genomes_of) {
    const world::ParsedCaption parsed = world::ParseCaption(caption);
    complete += count * (parsed.shape && parsed.colour && parsed.background && parsed.size);
  }
  std::printf(
      "%d prefixes x %d tails = %.0f genomes captioned in %.1f s: %zu distinct captions, "
      "%.3f of genomes name all four attributes; a tail gives the same caption behind "
      "every prefix for %.3f of tails\n\n",
      flags.prefixes, tails, total, caption_seconds, distinct.size(), complete / total,
      static_cast<double>(same_across_prefixes) / tails);

  std::printf("%-8s %-30s %7s %-60s %7s %4s %9s %9s  %s\n", "split", "target", "optimum",
              "caption at the optimum", "correct", "best", "p(genome)", "p(random)",
              "mean similarity of tails with 0/1/2/3/4 of the target's words in place");
  for (const world::Split split : {world::Split::kHeldOut, world::Split::kTrain}) {
    for (int i = 0; i < flags.images; ++i) {
      const world::Example example = world::SampleExample(split, kTargetRenderSeed, i);
      const world::Attributes& truth = example.scene.attributes;
      const at::Tensor target = EmbedRender(*clip, example.scene);
      const models::CaptionScores scored = Take(scorer->ScoreCaptions(distinct, target));
      const at::Tensor similarity = scored.similarity.to(at::kFloat).contiguous();
      std::map<std::string, float> similarity_of;
      for (size_t c = 0; c < distinct.size(); ++c) {
        similarity_of[distinct[c]] = similarity.data_ptr<float>()[c];
      }
      std::string best = distinct[0];
      int best_correct = 0;
      for (const auto& [caption, value] : similarity_of) {
        if (value > similarity_of[best]) best = caption;
        best_correct = std::max(best_correct, world::ParseCaption(caption).CountCorrect(truth));
      }
      // The target's word in each tail slot (size, colour, shape, background), as list indices.
      const std::array<int, kTail> wanted = {
          index_of(world::SizeName(truth.size)), index_of(world::ColourName(truth.colour)),
          index_of(world::ShapeName(truth.shape)), index_of(world::ColourName(truth.background))};
      std::array<double, kTail + 1> sum{};
      std::array<int64_t, kTail + 1> count{};
      for (int p = 0; p < flags.prefixes; ++p) {
        for (int t = 0; t < tails; ++t) {
          int in_place = 0;
          for (int k = 0, rest = t; k < kTail; ++k, rest /= alphabet) {
            in_place += rest % alphabet == wanted[k];
          }
          sum[in_place] += similarity_of[caption_of[p][t]];
          ++count[in_place];
        }
      }
      // A random genome's caption is the optimum with p = (genomes writing it) / total: the
      // prefixes stand in for the 16 slots the captioner ignores.
      const double p = genomes_of[best] / total;
      const double p_random = 1.0 - std::pow(1.0 - p, flags.budget);
      std::string by_words;
      for (int k = 0; k <= kTail; ++k) {
        char cell[16];
        std::snprintf(cell, sizeof(cell), "%s%.3f", k == 0 ? "" : " / ", sum[k] / count[k]);
        by_words += cell;
      }
      std::printf("%-8s %-30s %7.3f %-60s %7d %4d %9.5f %9.3f  %s\n",
                  split == world::Split::kHeldOut ? "held-out" : "train",
                  world::Describe(truth).c_str(), similarity_of[best], best.c_str(),
                  world::ParseCaption(best).CountCorrect(truth), best_correct, p, p_random,
                  by_words.c_str());
    }
  }
  return 0;
}
