// txt2img_landscape: what the demo world's text-to-image objective rewards, over many samples of G.
//
// The quality benchmark's GA climbs CLIP similarity; the referee (trained apart) judges the result.
// This program draws `--samples` latents of configs/Demo_nod.yaml's search space (z ~ N(0, 1)
// clamped to the genome's bounds), scores every image against the benchmark's captions with the
// demo CLIP, reads it with the referee, and prints per caption: how many samples the referee reads
// as the caption (coverage), whether CLIP's favourite samples are such ones (top 1, precision of
// the top 16), the chance that random search with the benchmark's budget ends on one, and the best
// similarity of a right and of a wrong image. When CLIP's ranking agrees with the referee, a search
// that climbs higher than random sampling wins; when its top is wrong, no search on CLIP can.
//
// --space z+ draws one z per ws layer instead (each mapped on its own: a search space of style
// mixing); --mix measures style mixing of two z's: ws [0, k) from one, [k, num_ws) from the other,
// for every split k, and how many captions they cover. --figure writes, per caption, CLIP's six
// favourite samples and its favourite of those the referee reads as the caption.
//
//   build/bench/txt2img_landscape [--samples 16384] [--budget 640] [--captions-per-split 8]
//                                 [--config configs/Demo_nod.yaml] [--weights-dir weights]
//                                 [--space z] [--mix] [--figure landscape.png]
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "bench/exit_on_error.h"
#include "bench/quality_targets.h"
#include "cli/process_setup.h"
#include "common/file_util.h"
#include "common/png_codec.h"
#include "coordinator/grid/config_loader.h"
#include "train/referee.h"
#include "worker/models/clip.h"
#include "worker/models/stylegan2.h"
#include "worker/tokenizers/clip_tokenizer.h"
#include "world/captions.h"

namespace {

using namespace clipglass;
using bench::Die;
using bench::Take;

// CLIP's favourites per caption that the figure shows (then one column for its favourite right
// one).
constexpr int64_t kFigureTop = 6;

struct Flags {
  std::string config = std::string(CLIPGLASS_SOURCE_DIR) + "/configs/Demo_nod.yaml";
  std::string weights_dir = std::string(CLIPGLASS_SOURCE_DIR) + "/weights";
  std::string referee;  // default <weights>/demo/referee.safetensors
  int64_t samples = 16384;
  int budget = 640;  // the quality benchmark's evaluations per run (16 x 40)
  int captions_per_split = 8;
  uint64_t seed = 12345;
  bool mix = false;
  std::string space = "z";  // z: one z per image; z+: one z per ws layer
  int top = 16;             // precision of CLIP's top this many
  std::string figure;       // PNG: per caption, CLIP's top 6 and its favourite right sample
};

// What one batch of images is to the benchmark: CLIP similarity to each caption [B, C] and the
// referee's reading.
struct Scored {
  at::Tensor similarity;  // [B, C] float32
  std::vector<world::Attributes> read;
};

class Judge {
 public:
  // `normalize`: the config's clip.normalize, which picks the evaluator's preprocessing.
  Judge(const models::ClipModel& clip, const train::Referee& referee, at::Tensor captions,
        bool normalize)
      : clip_(clip),
        referee_(referee),
        captions_(std::move(captions)),
        preprocess_(models::ClipPreprocessOptions::ForGeneratedImages(normalize)) {}

  // images [B, 3, R, R] in about [-1, 1], as G gives them: CLIP sees them as the evaluator does
  // (unclamped, preprocessed as the config asks; worker/evaluator/spec_settings.cpp), the referee
  // as the benchmark does (clamped to the final image's range).
  Scored Score(const at::Tensor& images) const {
    const at::Tensor features = Take(clip_.EncodeGeneratedImages(images, preprocess_));
    Scored out;
    out.similarity = Take(models::CosineSimilarity(features, captions_)).contiguous();
    for (const train::RefereeJudgement& judged :
         referee_.Judge((images.clamp(-1.0, 1.0) + 1.0) / 2.0)) {
      out.read.push_back(judged.attributes);
    }
    return out;
  }

