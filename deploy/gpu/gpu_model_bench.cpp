// Model throughput on one device and compute dtype at the real checkpoints' dimensions, with
// random weights: CLIP ViT-B/32 image encoder, StyleGAN2 config-f G and D (256, ffhq 1024),
// BigGAN-deep 256 and 512, GPT-2 small captioning (23-token contexts + 30 greedy tokens, the
// paper's setting). A plain program that prints one row per model and batch size: ms per batch
// and items per second, the best of --repeats timed runs after one warm-up, with the device
// synchronised by reading a scalar of the output back. On CPU it works too (slowly: the bench/
// programs are the CPU benchmarks).
//
//   gpu_model_bench [--device cuda:0] [--dtype fp32|fp16|bf16] [--repeats 3] [--models LIST]
//                   [--max-batch N]
// LIST: any of clip,stylegan2-256,stylegan2-1024,biggan-256,biggan-512,gpt2 (default all).
// Ref: OpenAI CLIP build_model; stylegan2-ada-pytorch config-f (channel_base 32768);
// pytorch-pretrained-BigGAN biggan-deep-256/512; GPT-2 small (124M).
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "worker/models/biggan.h"
#include "worker/models/clip.h"
#include "worker/models/clip_config.h"
#include "worker/models/gpt2.h"
#include "worker/models/stylegan2.h"
#include "worker/models/torch_device.h"
#include "worker/models/torch_runtime.h"

