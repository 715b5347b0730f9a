// CLIP image-encoder throughput on CPU at ViT-B/32's real dimensions (width 768, 12 layers, 12
// heads, patch 32, 224 px, embed 512) with random weights, and where a scored batch's time goes.
// A plain program that prints tables (no timed assertions anywhere).
//
//   1. The machine's fp32 matrix-multiply peak: at::mm on 2048 x 2048 matrices.
//   2. ClipModel::EncodeImage on N preprocessed images, N = 1..64: ms per batch, images/s,
//      GFLOP/s (matrix products only) and the fraction of the peak; gemm share = the time the
//      same matrix products take alone (replayed with at::*_out into preallocated tensors) /
//      the encoder's time.
//   3. A scored batch as the evaluator runs it: N generated S x S images in [-1, 1] ->
//      PreprocessImages (bicubic antialiased resize + centre crop + normalisation) -> EncodeImage
//      -> CosineSimilarity with a cached target -> copy to the host. "outside encoder" = time of
//      preprocessing + cosine + copies / batch time; "outside matrix" = 1 - time of the encoder's
//      matrix products alone / batch time (so it also counts the encoder's own elementwise work).
//
// Every figure is the best of --repeats runs. Each is given twice: by wall-clock time and by
// process CPU time (CLOCK_PROCESS_CPUTIME_ID). On a shared machine the wall figures measure the
// neighbours too; the CPU-time fractions (work / work) stay meaningful.
//
// --blas runs the encoder's products on LibTorch's BLAS (OpenBLAS), the path before they moved to
// the row-stable oneDNN slices of PackedLinear (2026-11-29; OpenBLAS is not row-stable on AVX2
// processors), so the two can be compared in one session.
//
// Run: clip_bench [--threads=N (0: every available CPU)] [--repeats=R] [--max-batch=B] [--blas]
// Ref: OpenAI CLIP ViT-B/32 (clip/model.py build_model dimensions).
#include <ATen/ATen.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "cli/process_setup.h"
#include "worker/models/clip.h"
#include "worker/models/packed_linear.h"
#include "worker/models/torch_runtime.h"