 private:
  const models::ClipModel& clip_;
  const train::Referee& referee_;
  at::Tensor captions_;  // [C, E] text features
  models::ClipPreprocessOptions preprocess_;
};

// P(the best of `budget` uniform draws (with replacement) from `n` ranked samples is the one of
// rank r), r = 0 best: ((n - r) / n)^budget - ((n - r - 1) / n)^budget.
double ChanceBestOfDraws(int64_t rank, int64_t n, int budget) {
  const double above = static_cast<double>(n - rank) / n;
  const double below = static_cast<double>(n - rank - 1) / n;
  return std::pow(above, budget) - std::pow(below, budget);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"What the demo world's text-to-image objective rewards, over many samples of G"};
  Flags flags;
  app.add_option("--config", flags.config, "The text-to-image generator config");
  app.add_option("--weights-dir", flags.weights_dir, "Weights folder the config's paths are in");
  app.add_option("--referee", flags.referee, "Referee weights (default demo/referee.safetensors)");
  app.add_option("--samples", flags.samples, "Latents drawn")->capture_default_str();
  app.add_option("--budget", flags.budget, "Random search's evaluations per run")
      ->capture_default_str();
  app.add_option("--captions-per-split", flags.captions_per_split,
                 "Captions per split (the first 4 share no shape or colour)")
      ->capture_default_str();
  app.add_option("--top", flags.top, "Precision of CLIP's top this many")->capture_default_str();
  app.add_option("--seed", flags.seed, "Seed of the latents")->capture_default_str();
  app.add_option("--figure", flags.figure,
                 "PNG of CLIP's top 6 per caption, then its best referee-right sample");
  app.add_option("--space", flags.space, "z, or z+ (one z per ws layer)")
      ->check(CLI::IsMember({"z", "z+"}))
      ->capture_default_str();
  app.add_flag("--mix", flags.mix, "Also measure style mixing at every layer split");
  cli::PrepareProcess(argc, argv);
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(2);
  if (flags.samples < std::max<int64_t>(flags.top, kFigureTop)) {
    Die("--samples must be at least --top and " + std::to_string(kFigureTop));
  }
  if (flags.referee.empty()) flags.referee = flags.weights_dir + "/demo/referee.safetensors";

  const grid::GeneratorConfig config =
      Take(grid::LoadGeneratorConfig(flags.config, flags.weights_dir));
  if (config.model.family != grid::ModelFamily::kStyleGan2 || config.genome.size() != 1) {
    Die(flags.config + ": expected a stylegan2 config with one z segment");
  }
  const grid::GenomeSegment& z_segment = config.genome[0];
  const double psi = config.model.stylegan2.truncation_psi;
  const std::unique_ptr<models::Stylegan2Generator> generator =
      Take(models::Stylegan2Generator::Load(config.model.generator.path));
  const std::unique_ptr<models::ClipModel> clip =
      Take(models::ClipModel::Load(config.clip.weights.path));
  const std::unique_ptr<train::Referee> referee = Take(train::Referee::Load(flags.referee));
  const std::unique_ptr<tokenizers::ClipTokenizer> tokenizer =
      Take(tokenizers::ClipTokenizer::LoadDefault());
  const int64_t z_dim = generator->config().z_dim;
  const int64_t num_ws = generator->config().num_ws;
  if (z_segment.size != z_dim) Die(flags.config + ": the z segment is not z_dim wide");

  // The benchmark's captions, embedded as the evaluator embeds a text target.
  const std::vector<world::Attributes> held_out =
      bench::PickCombinations(world::Split::kHeldOut, flags.captions_per_split);
  std::vector<world::Attributes> captions = held_out;
  for (const world::Attributes& a :
       bench::PickCombinations(world::Split::kTrain, flags.captions_per_split)) {
    captions.push_back(a);
  }
  std::vector<std::string> texts;
  for (const world::Attributes& a : captions) texts.push_back(world::Caption(a, 0));
  const tokenizers::ClipTokenBatch tokens = Take(tokenizer->Tokenize(texts));
  const at::Tensor token_ids =
      at::tensor(tokens.ids, at::kLong).view({tokens.rows, tokens.context_length});
  const Judge judge(*clip, *referee, Take(clip->EncodeText(token_ids)), config.clip.normalize);
  const int64_t num_captions = static_cast<int64_t>(captions.size());

