// GPT-2 captioning throughput on CPU at GPT-2 small's real dimensions (12 layers, width 768, 12
// heads, vocabulary 50257, 1024 positions) with random weights, in CLIP-GLaSS's setting: a
// population batch of 23-token contexts (20 genome ids + "the picture of") continued greedily by
// 30 tokens, with the key/value cache and without it (every step recomputes the whole sequence).
//
// Prints, per batch size and mode: seconds per batch, captions/s, GFLOP/s (matrix products only)
// and the fraction of the machine's fp32 matmul peak (at::mm 2048^3, measured first); then the
// cache's measured speed-up next to the one the token counts predict (the FLOP ratio) and the most
// this machine allows: the measured uncached time over the least time a cached batch can take at
// the measured matmul peak and memory read bandwidth (a cached step streams every weight for a
// few rows, so at small batches memory can bound it as much as FLOPs).
// The reference point (TOOLCHAIN.md): the original Python loop made 5.3 captions/s for a
// population of 100 at this size on these machines.
//
// Every mode is timed --repeats times (default 3), the modes taking turns within each repeat so
// that the cache's speed-up compares times taken under the same machine load; each mode reports
// its best.
//
// Run (the binary sets GOMP_SPINCOUNT=3000 itself by re-executing, as the CLI does):
//   build/bench/gpt2_bench [--batches 25,100] [--threads N] [--repeats R] [--no-uncached]
//                          [--compare-blas]
// --compare-blas also times every mode with the weights' products on LibTorch's BLAS (OpenBLAS,
// repacking the weights per call) instead of oneDNN with weights packed once: the baseline of the
// packed weights, measured in the same run.
// Ref: Radford et al. 2019 (GPT-2 small); clip-glass models.py GPT2.generate.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <dlfcn.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/matmul_peak.h"
#include "bench/memory_bandwidth.h"
#include "cli/process_setup.h"
#include "worker/models/gpt2.h"
#include "worker/models/packed_linear.h"
#include "worker/models/torch_runtime.h"

namespace clipglass::models {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kContext = 23;    // 20 genome ids + "the picture of" (3 ids)
constexpr int64_t kNewTokens = 30;  // max_tokens_len

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Weights of one block's products (c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj; biases aside): each
// is read once per step and does one multiply-add per token.
double LayerWeights(const Gpt2Config& c) {
  const double width = static_cast<double>(c.n_embd);
  return width * (3 * width) + width * width + 2 * width * static_cast<double>(c.n_inner);
}

// Weights of the LM head (the tied token embedding, [vocab, width]): read once per step, one
// multiply-add per weight for the step's last position.
double HeadWeights(const Gpt2Config& c) {
  return static_cast<double>(c.n_embd) * static_cast<double>(c.vocab_size);
}

// Multiply-adds x 2 of `tokens` new positions through the blocks when `past` positions are cached
// before them (projections, MLP, and attention's two products over the visible positions).
double BodyFlops(const Gpt2Config& c, int64_t past, int64_t tokens) {
  const double width = static_cast<double>(c.n_embd);
  const double per_token = 2 * LayerWeights(c);
  double attention = 0;
  for (int64_t t = 0; t < tokens; ++t)
    attention += 2 * 2 * width * static_cast<double>(past + t + 1);
  return c.n_layer * (static_cast<double>(tokens) * per_token + attention);
}

// One caption's matrix work: with the cache the context once, then one token per step; without
// it every step reruns the whole sequence. The LM head runs on the last position of each step.
double CaptionFlops(const Gpt2Config& c, bool cache) {
  double flops = static_cast<double>(kNewTokens) * 2 * HeadWeights(c);
  if (cache) {
    flops += BodyFlops(c, 0, kContext);
    for (int64_t i = 1; i < kNewTokens; ++i) flops += BodyFlops(c, kContext + i - 1, 1);
  } else {
    for (int64_t i = 0; i < kNewTokens; ++i) flops += BodyFlops(c, 0, kContext + i);
  }
  return flops;
}

// The least time a cached batch could take on a machine with this matmul peak (GFLOP/s) and memory
// read bandwidth (GB/s), whatever the code: the context pass at the peak, then per step the larger
// of its products at the peak and its memory traffic (every fp32 weight once, plus the key/value
// cache it attends over) at the bandwidth. Element-wise work, layer norms and argmax count nothing.
double CachedBatchFloorSeconds(const Gpt2Config& c, int64_t batch, double peak_gflops,
                               double bandwidth_gbps) {
  const double rows = static_cast<double>(batch);
  const double width = static_cast<double>(c.n_embd);
  const double head_flops = 2 * HeadWeights(c);
  const double weight_bytes = 4 * (c.n_layer * LayerWeights(c) + HeadWeights(c));
  double seconds = rows * (BodyFlops(c, 0, kContext) + head_flops) / (peak_gflops * 1e9);
  for (int64_t i = 1; i < kNewTokens; ++i) {
    const int64_t past = kContext + i - 1;
    const double flops = rows * (BodyFlops(c, past, 1) + head_flops);
    const double cache_bytes = 4 * 2 * c.n_layer * rows * static_cast<double>(past + 1) * width;
    seconds += std::max(flops / (peak_gflops * 1e9),
                        (weight_bytes + cache_bytes) / (bandwidth_gbps * 1e9));
  }
  return seconds;
}

// CPU seconds this process has used (all threads, user + system).
double CpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

struct Flags {
  std::vector<int64_t> batches = {25, 100};
  int threads = 0;
  int repeats = 3;
  bool uncached = true;
  bool compare_blas = false;
};

bool ParseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--batches" && has_value) {
      flags.batches.clear();
      std::stringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');)
        flags.batches.push_back(std::stoll(item));
    } else if (arg == "--threads" && has_value) {
      flags.threads = std::atoi(argv[++i]);
    } else if (arg == "--repeats" && has_value) {
      flags.repeats = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--no-uncached") {
      flags.uncached = false;
    } else if (arg == "--compare-blas") {
      flags.compare_blas = true;
    } else {
      std::fprintf(stderr,
                   "usage: gpt2_bench [--batches 25,100] [--threads N] [--repeats R] "
                   "[--no-uncached] [--compare-blas]\n");
      return false;
    }
  }
  return true;
}

