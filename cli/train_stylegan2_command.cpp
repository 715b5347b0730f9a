// `clipglass train stylegan2 --out DIR [--steps N] [--batch B] [--seed S] [--lr LR]
// [--threads T] [--device D]`: adversarial training of the demo world's tiny StyleGAN2 G + D
// (docs/training/stylegan2.md). Writes stylegan2_G.safetensors (G_ema), stylegan2_D.safetensors,
// stylegan2_samples.png and stylegan2_metrics.json into DIR. The defaults are the shipped run.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/train_commands.h"
#include "train/stylegan2_run.h"

namespace clipglass::cli {

void AddTrainStylegan2Command(CLI::App& train) {
  CLI::App* sub = train.add_subcommand(
      "stylegan2",
      "Tiny StyleGAN2 G+D on world renders (non-saturating loss, lazy R1, Adam, G EMA)");
  auto options = std::make_shared<train::Stylegan2TrainOptions>();
  auto out = std::make_shared<std::string>();
  sub->add_option("--out", *out, "folder for the weights, sample grid and metrics")->required();
  sub->add_option("--steps", options->steps, "training steps (one G and one D step each)")
      ->capture_default_str();
  sub->add_option("--batch", options->batch, "images per step (a multiple of 4)")
      ->capture_default_str();
  sub->add_option("--seed", options->seed, "seed of initialisation, latents, noise and data")
      ->capture_default_str();
  sub->add_option("--lr", options->lr, "Adam learning rate of G and D")->capture_default_str();
  sub->add_option("--threads", options->threads, "CPU threads (0: every available core)")
      ->capture_default_str();
  sub->add_option("--device", options->device,
                  "where G, D and the minibatches live: cpu or cuda:N (a LibTorch with CUDA)")
      ->capture_default_str();
  sub->add_option("--channel-base", options->channel_base,
                  "NVIDIA's channel_base (feature maps of a block = min(this / resolution, "
                  "channel_max))")
      ->capture_default_str();
  sub->add_option("--channel-max", options->channel_max,
                  "most feature maps of any block (NVIDIA's channel_max; channels = "
                  "min(channel_base / resolution, this))")
      ->capture_default_str();
  sub->add_option("--r1-gamma", options->r1_gamma, "R1 penalty weight gamma")
      ->capture_default_str();
  sub->add_option("--referee", options->referee_path,
                  "referee weights (weights/demo/referee.safetensors) to judge 1024 G_ema samples "
                  "at the end");
  sub->add_option("--log-every", options->log_every, "progress line every N steps")
      ->capture_default_str();
  sub->callback([options, out] { CheckOk(train::TrainStylegan2(*options, *out, stdout)); });
}

}  // namespace clipglass::cli
