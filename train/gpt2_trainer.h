// Language-model training of the demo world's tiny GPT-2: the project's own GPT-2 modules
// (worker/models/gpt2_modules.h), only smaller, with the real GPT-2 tokenizer and the full
// 50257-id vocabulary, written under the released checkpoints' names (wte, wpe, h.N.*, ln_f) with
// the head count in the safetensors metadata, so the shipped file loads through Gpt2::Load.
//
// Training text: the world's training captions, each followed by <|endoftext|>, in two forms.
//  - Plain: a caption of any template at position 0, e.g.
//      "a blue background with a large red circle<|endoftext|>".
//  - Captioner: what CLIP-GLaSS's image-to-text search feeds the model (models::CaptionRules):
//    a genome of `genome_length` token ids, the context "the picture of", and then the caption
//    the model should write, e.g.
//      [20 ids] "the picture of a large red circle on a blue background<|endoftext|>".
//    The genome is uniform random ids, except that each of its last four ids is, with
//    probability `hint_fraction`, the word of one attribute in caption order: size, colour,
//    shape, background (" large", " red", " circle", " blue"). The model thus learns to follow
//    attribute words in those genome positions, one by one, and to write a plausible caption
//    otherwise: the search can steer the caption one found token at a time.
// The loss is the next-token cross-entropy on the caption tokens and the <|endoftext|> only
// (never on the random genome). AdamW (weight decay on the matrices), linear warm-up and cosine
// decay. GPT-2's initialisation: N(0, 0.02), residual projections N(0, 0.02 / sqrt(2 n_layer)).
//
// Reproducible: the seed drives initialisation and data; on one thread two runs with the same
// options give the same bits.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "worker/models/gpt2.h"
#include "world/dataset.h"

namespace clipglass::models::gpt2 {
struct TransformerImpl;
}
namespace clipglass::tokenizers {
class Gpt2Tokenizer;
}

namespace clipglass::train {

// The file a run writes into its output folder (the shipped weights/demo/ name).
inline constexpr char kGpt2WeightsFile[] = "gpt2.safetensors";
// World seeds of the training captions and of the held-out captions perplexity is measured on.
inline constexpr uint64_t kGpt2TrainDataSeed = 7201;
inline constexpr uint64_t kGpt2EvalSeed = 7202;

struct Gpt2TrainOptions {
  // Architecture.
  int64_t n_layer = 3;
  int64_t n_embd = 64;
  int64_t n_head = 2;
  int64_t n_positions = 64;  // >= genome + context + 30 generated tokens (53 in the paper's rules)

  // Data.
  int64_t genome_length = 20;        // ids before "the picture of" (CaptionRules::genome_length)
  double captioner_fraction = 0.75;  // share of sequences in the captioner form
  double hint_fraction = 0.9;  // chance of each of the genome's 4 tail ids naming an attribute

  // Optimisation.
  int64_t steps = 6000;
  int64_t batch = 32;          // sequences per step
  double lr = 3e-3;            // AdamW peak learning rate
  double weight_decay = 0.01;  // on weight matrices only
  int64_t warmup_steps = 50;   // linear warm-up, then cosine decay to 0
  uint64_t seed = 1;
  uint64_t data_seed = kGpt2TrainDataSeed;
  int threads = 1;              // LibTorch/OpenBLAS threads (0: every core)
  int64_t log_every = 100;      // progress line every N steps (0: never)
  int64_t eval_examples = 480;  // held-out captions in the final perplexity
  int64_t samples = 200;        // random genomes captioned at the end (the parse rate)
  bool half = true;             // store the weights as F16 (the loader converts to float32)
};

// One line naming the first invalid field, or OK.
Status ValidateGpt2TrainOptions(const Gpt2TrainOptions& options);

// The GPT-2 configuration the options describe (vocab 50257, n_inner 4 * n_embd).
models::Gpt2Config Gpt2TrainConfig(const Gpt2TrainOptions& options);

// One training sequence: token ids and, per position t, whether the loss counts the prediction
// of ids[t + 1] from positions <= t.
struct LmSequence {
  std::vector<int64_t> ids;
  std::vector<bool> predict_next;
};

// Builds the training/eval sequences of the options' forms from world captions. Pure function of
// its inputs (`rng_seed` drives form choice, genome and hint).
class Gpt2TextMaker {
 public:
  // Fails when the tokenizer cannot encode the world's words.
  static StatusOr<Gpt2TextMaker> Create(std::shared_ptr<const tokenizers::Gpt2Tokenizer> tokenizer,
                                        const Gpt2TrainOptions& options);
  // Example `index` of `split` for `seed`, in the form the options' fractions pick.
  StatusOr<LmSequence> Make(world::Split split, uint64_t seed, uint64_t index) const;
  // Plain form: caption + <|endoftext|>, loss on every token after the first.
  StatusOr<LmSequence> Plain(const std::string& caption) const;
  // Captioner form with the given genome: genome + "the picture of" + rest + <|endoftext|>, where
  // rest is template 1 of the attributes after "the picture of"; loss after the context.
  StatusOr<LmSequence> Captioner(const std::vector<int64_t>& genome,
                                 const world::Attributes& attributes) const;
  // A uniform random genome (ids in [0, 50256), never <|endoftext|>) whose last four ids are,
  // each with probability `slot_probability`, the words of the size, colour, shape and
  // background of `attributes`.
  StatusOr<std::vector<int64_t>> Genome(uint64_t rng_seed, const world::Attributes& attributes,
                                        double slot_probability) const;

