// StyleGAN2 generator and discriminator throughput on CPU at the real networks' dimensions, with
// random weights (NVIDIA's constructor initialisation):
//   ffhq-1024   config-f 1024 px: channel_base 32768, channel_max 512, z = w = 512, 8 mapping
//               layers, 18 ws (stylegan2-ffhq-config-f)
//   256         config-f at 256 px (channel_base 32768; church / the 256 px models)
//   car-512     the LSUN car network: a 512 px square canvas holding the 512x384 photo, so the same
//               network shape as a square 512 model (CropToContent cuts the 384 rows out)
// For each: images/s and achieved GFLOP/s of G (SynthesizeFromZ, const noise) and D (Logits) at
// each batch size, beside the FLOP count computed for one image and the fraction of the fp32
// matmul peak: the 2048^3 product by at::mm (OpenBLAS) and by oneDNN (a 1x1 convolution, the
// library the convolutions run on), best of 8 at the start and best of 3 before and after every
// row. "of peak" divides by the highest rate seen in the whole run (contention from other
// processes cannot inflate it); "of local" by the better of the rates just before and just after
// the row (the machine as it was then: on a shared, busy machine the two differ).
//
// FLOPs = 2 x multiply-adds of every convolution (transposed convolutions counted on their input
// pixels, as executed), every fully connected layer and every FIR filter pass as executed
// (upfirdn2d's depthwise convolution, zero-inserted pixels included); elementwise work
// (modulation, demodulation, noise, bias, activation) is not counted.
//
// Run (a few minutes by default):
//   build/bench/stylegan2_bench [--threads=N] [--models=256,ffhq-1024]
//       [--batches=1,2,4,8,16] [--big-batches=1,4] [--modconv=shared|grouped] [--no-d]
// --batches applies to the 256 px model, --big-batches to the 512 and 1024 px ones (their
// activations at batch 16 take several GB). The process re-executes itself with
// GOMP_SPINCOUNT=3000 unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set (cli/process_setup.h).
// Ref: NVlabs/stylegan2-ada-pytorch training/networks.py (channels_dict), our FLOP accounting.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/matmul_peak.h"
#include "cli/process_setup.h"
#include "worker/models/stylegan2.h"
#include "worker/models/stylegan2_config.h"
#include "worker/models/torch_runtime.h"