int Run(const Flags& flags) {
  const int threads = ConfigureTorchThreads(flags.threads);
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  const char* spin_count = std::getenv("GOMP_SPINCOUNT");
  const double peak = bench::MeasureMatmulPeakGflops(5);
  const double bandwidth = bench::MeasureReadBandwidthGbps(5);
  const Gpt2Config config = Gpt2Config::Small();
  auto loaded = Gpt2::WithRandomWeights(config, /*seed=*/1);
  if (!loaded.ok()) {
    std::fprintf(stderr, "gpt2_bench: %s\n", loaded.status().ToString().c_str());
    return 1;
  }
  const Gpt2& model = **loaded;
  std::printf("GPT-2 small (random weights): %lld layers, width %lld, %lld heads, vocab %lld\n",
              static_cast<long long>(config.n_layer), static_cast<long long>(config.n_embd),
              static_cast<long long>(config.n_head), static_cast<long long>(config.vocab_size));
  using CoreName = char* (*)();
  const auto core_name = reinterpret_cast<CoreName>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  std::printf(
      "threads %d, OMP_WAIT_POLICY=%s, GOMP_SPINCOUNT=%s, OpenBLAS kernels %s, at::mm 2048^3 peak "
      "%.1f GFLOP/s, memory read %.1f GB/s\n",
      threads, wait_policy ? wait_policy : "(unset)", spin_count ? spin_count : "(unset)",
      core_name ? core_name() : "(none)", peak, bandwidth);
  std::printf(
      "captions: %lld-token contexts + %lld greedy tokens; GFLOP/caption: %.2f cached, "
      "%.2f uncached\n",
      static_cast<long long>(kContext), static_cast<long long>(kNewTokens),
      CaptionFlops(config, true) / 1e9, CaptionFlops(config, false) / 1e9);
  std::printf("weights' products: %s\n\n",
              PackedLinear::Compiled() ? "oneDNN, packed once (blas rows: OpenBLAS, as before)"
                                       : "LibTorch's BLAS (built without oneDNN)");
  // cpu-s/batch: CPU seconds of all threads; close to threads x s/batch on an idle machine, much
  // lower when other processes share the cores (then s/batch overstates the cost).
  std::printf("%6s  %-14s  %9s  %11s  %10s  %8s  %6s\n", "batch", "mode", "s/batch", "cpu-s/batch",
              "captions/s", "GFLOP/s", "peak");

  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(2);
  for (const int64_t batch : flags.batches) {
    const at::Tensor context =
        at::randint(0, config.vocab_size, {batch, kContext}, generator, at::kLong);
    // The modes this run times: (cache, packed).
    struct Mode {
      bool cache;
      bool packed;
      double best = 1e30;  // seconds per batch, best of the repeats
      double best_cpu = 0;
    };
    std::vector<Mode> modes;
    for (const bool cache : {true, false}) {
      if (!cache && !flags.uncached) continue;
      for (const bool packed : {true, false}) {
        if (!packed && !(flags.compare_blas && PackedLinear::Compiled())) continue;
        modes.push_back({cache, packed});
      }
    }
    const auto options_for = [](bool cache) {
      Gpt2GenerateOptions options;
      options.new_tokens = kNewTokens;
      options.use_cache = cache;
      return options;
    };
    // One warm-up batch per cached mode (allocator, BLAS buffers, packing); an uncached batch is
    // long enough to need none.
    for (const Mode& mode : modes) {
      if (!mode.cache) continue;
      PackedLinear::SetEnabled(mode.packed);
      if (!model.Generate(context, options_for(true)).ok()) return 1;
    }
    // Repeat r times every mode once, in turn, so that the modes share the machine's slow and
    // fast phases (its speed drifts by tens of percent over minutes); each keeps its best.
    for (int r = 0; r < flags.repeats; ++r) {
      for (Mode& mode : modes) {
        PackedLinear::SetEnabled(mode.packed);
        const double cpu_start = CpuSeconds();
        const auto start = Clock::now();
        auto out = model.Generate(context, options_for(mode.cache));
        const double seconds = Seconds(start, Clock::now());
        const double cpu = CpuSeconds() - cpu_start;
        if (!out.ok()) {
          std::fprintf(stderr, "gpt2_bench: %s\n", out.status().ToString().c_str());
          return 1;
        }
        if (seconds < mode.best) {
          mode.best = seconds;
          mode.best_cpu = cpu;
        }
      }
    }
    // captions/s per (cache, packed) mode, for the speed-up lines.
    double rates[2][2] = {{0, 0}, {0, 0}};
    for (const Mode& mode : modes) {
      const double rate = static_cast<double>(batch) / mode.best;
      rates[mode.cache][mode.packed] = rate;
      const double gflops = rate * CaptionFlops(config, mode.cache) / 1e9;
      const std::string name =
          std::string(mode.cache ? "cache" : "no-cache") + (mode.packed ? "" : "-blas");
      std::printf("%6lld  %-14s  %9.3f  %11.3f  %10.2f  %8.1f  %5.0f%%\n",
                  static_cast<long long>(batch), name.c_str(), mode.best, mode.best_cpu, rate,
                  gflops, 100 * gflops / peak);
    }
    std::fflush(stdout);
    PackedLinear::SetEnabled(true);
    if (flags.uncached) {
      const double floor_seconds = CachedBatchFloorSeconds(config, batch, peak, bandwidth);
      std::printf(
          "%6lld  cache speed-up %.1fx measured, %.1fx predicted by the FLOP ratio, at most %.1fx "
          "here (cached batch >= %.3f s at the peak and the memory bandwidth)\n",
          static_cast<long long>(batch), rates[1][1] / rates[0][1],
          CaptionFlops(config, false) / CaptionFlops(config, true),
          static_cast<double>(batch) / rates[0][1] / floor_seconds, floor_seconds);
    }
    if (rates[1][0] > 0) {
      std::printf("%6lld  packed weights vs OpenBLAS: cached %.2fx", static_cast<long long>(batch),
                  rates[1][1] / rates[1][0]);
      if (rates[0][0] > 0) std::printf(", uncached %.2fx", rates[0][1] / rates[0][0]);
      std::printf("\n");
    }
  }
  return 0;
}

