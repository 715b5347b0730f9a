// `clipglass train all --out DIR`: the four demo-world trainers in sequence with their defaults,
// the referee first so that the StyleGAN2 run can judge its samples with it. What
// `clipglass train <model>` would write, all into DIR (docs/demo_world.md, "The models").
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/train_commands.h"
#include "train/clip_trainer.h"
#include "train/gpt2_trainer.h"
#include "train/referee.h"
#include "train/stylegan2_run.h"

namespace clipglass::cli {
namespace {

struct TrainAllFlags {
  std::string out;
  int threads = 2;
  int64_t steps = 0;  // 0: each trainer's default; a few for a smoke run of the whole sequence
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Run(const TrainAllFlags& flags) {
  std::error_code error;
  std::filesystem::create_directories(flags.out, error);
  if (error)
    Fail(InvalidArgumentError(flags.out + ": cannot create the folder: " + error.message()));
  const auto start = std::chrono::steady_clock::now();
  const auto stage = [&](const char* name) {
    std::printf("== train all: %s (%.0f s so far)\n", name, SecondsSince(start));
    std::fflush(stdout);
  };

  // A trainer's default options with the command's threads and, when given, steps.
  const auto defaults = [&flags](auto options) {
    options.threads = flags.threads;
    if (flags.steps > 0) options.steps = flags.steps;
    return options;
  };

  stage("referee");
  const std::string referee_path = flags.out + "/referee.safetensors";
  CheckOk(train::TrainReferee(defaults(train::RefereeOptions{}), referee_path,
                              [](const std::string& line) {
                                std::printf("%s\n", line.c_str());
                                std::fflush(stdout);
                              }));
  stage("clip");
  CheckOk(train::TrainClip(defaults(train::ClipTrainOptions{}), flags.out, stdout));
  stage("gpt2");
  CheckOk(train::TrainGpt2(defaults(train::Gpt2TrainOptions{}), flags.out, stdout));
  stage("stylegan2");
  train::Stylegan2TrainOptions stylegan2 = defaults(train::Stylegan2TrainOptions{});
  stylegan2.referee_path = referee_path;
  CheckOk(train::TrainStylegan2(stylegan2, flags.out, stdout));

  std::printf("== train all: done in %.0f s; weights in %s\n", SecondsSince(start),
              flags.out.c_str());
}

}  // namespace

void AddTrainAllCommand(CLI::App& train) {
  auto flags = std::make_shared<TrainAllFlags>();
  CLI::App* sub = train.add_subcommand(
      "all", "Train the referee, CLIP, GPT-2 and StyleGAN2 in sequence with their defaults");
  sub->add_option("--out", flags->out,
                  "Output folder (every model's files, as each command writes)")
      ->required();
  sub->add_option("--threads", flags->threads, "LibTorch threads of every trainer")
      ->capture_default_str();
  sub->add_option("--steps", flags->steps,
                  "Every trainer's steps (0: each one's default; a few for a smoke run)")
      ->capture_default_str();
  sub->callback([flags] { Run(*flags); });
}

}  // namespace clipglass::cli
