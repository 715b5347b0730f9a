// BigGAN-deep generator throughput on CPU at the released checkpoints' dimensions, with random
// weights (u/v from 3 power iterations, so activations keep a trained-like scale):
//   deep-256  biggan-deep-256: ch 128, z 128, 1000 classes, 12 GenBlocks, attention at 64 px
//   deep-512  biggan-deep-512: ch 128, 14 GenBlocks (the last two at 128 channels)
//   deep-128  biggan-deep-128 (not in the default list)
// For each: images/s and achieved GFLOP/s of BigGanModel::Generate at each batch size, beside the
// FLOP count computed for one image and the fraction of the fp32 matmul peak (at::mm 2048^3, best
// of 8) measured first in the same process.
//
// FLOPs = 2 x multiply-adds of every convolution and linear layer: the class
// embedding, gen_z, the conditional batch norms' scale/offset linears, the four convolutions of
// each GenBlock (3x3 ones at the up-sampled resolution), the self-attention's 1x1 convolutions and
// its two batched matrix products, and conv_to_rgb for the 3 channels kept. Elementwise work
// (batch norm, ReLU, up-sampling, max-pool, softmax, tanh, residual adds) is not counted. Two
// counts are printed: the original's (up-sample, then a 3x3 conv at the high resolution) and the
// one executed here (the up-sampling blocks' conv_1 in the sub-pixel form, 16/36 of the work);
// the fraction of peak uses the executed count.
//
// Run (about three minutes by default on 2 cores):
//   build/bench/biggan_bench [--threads=N] [--models=deep-256,deep-512]
//       [--batches=1,2,4,8,16] [--big-batches=1,8] [--reps=2] [--layout=nhwc|nchw]
//       [--up-conv=subpixel|plain]
// --batches applies to 128/256 px, --big-batches to 512 px (a batch of 16 at 512 px holds several
// 2 GB activations). The process re-executes itself with
// GOMP_SPINCOUNT=3000 unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set (cli/process_setup.h).
// Ref: huggingface/pytorch-pretrained-BigGAN config.py / model.py; our FLOP accounting.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/matmul_peak.h"
#include "cli/process_setup.h"
#include "worker/models/biggan.h"
#include "worker/models/torch_runtime.h"

namespace clipglass::models {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct FlopCount {
  double total = 0;
  double convolutions = 0;  // the GenBlocks' four convolutions and conv_to_rgb
};

// One image through the generator (see the header). fused_up_conv: conv_1 of the up-sampling
// blocks as executed in the sub-pixel form (a 2x2 conv with 4x the outputs over the (H+1)(W+1)
// positions of the padded low-resolution input) instead of a 3x3 conv over the 2H x 2W image.
FlopCount GeneratorFlops(const BigGanConfig& c, bool fused_up_conv) {
  FlopCount f;
  const double cond = static_cast<double>(c.condition_dim());
  f.total += 2.0 * c.num_classes * c.z_dim;           // embeddings
  f.total += 2.0 * cond * 16.0 * c.gen_z_channels();  // gen_z -> [16ch, 4, 4]
  double res = 4;
  for (size_t k = 0; k < c.blocks.size(); ++k) {
    const BigGanBlockConfig& b = c.blocks[k];
    if (c.attention_position == static_cast<int64_t>(k)) {
      const double ch = static_cast<double>(c.attention_channels);
      const double px = res * res;
      f.total += 2.0 * ch * (ch / 8) * px * 2;    // theta, phi
      f.total += 2.0 * ch * (ch / 2) * px;        // g
      f.total += 2.0 * px * (px / 4) * (ch / 8);  // theta^T phi
      f.total += 2.0 * (ch / 2) * (px / 4) * px;  // g attn^T
      f.total += 2.0 * (ch / 2) * ch * px;        // o_conv
    }
    const double in = static_cast<double>(b.in_channels);
    const double mid = static_cast<double>(b.middle_channels);
    const double out = static_cast<double>(b.out_channels);
    const double px = res * res;
    const double px_out = b.up_sample ? 4 * px : px;
    f.total += 2.0 * 2.0 * cond * (in + 3 * mid);  // bn_0..3 scale and offset
    const double conv_1 = (b.up_sample && fused_up_conv)
                              ? 2.0 * mid * (4 * mid) * 4 * (res + 1) * (res + 1)
                              : 2.0 * mid * mid * 9 * px_out;
    const double convs =
        2.0 * in * mid * px + conv_1 + 2.0 * mid * mid * 9 * px_out + 2.0 * mid * out * px_out;
    f.convolutions += convs;
    f.total += convs;
    if (b.up_sample) res *= 2;
  }
  const double rgb = 2.0 * c.channel_width * 3 * 9 * res * res;  // conv_to_rgb, 3 channels kept
  f.convolutions += rgb;
  f.total += rgb;
  return f;
}

std::vector<int64_t> ParseList(const char* text) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(std::stoll(item));
  }
  return out;
}

struct Model {
  std::string name;
  BigGanConfig config;
  bool big;
};