namespace clipglass {
namespace {

struct Flags {
  std::string device = "cuda:0";
  std::string dtype = "fp32";
  int repeats = 3;
  int64_t max_batch = 256;
  std::string models = "clip,stylegan2-256,stylegan2-1024,biggan-256,biggan-512,gpt2";
};

template <typename T>
T Must(StatusOr<T> value, const std::string& what) {
  if (!value.ok()) {
    std::fprintf(stderr, "gpu_model_bench: %s: %s\n", what.c_str(),
                 value.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(value).value();
}

// Reads one scalar of `t` back to the host, which waits for the device's queue.
void Sync(const at::Tensor& t) { (void)t.reshape({-1})[0].item<double>(); }

// Best seconds of `repeats` runs of `fn` after one warm-up run.
double BestSeconds(int repeats, const std::function<void()>& fn) {
  fn();
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

void Row(const std::string& model, int64_t batch, double seconds, const char* unit) {
  std::printf("%-16s %6lld %10.2f %12.1f %s/s\n", model.c_str(), static_cast<long long>(batch),
              seconds * 1e3, static_cast<double>(batch) / seconds, unit);
  std::fflush(stdout);
}

std::vector<int64_t> Batches(std::vector<int64_t> all, int64_t max_batch) {
  all.erase(std::remove_if(all.begin(), all.end(), [&](int64_t b) { return b > max_batch; }),
            all.end());
  return all;
}

bool Wanted(const Flags& flags, const std::string& name) {
  return ("," + flags.models + ",").find("," + name + ",") != std::string::npos;
}

void BenchClip(const Flags& flags, c10::Device device, at::ScalarType dtype) {
  const models::ClipConfig c = *models::ReleasedClipConfig("ViT-B/32");
  weights::StateDict dict;
  dict.source = "random ViT-B/32";
  at::manual_seed(0);
  for (const auto& [key, shape] : models::ClipStateDictShapes(c)) {
    const bool bias = key.size() > 5 && key.compare(key.size() - 5, 5, ".bias") == 0;
    if (bias) {
      dict.tensors[key] = at::zeros(shape);
    } else if (key.find("ln_") != std::string::npos) {
      dict.tensors[key] = at::ones(shape);
    } else if (key == "logit_scale") {
      dict.tensors[key] = at::full({}, std::log(100.0));
    } else {
      const double fan_in = shape.size() >= 2 ? static_cast<double>(shape.back()) : 768.0;
      dict.tensors[key] = at::randn(shape) / std::sqrt(fan_in);
    }
  }
  models::ClipModelOptions options;
  options.device = device;
  options.dtype = dtype;
  auto model = Must(models::ClipModel::FromStateDict(dict, options), "clip");
  for (const int64_t batch : Batches({1, 16, 64, 256}, flags.max_batch)) {
    const at::Tensor images = at::randn({batch, 3, 224, 224}).to(device);
    Row("clip-vit-b32", batch,
        BestSeconds(flags.repeats, [&] { Sync(Must(model->EncodeImage(images), "clip")); }),
        "images");
  }
}

void BenchStylegan2(const Flags& flags, c10::Device device, at::ScalarType dtype,
                    int64_t resolution) {
  models::Stylegan2RuntimeOptions runtime;
  runtime.device = device;
  runtime.dtype = dtype;
  const auto gc = models::MakeStylegan2GeneratorConfig(resolution, 32768, 512, 512, 512, 8);
  const auto dc = models::MakeStylegan2DiscriminatorConfig(resolution, 32768, 512);
  auto g = models::Stylegan2Generator::WithRandomWeights(gc, runtime, 0);
  auto d = models::Stylegan2Discriminator::WithRandomWeights(dc, runtime, 1);
  const std::string name = "stylegan2-" + std::to_string(resolution);
  // D scores in groups of 4 (CLIP-GLaSS calls D on minibatches of 4): batches are multiples.
  for (const int64_t batch :
       Batches(resolution > 512 ? std::vector<int64_t>{4, 16} : std::vector<int64_t>{4, 16, 64},
               flags.max_batch)) {
    at::manual_seed(2);
    const at::Tensor z = at::randn({batch, gc.z_dim}).to(device);
    at::Tensor img;
    Row(name + " G", batch,
        BestSeconds(flags.repeats,
                    [&] {
                      img = Must(g->SynthesizeFromZ(z, 0.7), name + " G");
                      Sync(img);
                    }),
        "images");
    Row(name + " D", batch,
        BestSeconds(flags.repeats, [&] { Sync(Must(d->HingeObjective(img, 4), name + " D")); }),
        "images");
  }
}

void BenchBiggan(const Flags& flags, c10::Device device, at::ScalarType dtype, int64_t resolution) {
  models::BigGanOptions options;
  options.device = device;
  options.dtype = dtype;
  const models::BigGanConfig config =
      resolution == 512 ? models::BigGanConfig::Deep512() : models::BigGanConfig::Deep256();
  auto model = Must(models::BigGanModel::RandomForBenchmark(config, options, 0), "biggan");
  const std::string name = "biggan-deep-" + std::to_string(resolution);
  for (const int64_t batch : Batches({1, 8, 32, 64}, flags.max_batch)) {
    at::manual_seed(3);
    const at::Tensor genome = at::randn({batch, config.z_dim + config.num_classes}).to(device);
    Row(name, batch,
        BestSeconds(flags.repeats,
                    [&] { Sync(Must(model->GenerateFromGenome(genome, 1.0), name)); }),
        "images");
  }
}

void BenchGpt2(const Flags& flags, c10::Device device) {
  models::Gpt2Options options;
  options.device = device;
  const models::Gpt2Config config = models::Gpt2Config::Small();
  auto model = Must(models::Gpt2::WithRandomWeights(config, 1, options), "gpt2");
  models::Gpt2GenerateOptions generate;
  generate.new_tokens = 30;
  for (const int64_t batch : Batches({25, 100, 400}, flags.max_batch)) {
    const at::Tensor context = at::randint(0, config.vocab_size, {batch, 23}, at::kLong);
    Row("gpt2-small fp32", batch,
        BestSeconds(flags.repeats,
                    [&] { Sync(Must(model->Generate(context.to(device), generate), "gpt2")); }),
        "captions");
  }
}

int Main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "gpu_model_bench: %s needs a value\n", arg.c_str());
      return 2;
    }
    const std::string value = argv[++i];
    if (arg == "--device") {
      flags.device = value;
    } else if (arg == "--dtype") {
      flags.dtype = value;
    } else if (arg == "--repeats") {
      flags.repeats = std::max(1, std::atoi(value.c_str()));
    } else if (arg == "--models") {
      flags.models = value;
    } else if (arg == "--max-batch") {
      flags.max_batch = std::max<int64_t>(1, std::atoll(value.c_str()));
    } else {
      std::fprintf(stderr,
                   "usage: gpu_model_bench [--device cuda:0] [--dtype fp32|fp16|bf16] "
                   "[--repeats N] [--models LIST] [--max-batch N]\n");
      return 2;
    }
  }
  at::ScalarType dtype = at::kFloat;
  if (flags.dtype == "fp16") {
    dtype = at::kHalf;
  } else if (flags.dtype == "bf16") {
    dtype = at::kBFloat16;
  } else if (flags.dtype != "fp32") {
    std::fprintf(stderr, "gpu_model_bench: --dtype: unknown '%s' (fp32, fp16, bf16)\n",
                 flags.dtype.c_str());
    return 2;
  }
  const StatusOr<c10::Device> resolved =
      models::ResolveTorchDevice(flags.device, "gpu_model_bench");
  if (!resolved.ok()) {
    std::fprintf(stderr, "%s\n", resolved.status().message().c_str());
    return 1;
  }
  const c10::Device device = *resolved;
  if (device.is_cuda() && dtype == at::kFloat) {
    // fp32 as the parity check runs it (no TF32), so the two tell the same story.
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
  }
  const int threads = models::ConfigureTorchThreads(0);
  std::printf("device %s, dtype %s, %d CPU threads, best of %d after a warm-up\n",
              flags.device.c_str(), flags.dtype.c_str(), threads, flags.repeats);
  std::printf("%-16s %6s %10s %12s\n", "model", "batch", "ms/batch", "throughput");
  at::InferenceMode guard;
  if (Wanted(flags, "clip")) BenchClip(flags, device, dtype);
  if (Wanted(flags, "stylegan2-256")) BenchStylegan2(flags, device, dtype, 256);
  if (Wanted(flags, "stylegan2-1024")) BenchStylegan2(flags, device, dtype, 1024);
  if (Wanted(flags, "biggan-256")) BenchBiggan(flags, device, dtype, 256);
  if (Wanted(flags, "biggan-512")) BenchBiggan(flags, device, dtype, 512);
  if (Wanted(flags, "gpt2") && dtype == at::kFloat) BenchGpt2(flags, device);
  return 0;
}

}  // namespace
}  // namespace clipglass

int main(int argc, char** argv) { return clipglass::Main(argc, argv); }