  c10::InferenceMode inference;
  at::Generator rng = at::make_generator<at::CPUGeneratorImpl>(flags.seed);
  const auto sample_z = [&](int64_t count) {
    return at::randn({count, z_dim}, rng).clamp(z_segment.low, z_segment.high);
  };
  const bool z_plus = flags.space == "z+";
  const auto sample_latents = [&](int64_t count) {
    return z_plus ? sample_z(count * num_ws).view({count, num_ws * z_dim}) : sample_z(count);
  };
  // latents -> images: z as G(z); z+ maps each layer's z and keeps that layer's w.
  const auto synthesize = [&](const at::Tensor& latents) {
    if (!z_plus) return Take(generator->SynthesizeFromZ(latents, psi));
    const int64_t count = latents.size(0);
    const at::Tensor ws = Take(generator->MapZ(latents.reshape({count * num_ws, z_dim}), psi))
                              .view({count, num_ws, num_ws, -1})
                              .diagonal(0, 1, 2)   // [B, W, L]
                              .permute({0, 2, 1})  // [B, L, W]
                              .contiguous();
    return Take(generator->Synthesize(ws));
  };
  constexpr int64_t kChunk = 256;

  // The search space as the config has it.
  const auto start = std::chrono::steady_clock::now();
  std::vector<at::Tensor> similarity_chunks;
  std::vector<at::Tensor> z_chunks;
  std::vector<world::Attributes> read;
  for (int64_t done = 0; done < flags.samples; done += kChunk) {
    const int64_t count = std::min(kChunk, flags.samples - done);
    z_chunks.push_back(sample_latents(count));
    Scored scored = judge.Score(synthesize(z_chunks.back()));
    similarity_chunks.push_back(scored.similarity);
    read.insert(read.end(), scored.read.begin(), scored.read.end());
  }
  const at::Tensor similarity = at::cat(similarity_chunks).contiguous();  // [N, C]
  const auto sim = similarity.accessor<float, 2>();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%lld samples of %s (z ~ N(0, 1) clamped to [%g, %g], psi %g), scored in %.1f s\n\n",
              static_cast<long long>(flags.samples), config.name.c_str(), z_segment.low,
              z_segment.high, psi, seconds);

  std::printf("%-9s %-52s %8s %5s %7s %9s %8s %8s %8s %8s  %s\n", "split", "caption", "coverage",
              "top1", ("prec@" + std::to_string(flags.top)).c_str(), "p(random)", "best", "best ok",
              "mean ok", "mean bad", "the referee reads CLIP's top 3 as");
  const at::Tensor all_z = at::cat(z_chunks);
  // Per caption: CLIP's top kFigureTop, then its favourite right sample (or -1).
  std::vector<int64_t> figure_rows;
  int64_t favourites_right = 0;  // captions whose CLIP favourite the referee reads as the caption
  double sum_precision = 0;
  double sum_p_random = 0;
  for (int64_t c = 0; c < num_captions; ++c) {
    std::vector<int64_t> order(flags.samples);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int64_t a, int64_t b) { return sim[a][c] > sim[b][c]; });
    int64_t coverage = 0;
    int64_t top_right = 0;
    int64_t best_right = -1;  // CLIP's favourite of the right samples (order is best first)
    double p_random = 0;
    double sum_right = 0;
    double sum_wrong = 0;
    for (int64_t r = 0; r < flags.samples; ++r) {
      const int64_t i = order[r];
      if (read[i] == captions[c]) {
        ++coverage;
        if (best_right < 0) best_right = i;
        if (r < flags.top) ++top_right;
        p_random += ChanceBestOfDraws(r, flags.samples, flags.budget);
        sum_right += sim[i][c];
      } else {
        sum_wrong += sim[i][c];
      }
    }
    const bool favourite_right = read[order[0]] == captions[c];
    favourites_right += favourite_right ? 1 : 0;
    sum_precision += static_cast<double>(top_right) / flags.top;
    sum_p_random += p_random;
    for (int64_t r = 0; r < kFigureTop; ++r) figure_rows.push_back(order[r]);
    figure_rows.push_back(best_right);
    std::string tops;
    for (int64_t r = 0; r < 3; ++r) tops += (r ? "; " : "") + world::Describe(read[order[r]]);
    const auto fixed3 = [](double value) {
      char text[16];
      std::snprintf(text, sizeof(text), "%.3f", value);
      return std::string(text);
    };
    const bool held = c < static_cast<int64_t>(held_out.size());
    std::printf("%-9s %-52s %8lld %5s %7.2f %9.3f %8.3f %8s %8s %8.3f  %s\n",
                held ? "held-out" : "train", texts[c].c_str(), static_cast<long long>(coverage),
                favourite_right ? "yes" : "no", static_cast<double>(top_right) / flags.top,
                p_random, sim[order[0]][c], coverage > 0 ? fixed3(sim[best_right][c]).c_str() : "-",
                coverage > 0 ? fixed3(sum_right / coverage).c_str() : "-",
                sum_wrong / std::max<int64_t>(flags.samples - coverage, 1), tops.c_str());
  }
  // Means over the captions: how often CLIP's top is right, and random search's chance.
  std::printf(
      "\nover the %lld captions: CLIP's favourite right for %lld, precision of CLIP's top %lld "
      "%.3f, random search's chance at %d evaluations %.3f\n",
      static_cast<long long>(num_captions), static_cast<long long>(favourites_right),
      static_cast<long long>(flags.top), sum_precision / num_captions, flags.budget,
      sum_p_random / num_captions);

  if (!flags.figure.empty()) {
    // Rows: captions in the order above; 7 cells of R x R, 4x enlarged, 2 px gaps; a missing
    // right sample stays grey.
    constexpr int64_t kColumns = kFigureTop + 1;
    constexpr int64_t kScale = 4;
    constexpr int64_t kGap = 2;
    const at::Tensor picked =
        all_z.index_select(0, at::tensor(figure_rows, at::kLong).clamp_min(0));
    const at::Tensor images = ((synthesize(picked).clamp(-1, 1) + 1) * 127.5)
                                  .round()
                                  .to(at::kByte)
                                  .permute({0, 2, 3, 1})
                                  .contiguous();  // [K, R, R, 3]
    const int64_t side = images.size(1);
    const int64_t cell = side * kScale + kGap;
    RgbImage figure{kColumns * cell, num_captions * cell, {}};
    figure.rgb.assign(figure.width * figure.height * 3, 128);
    const auto pixels = images.accessor<uint8_t, 4>();
    for (int64_t k = 0; k < static_cast<int64_t>(figure_rows.size()); ++k) {
      if (figure_rows[k] < 0) continue;
      const int64_t top = (k / kColumns) * cell;
      const int64_t left = (k % kColumns) * cell;
      for (int64_t y = 0; y < side * kScale; ++y) {
        for (int64_t x = 0; x < side * kScale; ++x) {
          for (int64_t ch = 0; ch < 3; ++ch) {
            figure.rgb[((top + y) * figure.width + left + x) * 3 + ch] =
                pixels[k][y / kScale][x / kScale][ch];
          }
        }
      }
    }
    const Status written = WriteFileAtomically(flags.figure, Take(EncodePng(figure)));
    if (!written.ok()) Die(written.message());
    std::printf("\nfigure: %s (rows: captions above; columns: CLIP's top 6, its best right one)\n",
                flags.figure.c_str());
  }

  if (!flags.mix) return 0;
  // Style mixing: ws [0, k) of one z, [k, num_ws) of another, for every split k.
  std::printf(
      "\nstyle mixing (%lld samples per split): coverage per caption, in the order above; "
      "combinations the referee reads at least once (of %d)\n",
      static_cast<long long>(flags.samples), world::kNumCombinations);
  for (int64_t k = 0; k < num_ws; ++k) {
    std::vector<int64_t> coverage(num_captions, 0);
    std::set<int> combinations;
    for (int64_t done = 0; done < flags.samples; done += kChunk) {
      const int64_t count = std::min(kChunk, flags.samples - done);
      at::Tensor ws = Take(generator->MapZ(sample_z(count), psi));
      if (k > 0) {
        const at::Tensor other = Take(generator->MapZ(sample_z(count), psi));
        ws.narrow(1, k, num_ws - k).copy_(other.narrow(1, k, num_ws - k));
      }
      for (const world::Attributes& a : judge.Score(Take(generator->Synthesize(ws))).read) {
        for (int64_t c = 0; c < num_captions; ++c) coverage[c] += a == captions[c];
        if (a.colour != a.background) combinations.insert(world::CombinationIndex(a));
      }
    }
    std::printf("split %lld%s:", static_cast<long long>(k), k == 0 ? " (no mixing)" : "");
    for (int64_t c : coverage) std::printf(" %lld", static_cast<long long>(c));
    std::printf("; %zu combinations\n", combinations.size());
  }
  return 0;
}
