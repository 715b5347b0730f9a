// The demo world's StyleGAN2 training (train/stylegan2_trainer.h) on a GPU machine that has only a
// PyTorch install: the models-only build has no PNG, CLI11 or spdlog, so this plain program runs
// the trainer the way `clipglass train stylegan2` does, with a wall-clock limit for a lent
// machine's short session, and writes the weights and the metrics JSON (no sample grid) into --out.
//
//   gpu_train_stylegan2 --out DIR [--device cuda:0] [--steps N] [--max-seconds S] [--batch B]
//                       [--lr LR] [--r1-gamma G] [--channel-base C] [--channel-max C]
//                       [--ema-kimg K] [--seed S] [--referee PATH] [--log-every N]
//
// Defaults are the shipped run's (train/stylegan2_trainer.h), on cuda:0. The files load in the
// evaluator like those of `clipglass train stylegan2` (same names, same metadata).
#include <ATen/Context.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "train/stylegan2_trainer.h"
#include "worker/models/torch_runtime.h"

namespace clipglass {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "gpu_train_stylegan2: %s\n", message.c_str());
  return 1;
}

int Main(int argc, char** argv) {
  train::Stylegan2TrainOptions options;
  options.device = "cuda:0";
  std::string out;
  double max_seconds = 0.0;
  auto integer = [](int64_t* field) {
    return [field](const std::string& v) { *field = std::stoll(v); };
  };
  auto real = [](double* field) {
    return [field](const std::string& v) { *field = std::stod(v); };
  };
  const std::map<std::string, std::function<void(const std::string&)>> setters = {
      {"--out", [&](const std::string& v) { out = v; }},
      {"--device", [&](const std::string& v) { options.device = v; }},
      {"--referee", [&](const std::string& v) { options.referee_path = v; }},
      {"--seed", [&](const std::string& v) { options.seed = std::stoull(v); }},
      {"--steps", integer(&options.steps)},
      {"--batch", integer(&options.batch)},
      {"--channel-base", integer(&options.channel_base)},
      {"--channel-max", integer(&options.channel_max)},
      {"--log-every", integer(&options.log_every)},
      {"--lr", real(&options.lr)},
      {"--r1-gamma", real(&options.r1_gamma)},
      {"--ema-kimg", real(&options.ema_kimg)},
      {"--max-seconds", real(&max_seconds)},
  };
  for (int i = 1; i < argc; ++i) {
    const auto setter = setters.find(argv[i]);
    if (setter == setters.end() || i + 1 >= argc) {
      return Fail(std::string("unknown flag or missing value: ") + argv[i] +
                  " (see the comment at the top of deploy/gpu/gpu_train_stylegan2.cpp)");
    }
    try {
      setter->second(argv[++i]);
    } catch (const std::exception&) {
      return Fail(std::string(argv[i - 1]) + ": not a number: " + argv[i]);
    }
  }
  if (out.empty()) return Fail("--out DIR is required");
  if (const Status valid = train::ValidateStylegan2TrainOptions(options); !valid.ok()) {
    return Fail(valid.message());
  }
  const int threads = models::ConfigureTorchThreads(1);  // the GPU does the work; one host thread
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) return Fail(out + ": cannot create the folder: " + ec.message());
  try {
    train::Stylegan2Trainer trainer(options);
    std::printf("stylegan2 on %s: up to %lld steps%s, batch %lld, lr %g, R1 gamma %g, seed %llu\n",
                options.device.c_str(), static_cast<long long>(options.steps),
                max_seconds > 0 ? fmt::format(" or {:g} s", max_seconds).c_str() : "",
                static_cast<long long>(options.batch), options.lr, options.r1_gamma,
                static_cast<unsigned long long>(options.seed));
    std::fflush(stdout);
    const StatusOr<double> seconds =
        train::TrainStylegan2Steps(trainer, options.steps, max_seconds, stdout);
    if (!seconds.ok()) return Fail(seconds.status().message());
    if (const Status saved = trainer.Save(out); !saved.ok()) return Fail(saved.message());
    const Status metrics = train::WriteStylegan2Metrics(trainer, *seconds, threads, out, stdout);
    if (!metrics.ok()) return Fail(metrics.message());
    std::printf("wrote %s after %lld steps (%.0f s)\n", out.c_str(),
                static_cast<long long>(trainer.steps_done()), *seconds);
    return 0;
  } catch (const c10::Error& e) {
    return Fail(e.what_without_backtrace());
  }
}

}  // namespace
}  // namespace clipglass

int main(int argc, char** argv) { return clipglass::Main(argc, argv); }