int Main(int argc, char** argv) {
  int threads = 0;
  int reps = 2;
  std::vector<int64_t> batches = {1, 2, 4, 8, 16};
  std::vector<int64_t> big_batches = {1, 8};
  std::string models = "deep-256,deep-512";
  bool channels_last = true;
  bool fused_up_conv = true;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (std::strncmp(a, "--threads=", 10) == 0) {
      threads = std::atoi(a + 10);
    } else if (std::strncmp(a, "--batches=", 10) == 0) {
      batches = ParseList(a + 10);
    } else if (std::strncmp(a, "--big-batches=", 14) == 0) {
      big_batches = ParseList(a + 14);
    } else if (std::strncmp(a, "--models=", 9) == 0) {
      models = a + 9;
    } else if (std::strncmp(a, "--reps=", 7) == 0) {
      reps = std::max(1, std::atoi(a + 7));
    } else if (std::strcmp(a, "--layout=nchw") == 0) {
      channels_last = false;
    } else if (std::strcmp(a, "--layout=nhwc") == 0) {
      channels_last = true;
    } else if (std::strcmp(a, "--up-conv=plain") == 0) {
      fused_up_conv = false;
    } else if (std::strcmp(a, "--up-conv=subpixel") == 0) {
      fused_up_conv = true;
    } else {
      std::fprintf(stderr, "biggan_bench: unknown argument %s (see the file's header)\n", a);
      return 2;
    }
  }
  const int used = ConfigureTorchThreads(threads);
  const double peak = bench::MeasureMatmulPeakGflops(8);
  std::printf("threads: %d; layout: %s; up-conv: %s; OMP_WAIT_POLICY=%s\n", used,
              channels_last ? "nhwc" : "nchw", fused_up_conv ? "subpixel" : "plain",
              std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "(unset)");
  std::printf(
      "fp32 matmul peak (at::mm 2048^3, best of 8): %.1f GFLOP/s (re-measured after each "
      "row; each row's %% is of its own peak, so shared-machine noise cancels)\n",
      peak);

  const std::vector<Model> all = {
      {"deep-128", BigGanConfig::Deep128(), false},
      {"deep-256", BigGanConfig::Deep256(), false},
      {"deep-512", BigGanConfig::Deep512(), true},
  };
  for (const Model& m : all) {
    if (("," + models + ",").find("," + m.name + ",") == std::string::npos) continue;
    const FlopCount model_flops = GeneratorFlops(m.config, /*fused_up_conv=*/false);
    const FlopCount flops = GeneratorFlops(m.config, fused_up_conv);
    std::printf("\n%s: %lld px, ch %lld, %zu GenBlocks, attention before block %lld\n",
                m.name.c_str(), static_cast<long long>(m.config.output_resolution),
                static_cast<long long>(m.config.channel_width), m.config.blocks.size(),
                static_cast<long long>(m.config.attention_position));
    std::printf(
        "  %.2f GFLOP per image as the original computes it (%.2f in the GenBlock convolutions "
        "and conv_to_rgb); %.2f GFLOP as executed here\n",
        model_flops.total / 1e9, model_flops.convolutions / 1e9, flops.total / 1e9);
    BigGanOptions options;
    options.channels_last = channels_last;
    options.fused_up_conv = fused_up_conv;
    auto model = BigGanModel::RandomForBenchmark(m.config, options, 1234);
    if (!model.ok()) {
      std::fprintf(stderr, "biggan_bench: %s\n", model.status().ToString().c_str());
      return 1;
    }
    for (const int64_t batch : m.big ? big_batches : batches) {
      const at::Tensor z = at::randn({batch, m.config.z_dim}).clamp(-2, 2);
      const at::Tensor classes = at::randn({batch, m.config.num_classes}).softmax(1);
      double best = 1e30;
      double std_dev = 0;
      for (int r = 0; r <= reps; ++r) {  // the first run warms up
        const auto t0 = Clock::now();
        auto image = (*model)->Generate(z, classes, 1.0);
        const double seconds = Seconds(t0, Clock::now());
        if (!image.ok()) {
          std::fprintf(stderr, "biggan_bench: %s\n", image.status().ToString().c_str());
          return 1;
        }
        if (r > 0) best = std::min(best, seconds);
        std_dev = image->std().item<double>();
      }
      const double row_peak = bench::MeasureMatmulPeakGflops(8);
      const double gflops = flops.total * static_cast<double>(batch) / best / 1e9;
      const double model_gflops = model_flops.total * static_cast<double>(batch) / best / 1e9;
      std::printf(
          "%-9s batch %2lld  %9.1f ms  %7.3f img/s  executed %6.1f GFLOP/s = %5.1f%% of peak "
          "%.0f  (original-count %6.1f GFLOP/s; img std %.2f)\n",
          m.name.c_str(), static_cast<long long>(batch), best * 1e3,
          static_cast<double>(batch) / best, gflops, 100.0 * gflops / row_peak, row_peak,
          model_gflops, std_dev);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace
}  // namespace clipglass::models

int main(int argc, char** argv) {
  clipglass::cli::PrepareProcess(argc, argv);
  return clipglass::models::Main(argc, argv);
}