namespace clipglass::models {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// 2 x multiply-adds of one depthwise FIR pass (filter taps f) producing `out_pixels` per channel.
double FirFlops(double channels, double out_pixels, double taps = 16) {
  return 2 * channels * out_pixels * taps;
}

// One image through G: mapping, then per block the affine layers, convolutions, FIR filters, ToRGB
// and the image up-sampling, as the kShared implementation executes them.
double GeneratorFlops(const Stylegan2GeneratorConfig& c) {
  double flops = 0;
  for (int64_t i = 0; i < c.num_mapping_layers(); ++i) {
    flops += 2.0 * c.mapping_features[i] * c.mapping_features[i + 1];
  }
  const double k2 = static_cast<double>(c.kernel_size * c.kernel_size);
  for (const int64_t res : c.block_resolutions) {
    const double out = static_cast<double>(c.channels.at(res));
    const double px = static_cast<double>(res * res);
    if (res > 4) {
      const double in = static_cast<double>(c.channels.at(res / 2));
      flops += 2.0 * c.w_dim * in;              // conv0 affine
      flops += 2.0 * out * in * k2 * (px / 4);  // conv0: transposed, on input pixels
      flops += FirFlops(out, px);               // conv0: FIR after the transpose
      flops += FirFlops(c.img_channels, px);    // image up-sampling (zero-inserted)
    }
    flops += 2.0 * c.w_dim * out + 2.0 * out * out * k2 * px;        // conv1
    flops += 2.0 * c.w_dim * out + 2.0 * c.img_channels * out * px;  // torgb
  }
  return flops;
}

// One image through D: fromrgb, per block conv0, FIR + strided conv1, FIR + 1x1 skip, epilogue.
double DiscriminatorFlops(const Stylegan2DiscriminatorConfig& c) {
  double flops = 0;
  for (const int64_t res : c.block_resolutions) {
    const double tmp = static_cast<double>(c.channels.at(res));
    const double out = static_cast<double>(c.channels.at(res / 2));
    const double px = static_cast<double>(res * res);
    if (res == c.img_resolution) flops += 2.0 * c.img_channels * tmp * px;  // fromrgb
    flops += 2.0 * tmp * tmp * 9 * px;                                      // conv0
    flops += FirFlops(tmp, (res + 1.0) * (res + 1.0));                      // conv1 filter
    flops += 2.0 * out * tmp * 9 * (px / 4);                                // conv1 stride 2
    flops += FirFlops(tmp, px / 4) + 2.0 * out * tmp * (px / 4);            // skip
  }
  const double c4 = static_cast<double>(c.channels.at(4));
  flops += 2.0 * c4 * (c4 + c.mbstd_num_channels) * 9 * 16;  // b4.conv
  flops += 2.0 * c4 * 16 * c4 + 2.0 * c4;                    // b4.fc, b4.out
  return flops;
}

// Best-of-`reps` GFLOP/s of the same 2048^3 product run by oneDNN (a 1x1 convolution over a
// [1, 2048, 32, 64] input): the library and threading the convolutions use. A busy machine hurts
// OpenBLAS's at::mm more than oneDNN, so the peak is the better of the two.
double MeasureOnednnMatmulPeak(int reps) {
  const int64_t n = 2048;
  const at::Tensor x = at::randn({1, n, 32, 64});
  const at::Tensor w = at::randn({n, n, 1, 1});
  auto run = [&] { return at::conv2d(x, w); };
  run();  // warm-up
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    run();
    best = std::min(best, Seconds(t0, Clock::now()));
  }
  return 2.0 * n * n * n / best / 1e9;
}

// The highest matmul rate seen so far in this process: re-measured around every timed row, so that
// a busy machine (other processes on the cores) cannot make a row look faster than the peak.
double g_peak = 0.0;
double g_peak_mm = 0.0;
double g_peak_onednn = 0.0;
// Measures both products now; returns the better rate of this measurement.
double UpdatePeak(int reps) {
  const double mm = bench::MeasureMatmulPeakGflops(reps);
  const double onednn = MeasureOnednnMatmulPeak(reps);
  g_peak_mm = std::max(g_peak_mm, mm);
  g_peak_onednn = std::max(g_peak_onednn, onednn);
  g_peak = std::max(g_peak_mm, g_peak_onednn);
  return std::max(mm, onednn);
}

// Best-of-`reps` seconds of fn() after one warm-up call.
template <typename Fn>
double BestSeconds(int reps, Fn&& fn) {
  fn();
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    fn();
    best = std::min(best, Seconds(t0, Clock::now()));
  }
  return best;
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
  int64_t resolution;
  bool big;  // 512 px and up: the --big-batches list
  std::string note;
};

