#include "train/stylegan2_run.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "common/png_codec.h"
#include "worker/models/stylegan2_discriminator.h"
#include "worker/models/stylegan2_generator.h"
#include "worker/models/torch_runtime.h"

namespace clipglass::train {

Status WriteStylegan2SampleGrid(Stylegan2Trainer& trainer, const std::string& path, uint64_t seed) {
  constexpr int64_t kRows = 8;
  constexpr int64_t kScale = 2;
  constexpr int64_t kGap = 2;
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const int64_t z_dim = trainer.ema().config().z_dim;
  const at::Tensor images = trainer.SampleEma(at::randn({kRows * kRows, z_dim}, gen));
  const at::Tensor bytes = ((images.clamp(-1.0, 1.0) + 1.0) * 127.5)
                               .round()
                               .to(at::kByte)
                               .permute({0, 2, 3, 1})
                               .contiguous();  // [64, R, R, 3]
  const int64_t side = images.size(2) * kScale;
  RgbImage grid;
  grid.width = kRows * side + (kRows + 1) * kGap;
  grid.height = grid.width;
  grid.rgb.assign(static_cast<size_t>(grid.width * grid.height * 3), 255);
  const int64_t r = images.size(2);
  const uint8_t* src = bytes.data_ptr<uint8_t>();
  for (int64_t k = 0; k < kRows * kRows; ++k) {
    const int64_t x0 = kGap + (k % kRows) * (side + kGap);
    const int64_t y0 = kGap + (k / kRows) * (side + kGap);
    for (int64_t y = 0; y < side; ++y) {
      for (int64_t x = 0; x < side; ++x) {
        const uint8_t* p = src + ((k * r + y / kScale) * r + x / kScale) * 3;
        uint8_t* q = grid.rgb.data() + ((y0 + y) * grid.width + x0 + x) * 3;
        q[0] = p[0];
        q[1] = p[1];
        q[2] = p[2];
      }
    }
  }
  CG_ASSIGN_OR_RETURN(std::string png, EncodePng(grid));
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!file) return InternalError(path + ": cannot write the sample grid");
  return Status::Ok();
}

Status TrainStylegan2(const Stylegan2TrainOptions& options, const std::string& out_dir,
                      std::FILE* log) {
  CG_RETURN_IF_ERROR(ValidateStylegan2TrainOptions(options));
  const int threads = models::ConfigureTorchThreads(options.threads);
  try {
    Stylegan2Trainer trainer(options);
    int64_t g_params = 0;
    int64_t d_params = 0;
    for (const at::Tensor& p : trainer.generator().parameters()) g_params += p.numel();
    for (const at::Tensor& p : trainer.discriminator().parameters()) d_params += p.numel();
    std::fprintf(log, "stylegan2: %s (%lld parameters)\n",
                 models::Describe(trainer.ema().config()).c_str(),
                 static_cast<long long>(g_params));
    std::fprintf(log, "stylegan2: %s (%lld parameters)\n",
                 models::Describe(trainer.discriminator().config()).c_str(),
                 static_cast<long long>(d_params));
    std::fprintf(log,
                 "stylegan2: %lld steps, batch %lld, lr %g, R1 gamma %g every %lld, seed %llu, "
                 "%d thread(s), device %s\n",
                 static_cast<long long>(options.steps), static_cast<long long>(options.batch),
                 options.lr, options.r1_gamma, static_cast<long long>(options.r1_interval),
                 static_cast<unsigned long long>(options.seed), threads, options.device.c_str());
    std::fflush(log);

    CG_ASSIGN_OR_RETURN(const double train_seconds,
                        TrainStylegan2Steps(trainer, options.steps, /*max_seconds=*/0.0, log));
    CG_RETURN_IF_ERROR(trainer.Save(out_dir));
    const std::filesystem::path dir(out_dir);
    CG_RETURN_IF_ERROR(WriteStylegan2SampleGrid(trainer, (dir / kStylegan2SamplesFile).string(),
                                                options.seed + 1));
    CG_RETURN_IF_ERROR(WriteStylegan2Metrics(trainer, train_seconds, threads, out_dir, log));
    std::fprintf(log, "wrote %s, %s, %s, %s in %s (training %.0f s)\n", kStylegan2GeneratorFile,
                 kStylegan2DiscriminatorFile, kStylegan2SamplesFile, kStylegan2MetricsFile,
                 out_dir.c_str(), train_seconds);
    return Status::Ok();
  } catch (const c10::Error& e) {
    return InternalError(fmt::format("stylegan2 training: {}", e.what_without_backtrace()));
  }
}

}  // namespace clipglass::train
