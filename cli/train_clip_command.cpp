// `clipglass train clip --out DIR`: the demo world's tiny CLIP (train/clip_trainer.h), written to
// DIR/clip.safetensors under OpenAI's names. docs/training/clip_gpt2.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/train_commands.h"
#include "train/clip_trainer.h"

namespace clipglass::cli {
namespace {

struct TrainClipFlags {
  std::string out;
  bool f32 = false;
  train::ClipTrainOptions options;
};

}  // namespace

void AddTrainClipCommand(CLI::App& train) {
  auto flags = std::make_shared<TrainClipFlags>();
  CLI::App* sub = train.add_subcommand(
      "clip",
      "Train the tiny CLIP (modified ResNet or ViT, 32 px; text encoder, real tokenizer) "
      "contrastively");
  sub->add_option("--out", flags->out, "Output folder (writes clip.safetensors there)")->required();
  train::ClipTrainOptions& o = flags->options;
  sub->add_option("--steps", o.steps, "Optimiser steps")->capture_default_str();
  sub->add_option("--batch", o.batch, "Image/caption pairs per step")->capture_default_str();
  sub->add_option("--lr", o.lr, "AdamW peak learning rate (warm-up, cosine decay)")
      ->capture_default_str();
  sub->add_option("--seed", o.seed, "Initialisation seed")->capture_default_str();
  sub->add_option("--data-seed", o.data_seed, "World seed of the training samples")
      ->capture_default_str();
  sub->add_option("--threads", o.threads, "LibTorch/OpenBLAS threads (0: every core)")
      ->capture_default_str();
  sub->add_option("--log-every", o.log_every, "Steps between progress lines (0: none)")
      ->capture_default_str();
  sub->add_option("--eval-images", o.eval_images, "Held-out renders in the zero-shot measurement")
      ->capture_default_str();
  sub->add_option("--contrast-groups", o.contrast_groups,
                  "Samples per batch that come with all their shape/size variants (hard "
                  "negatives; at most batch / 8)")
      ->capture_default_str();
  sub->add_option("--blur", o.augment.blur,
                  "Blend each training image towards a blurred copy (sigma 1 px) by a random "
                  "weight in [0, this]")
      ->capture_default_str();
  sub->add_option("--noise-std", o.augment.noise_std,
                  "Gaussian pixel noise on training images (0-1 scale)")
      ->capture_default_str();
  sub->add_option("--vision", o.vision, "Image encoder: resnet (OpenAI's modified ResNet) or vit")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, models::ClipVisionKind>{
              {"resnet", models::ClipVisionKind::kModifiedResNet},
              {"vit", models::ClipVisionKind::kViT}},
          CLI::ignore_case))
      ->default_str("resnet");
  sub->add_option("--resnet-width", o.resnet_width,
                  "ResNet stem width (even; stage s has width * 2^s planes, the attention pool "
                  "width * 32 channels and width / 2 heads)")
      ->capture_default_str();
  sub->add_option("--resnet-layers", o.resnet_layers, "ResNet bottleneck blocks of the 4 stages")
      ->expected(4)
      ->default_str("1 1 1 1");
  sub->add_option("--vision-width", o.vision_width, "ViT width (>= 64; heads = width / 64)")
      ->capture_default_str();
  sub->add_option("--vision-layers", o.vision_layers, "ViT layers")->capture_default_str();
  sub->add_option("--patch-size", o.patch_size, "ViT patch side in pixels (divides 32)")
      ->capture_default_str();
  sub->add_option("--text-width", o.text_width,
                  "Text transformer width (>= 64; heads = width / 64)")
      ->capture_default_str();
  sub->add_option("--text-layers", o.text_layers, "Text transformer layers")->capture_default_str();
  sub->add_option("--embed-dim", o.embed_dim, "Joint embedding size")->capture_default_str();
  sub->add_flag("--f32", flags->f32, "Store float32 weights instead of F16");
  sub->callback([flags] {
    train::ClipTrainOptions options = flags->options;
    options.half = !flags->f32;
    CheckOk(train::TrainClip(options, flags->out, stdout));
  });
}

}  // namespace clipglass::cli