// `local_peak`: the matmul rate measured just before the row; the row's own "local" fraction uses
// the better of it and the rate just after, i.e. the machine as it was around the measurement.
void Report(const char* net, const std::string& model, int64_t batch, double seconds,
            double flops_per_image, double local_peak) {
  const double local = std::max(local_peak, UpdatePeak(3));
  const double peak = g_peak;
  const double gflops = flops_per_image * static_cast<double>(batch) / seconds / 1e9;
  std::printf(
      "%-10s %-3s batch %2lld  %8.1f ms  %7.3f img/s  %7.1f GFLOP/s  %5.1f%% of peak  (%5.1f%% of "
      "local)\n",
      model.c_str(), net, static_cast<long long>(batch), seconds * 1e3,
      static_cast<double>(batch) / seconds, gflops, 100.0 * gflops / peak, 100.0 * gflops / local);
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  int threads = 0;
  std::vector<int64_t> batches = {1, 2, 4, 8, 16};
  std::vector<int64_t> big_batches = {1, 4};
  std::string models = "256,car-512,ffhq-1024";
  bool run_d = true;
  Stylegan2RuntimeOptions runtime;
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
    } else if (std::strcmp(a, "--modconv=grouped") == 0) {
      runtime.modconv = stylegan2::ModConvImpl::kGrouped;
    } else if (std::strcmp(a, "--modconv=shared") == 0) {
      runtime.modconv = stylegan2::ModConvImpl::kShared;
    } else if (std::strcmp(a, "--no-d") == 0) {
      run_d = false;
    } else {
      std::fprintf(stderr, "stylegan2_bench: unknown argument %s (see the file's header)\n", a);
      return 2;
    }
  }
  const int used = ConfigureTorchThreads(threads);
  UpdatePeak(8);
  std::printf("threads: %d; modconv: %s; OMP_WAIT_POLICY=%s\n", used,
              runtime.modconv == stylegan2::ModConvImpl::kShared ? "shared" : "grouped",
              std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "(unset)");
  std::printf("fp32 matmul peak (2048^3, best of 8): at::mm %.1f, oneDNN 1x1 conv %.1f GFLOP/s\n",
              g_peak_mm, g_peak_onednn);

  const std::vector<Model> all = {
      {"256", 256, false, "config-f 256 px (channel_base 32768)"},
      {"car-512", 512, true, "LSUN car: 512x512 canvas, 512x384 content"},
      {"ffhq-1024", 1024, true, "ffhq config-f 1024 px"},
  };
  for (const Model& m : all) {
    if (("," + models + ",").find("," + m.name + ",") == std::string::npos) continue;
    Stylegan2GeneratorConfig gc =
        MakeStylegan2GeneratorConfig(m.resolution, 32768, 512, 512, 512, 8);
    const Stylegan2DiscriminatorConfig dc =
        MakeStylegan2DiscriminatorConfig(m.resolution, 32768, 512);
    const double g_flops = GeneratorFlops(gc);
    const double d_flops = DiscriminatorFlops(dc);
    std::printf("\n%s: %s\n  %s: %.2f GFLOP per image\n  %s: %.2f GFLOP per image\n",
                m.name.c_str(), m.note.c_str(), Describe(gc).c_str(), g_flops / 1e9,
                Describe(dc).c_str(), d_flops / 1e9);
    auto g = Stylegan2Generator::WithRandomWeights(gc, runtime, 0);
    auto d = Stylegan2Discriminator::WithRandomWeights(dc, runtime, 1);
    for (const int64_t batch : m.big ? big_batches : batches) {
      at::manual_seed(2);
      const at::Tensor z = at::randn({batch, gc.z_dim});
      const int reps = batch * m.resolution * m.resolution >= 512 * 1024 ? 1 : 2;
      const double g_peak_before = UpdatePeak(3);
      const double g_s = BestSeconds(reps, [&] {
        auto img = g->SynthesizeFromZ(z, 0.7);
        if (!img.ok()) {
          std::fprintf(stderr, "%s\n", img.status().ToString().c_str());
          std::exit(1);
        }
      });
      Report("G", m.name, batch, g_s, g_flops, g_peak_before);
      if (!run_d) continue;
      const at::Tensor img = at::rand({batch, 3, m.resolution, m.resolution}) * 2 - 1;
      const double d_peak_before = UpdatePeak(3);
      const double d_s = BestSeconds(reps, [&] {
        auto logits = d->Logits(img);
        if (!logits.ok()) {
          std::fprintf(stderr, "%s\n", logits.status().ToString().c_str());
          std::exit(1);
        }
      });
      Report("D", m.name, batch, d_s, d_flops, d_peak_before);
    }
  }
  std::printf("\nfp32 matmul peak, highest seen: at::mm %.1f, oneDNN %.1f GFLOP/s\n", g_peak_mm,
              g_peak_onednn);
  return 0;
}

}  // namespace
}  // namespace clipglass::models

int main(int argc, char** argv) {
  clipglass::cli::PrepareProcess(argc, argv);
  return clipglass::models::Main(argc, argv);
}