namespace clipglass::models {
namespace {

struct Cost {
  double wall = 0.0;  // seconds
  double cpu = 0.0;   // process CPU seconds, all threads
};

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Best (minimum) wall and CPU time of `repeats` runs of fn, after one warm-up run.
Cost Best(int repeats, const std::function<void()>& fn) {
  fn();
  Cost best{1e30, 1e30};
  for (int i = 0; i < repeats; ++i) {
    const double w0 = WallSeconds();
    const double c0 = ProcessCpuSeconds();
    fn();
    best.cpu = std::min(best.cpu, ProcessCpuSeconds() - c0);
    best.wall = std::min(best.wall, WallSeconds() - w0);
  }
  return best;
}

ClipConfig VitB32() {
  ClipConfig c = *models::ReleasedClipConfig("ViT-B/32");
  // The text tower is not timed here: a small vocabulary keeps set-up short (widths are real).
  c.vocab_size = 1000;
  return c;
}

// 2 x multiply-adds of one image through the vision tower's matrix products (elementwise work
// not counted): 8.82 GFLOP for ViT-B/32.
double ImageEncoderFlops(const ClipConfig& c) {
  const double w = static_cast<double>(c.vision_width);
  const double t = static_cast<double>(c.num_visual_tokens());
  const double p = static_cast<double>(c.vision_patch_size);
  const double heads = static_cast<double>(c.vision_heads);
  const double head_dim = w / heads;
  const double patch_embed = 2 * (t - 1) * (3 * p * p) * w;
  const double per_layer = 2 * t * w * (3 * w)                 // in_proj
                           + 2 * 2 * heads * t * t * head_dim  // q k^T, attn v
                           + 2 * t * w * w                     // out_proj
                           + 2 * 2 * t * w * (4 * w);          // c_fc, c_proj
  return patch_embed + static_cast<double>(c.vision_layers) * per_layer +
         2 * w * static_cast<double>(c.embed_dim);
}

std::unique_ptr<ClipModel> RandomModel(const ClipConfig& config) {
  weights::StateDict dict;
  dict.source = "random ViT-B/32";
  at::manual_seed(0);
  for (const auto& [key, shape] : ClipStateDictShapes(config)) {
    const bool norm = key.find("ln_") != std::string::npos;
    const bool bias = key.size() > 5 && key.compare(key.size() - 5, 5, ".bias") == 0;
    if (bias) {
      dict.tensors[key] = at::zeros(shape);
    } else if (norm) {
      dict.tensors[key] = at::ones(shape);
    } else if (key == "logit_scale") {
      dict.tensors[key] = at::full({}, std::log(100.0));
    } else {
      const double fan_in = shape.size() >= 2 ? static_cast<double>(shape.back()) : 768.0;
      dict.tensors[key] = at::randn(shape) / std::sqrt(fan_in);
    }
  }
  auto model = ClipModel::FromStateDict(dict);
  if (!model.ok()) {
    std::fprintf(stderr, "clip_bench: %s\n", model.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(model).value();
}

// The encoder's matrix products for a batch of n, with the same shapes and operand layouts as
// the forward pass, into preallocated outputs.
class EncoderGemms {
 public:
  EncoderGemms(const ClipConfig& c, int64_t n) : layers_(c.vision_layers) {
    const int64_t w = c.vision_width;
    const int64_t t = c.num_visual_tokens();
    const int64_t h = c.vision_heads;
    const int64_t d = w / h;
    const int64_t p = c.vision_patch_size;
    patches_ = at::randn({n * (t - 1), 3 * p * p});
    patch_w_ = at::randn({w, 3 * p * p});
    patch_out_ = at::empty({n * (t - 1), w});
    x_ = at::randn({n * t, w});
    in_w_ = at::randn({3 * w, w});
    in_b_ = at::randn({3 * w});
    qkv_ = at::empty({n * t, 3 * w});
    q_ = at::randn({n * h, t, d});
    k_ = at::randn({n * h, t, d});
    scores_ = at::empty({n * h, t, t});
    attn_out_ = at::empty({n * h, t, d});
    out_w_ = at::randn({w, w});
    b_ = at::randn({w});
    out_ = at::empty({n * t, w});
    fc_w_ = at::randn({4 * w, w});
    fc_b_ = at::randn({4 * w});
    hidden_ = at::randn({n * t, 4 * w});
    proj_w_ = at::randn({w, 4 * w});
    pooled_ = at::randn({n, w});
    vproj_ = at::randn({w, c.embed_dim});
    feats_ = at::empty({n, c.embed_dim});
  }

  void Run() {
    at::mm_out(patch_out_, patches_, patch_w_.t());
    for (int64_t layer = 0; layer < layers_; ++layer) {
      at::addmm_out(qkv_, in_b_, x_, in_w_.t());
      at::bmm_out(scores_, q_, k_.transpose(1, 2));
      at::bmm_out(attn_out_, scores_, k_);
      at::addmm_out(out_, b_, x_, out_w_.t());
      at::addmm_out(hidden_, fc_b_, x_, fc_w_.t());
      at::addmm_out(out_, b_, hidden_, proj_w_.t());
    }
    at::mm_out(feats_, pooled_, vproj_);
  }

 private:
  int64_t layers_;
  at::Tensor patches_, patch_w_, patch_out_, x_, in_w_, in_b_, qkv_, q_, k_, scores_, attn_out_,
      out_w_, b_, out_, fc_w_, fc_b_, hidden_, proj_w_, pooled_, vproj_, feats_;
};

template <typename T>
const T& Must(const StatusOr<T>& value) {
  if (!value.ok()) {
    std::fprintf(stderr, "clip_bench: %s\n", value.status().ToString().c_str());
    std::exit(1);
  }
  return *value;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "?" : one;
}

int Main(int threads_flag, int repeats, int64_t max_batch, bool blas) {
  const int threads = ConfigureTorchThreads(threads_flag);
  if (blas) PackedLinear::SetEnabled(false);
  const ClipConfig config = VitB32();
  const double image_flops = ImageEncoderFlops(config);
  std::printf("clip_bench: ViT-B/32 image encoder (random weights), %d threads, load average %s\n",
              threads, LoadAverage().c_str());

  const int64_t n = 2048;
  const at::Tensor a = at::randn({n, n});
  const at::Tensor b = at::randn({n, n});
  at::Tensor c = at::empty({n, n});
  const Cost peak = Best(std::max(repeats, 5), [&] { at::mm_out(c, a, b); });
  const double peak_flops = 2.0 * n * n * n;
  const double peak_wall = peak_flops / peak.wall / 1e9;
  const double peak_cpu = peak_flops / peak.cpu / 1e9;
  std::printf("fp32 matmul peak, at::mm 2048^3: %.1f GFLOP/s wall, %.1f GFLOP per CPU-second\n",
              peak_wall, peak_cpu);
  std::printf("matrix work per image: %.3f GFLOP\n", image_flops / 1e9);
  std::printf("encoder's products: %s\n\n",
              PackedLinear::Compiled() && !blas
                  ? "oneDNN, packed once in row-stable slices (--blas: OpenBLAS)"
                  : "LibTorch's BLAS (OpenBLAS)");

  const std::unique_ptr<ClipModel> model = RandomModel(config);
  const int64_t r = config.image_resolution;
  std::vector<int64_t> batches;
  for (int64_t batch = 1; batch <= max_batch; batch *= 2) batches.push_back(batch);

  std::printf("EncodeImage (preprocessed input)\n");
  std::printf("%5s %10s %9s %9s %11s %11s %11s %11s\n", "batch", "ms/batch", "images/s", "GFLOP/s",
              "peak(wall)", "peak(cpu)", "gemm(wall)", "gemm(cpu)");
  for (int64_t batch : batches) {
    at::manual_seed(1);
    const at::Tensor images = at::randn({batch, 3, r, r});
    const Cost encode = Best(repeats, [&] { Must(model->EncodeImage(images)); });
    EncoderGemms gemms(config, batch);
    const Cost gemm = Best(repeats, [&] { gemms.Run(); });
    const double flops = image_flops * static_cast<double>(batch);
    std::printf(
        "%5ld %10.1f %9.2f %9.1f %10.1f%% %10.1f%% %10.1f%% %10.1f%%\n", static_cast<long>(batch),
        encode.wall * 1e3, static_cast<double>(batch) / encode.wall, flops / encode.wall / 1e9,
        100.0 * flops / encode.wall / 1e9 / peak_wall, 100.0 * flops / encode.cpu / 1e9 / peak_cpu,
        100.0 * gemm.wall / encode.wall, 100.0 * gemm.cpu / encode.cpu);
  }

  std::printf(
      "\nScored batch: generated [N,3,S,S] in [-1,1] -> preprocess (bicubic+crop+normalise) -> "
      "encode -> cosine vs 1 target -> host\n");
  std::printf("%5s %5s %10s %10s %10s %10s %13s %13s %13s %13s\n", "batch", "S", "total ms",
              "prep ms", "encode ms", "cos+copy", "outside-enc", "outside-enc", "outside-mat",
              "outside-mat");
  std::printf("%5s %5s %10s %10s %10s %10s %13s %13s %13s %13s\n", "", "", "", "", "", "ms",
              "(wall)", "(cpu)", "(wall)", "(cpu)");
  const at::Tensor target = at::randn({1, config.embed_dim});
  ClipPreprocessOptions options;
  options.range = ImageRange::kMinusOneToOne;
  for (int64_t size : {256, 512, 1024}) {
    for (int64_t batch : batches) {
      if (batch < 8 && batch != 1) continue;
      if (size >= 1024 && batch > 16) continue;  // keeps the input under 200 MB
      at::manual_seed(2);
      const at::Tensor generated = at::rand({batch, 3, size, size}) * 2.0 - 1.0;
      at::Tensor x;
      at::Tensor features;
      const Cost prep = Best(repeats, [&] { x = Must(PreprocessImages(generated, r, options)); });
      const Cost encode = Best(repeats, [&] { features = Must(model->EncodeImage(x)); });
      const Cost cosine = Best(repeats, [&] {
        const at::Tensor scores = Must(CosineSimilarity(features, target));
        at::Tensor host = scores.to(at::kCPU).contiguous();
        (void)host;
      });
      EncoderGemms gemms(config, batch);
      const Cost gemm = Best(repeats, [&] { gemms.Run(); });
      const Cost total{prep.wall + encode.wall + cosine.wall, prep.cpu + encode.cpu + cosine.cpu};
      std::printf("%5ld %5ld %10.1f %10.2f %10.1f %10.3f %12.2f%% %12.2f%% %12.1f%% %12.1f%%\n",
                  static_cast<long>(batch), static_cast<long>(size), total.wall * 1e3,
                  prep.wall * 1e3, encode.wall * 1e3, cosine.wall * 1e3,
                  100.0 * (prep.wall + cosine.wall) / total.wall,
                  100.0 * (prep.cpu + cosine.cpu) / total.cpu,
                  100.0 * (1.0 - gemm.wall / total.wall), 100.0 * (1.0 - gemm.cpu / total.cpu));
    }
  }
  std::printf("\nload average at the end: %s\n", LoadAverage().c_str());
  return 0;
}

}  // namespace
}  // namespace clipglass::models

int main(int argc, char** argv) {
  clipglass::cli::PrepareProcess(argc, argv);
  int threads = 0;
  int repeats = 3;
  int64_t max_batch = 64;
  bool blas = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      threads = std::atoi(argv[i] + 10);
    } else if (std::strncmp(argv[i], "--repeats=", 10) == 0) {
      repeats = std::max(1, std::atoi(argv[i] + 10));
    } else if (std::strncmp(argv[i], "--max-batch=", 12) == 0) {
      max_batch = std::max<int64_t>(1, std::atoll(argv[i] + 12));
    } else if (std::strcmp(argv[i], "--blas") == 0) {
      blas = true;
    } else {
      std::fprintf(stderr,
                   "usage: clip_bench [--threads=N] [--repeats=R] [--max-batch=B] [--blas]\n"
                   "unknown argument: %s\n",
                   argv[i]);
      return 2;
    }
  }
  return clipglass::models::Main(threads, repeats, max_batch, blas);
}