// OpenBLAS 0.3.21 (Debian 12) picks its kernels from the CPU model; on CPUs newer than it knows
// (e.g. family 6 model 207, reported by VMs as "Intel(R) Xeon(R) Processor") it falls back to the
// SSE3 "Prescott" kernels, 5x slower than its AVX-512 ones here. When that happened and the CPU has
// AVX-512 (or AVX2 + FMA), re-execute once with OPENBLAS_CORETYPE set (it is read when OpenBLAS
// loads). An explicit OPENBLAS_CORETYPE is left alone.
void FixOpenBlasCoreType(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  using CoreName = char* (*)();
  const auto core_name = reinterpret_cast<CoreName>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (core_name == nullptr) return;  // not OpenBLAS
  std::string name = core_name();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool generic = name == "prescott" || name == "core2" || name == "penryn" ||
                       name == "dunnington" || name == "nehalem" || name == "unknown";
  if (!generic) return;
  const char* better = nullptr;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    better = "SkylakeX";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    better = "Haswell";
  }
  if (better == nullptr) return;
  std::fprintf(
      stderr, "gpt2_bench: OpenBLAS chose its '%s' kernels; re-running with OPENBLAS_CORETYPE=%s\n",
      name.c_str(), better);
  ::setenv("OPENBLAS_CORETYPE", better, 1);
  ::execv("/proc/self/exe", argv);
}

}  // namespace
}  // namespace clipglass::models

int main(int argc, char** argv) {
  clipglass::cli::PrepareProcess(argc, argv);
  clipglass::models::FixOpenBlasCoreType(argv);
  clipglass::models::Flags flags;
  if (!clipglass::models::ParseFlags(argc, argv, flags)) return 2;
  return clipglass::models::Run(flags);
}
