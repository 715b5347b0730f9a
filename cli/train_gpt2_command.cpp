// `clipglass train gpt2 --out DIR`: the demo world's tiny GPT-2 (train/gpt2_trainer.h), written to
// DIR/gpt2.safetensors under the released names with n_head in the metadata.
// docs/training/clip_gpt2.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/train_commands.h"
#include "train/gpt2_trainer.h"

namespace clipglass::cli {
namespace {

struct TrainGpt2Flags {
  std::string out;
  bool f32 = false;
  train::Gpt2TrainOptions options;
};

}  // namespace

void AddTrainGpt2Command(CLI::App& train) {
  auto flags = std::make_shared<TrainGpt2Flags>();
  CLI::App* sub = train.add_subcommand(
      "gpt2", "Train the tiny GPT-2 (real tokenizer and vocabulary) on the world's captions");
  sub->add_option("--out", flags->out, "Output folder (writes gpt2.safetensors there)")->required();
  train::Gpt2TrainOptions& o = flags->options;
  sub->add_option("--steps", o.steps, "Optimiser steps")->capture_default_str();
  sub->add_option("--batch", o.batch, "Sequences per step")->capture_default_str();
  sub->add_option("--lr", o.lr, "AdamW peak learning rate (warm-up, cosine decay)")
      ->capture_default_str();
  sub->add_option("--seed", o.seed, "Initialisation seed")->capture_default_str();
  sub->add_option("--data-seed", o.data_seed, "World seed of the training captions")
      ->capture_default_str();
  sub->add_option("--threads", o.threads, "LibTorch/OpenBLAS threads (0: every core)")
      ->capture_default_str();
  sub->add_option("--log-every", o.log_every, "Steps between progress lines (0: none)")
      ->capture_default_str();
  sub->add_option("--eval-examples", o.eval_examples, "Held-out captions in the perplexity")
      ->capture_default_str();
  sub->add_option("--samples", o.samples, "Random genomes captioned at the end")
      ->capture_default_str();
  sub->add_option("--layers", o.n_layer, "Transformer blocks")->capture_default_str();
  sub->add_option("--width", o.n_embd, "Model width")->capture_default_str();
  sub->add_option("--heads", o.n_head, "Attention heads")->capture_default_str();
  sub->add_option("--positions", o.n_positions, "Positions (>= genome + 33)")
      ->capture_default_str();
  sub->add_option("--hint-fraction", o.hint_fraction,
                  "Chance that each of a captioner-form genome's last 4 ids names its attribute")
      ->capture_default_str();
  sub->add_flag("--f32", flags->f32, "Store float32 weights instead of F16");
  sub->callback([flags] {
    train::Gpt2TrainOptions options = flags->options;
    options.half = !flags->f32;
    CheckOk(train::TrainGpt2(options, flags->out, stdout));
  });
}

}  // namespace clipglass::cli