 private:
  Gpt2TextMaker() = default;
  std::shared_ptr<const tokenizers::Gpt2Tokenizer> tokenizer_;
  Gpt2TrainOptions options_;
  std::vector<int64_t> context_ids_;  // "the picture of"
};

struct Gpt2StepStats {
  int64_t step = 0;    // steps done after this one (1-based)
  double loss = 0;     // mean cross-entropy per predicted token (nats)
  int64_t tokens = 0;  // predicted tokens in the batch
  double lr = 0;
};

class Gpt2Trainer {
 public:
  // Builds the model with GPT-2's initialisation from options.seed. Options must be valid.
  static StatusOr<std::unique_ptr<Gpt2Trainer>> Create(
      const Gpt2TrainOptions& options, std::shared_ptr<const tokenizers::Gpt2Tokenizer> tokenizer);
  ~Gpt2Trainer();
  Gpt2Trainer(const Gpt2Trainer&) = delete;
  Gpt2Trainer& operator=(const Gpt2Trainer&) = delete;

  StatusOr<Gpt2StepStats> Step();
  int64_t steps_done() const { return steps_done_; }

  models::gpt2::TransformerImpl& model();
  const Gpt2TextMaker& text() const { return *text_; }

  // Every parameter under its released name, float32 (or F16 when `half`), on CPU.
  std::map<std::string, at::Tensor> StateTensors(bool half) const;
  // Writes StateTensors(options.half) with metadata n_head (what DetectGpt2Config reads) and the
  // training options.
  Status Save(const std::string& path) const;

 private:
  struct State;
  Gpt2Trainer(const Gpt2TrainOptions& options, std::unique_ptr<Gpt2TextMaker> text);
  Gpt2TrainOptions options_;
  std::unique_ptr<Gpt2TextMaker> text_;
  std::unique_ptr<State> state_;
  int64_t steps_done_ = 0;
};

// Mean cross-entropy (nats per predicted token) of a loaded model on `sequences`; exp of it is
// the perplexity.
StatusOr<double> MeanTokenLoss(const models::Gpt2& gpt2, const std::vector<LmSequence>& sequences);

// What the captioner makes of the trained model: captions of random genomes (greedy, the paper's
// rules: genome + "the picture of", 30 tokens, cut at <|endoftext|> and 50 characters).
struct CaptionSample {
  std::vector<std::string> captions;  // one per genome
  double parsed_fraction = 0;         // world::ParseCaption found all four attributes
  double hint_match_fraction = 0;     // hinted genomes only: caption Matches the hint
  int64_t distinct = 0;               // distinct captions among the random genomes
};
// `count` random genomes (no hint) and `count` genomes hinted with held-out attribute
// combinations, captioned by `gpt2` (a loaded model, as the evaluator runs it).
StatusOr<CaptionSample> SampleCaptions(const models::Gpt2& gpt2,
                                       const tokenizers::Gpt2Tokenizer& tokenizer,
                                       const Gpt2TextMaker& text, int64_t count, uint64_t seed);

// The whole run: trains, writes out_dir/kGpt2WeightsFile, reloads it through Gpt2::Load and
// prints held-out perplexity (both forms), sample captions and their parse rate.
Status TrainGpt2(const Gpt2TrainOptions& options, const std::string& out_dir, std::FILE* log);

}  // namespace clipglass::train
