// The golden fixtures (tests/data/reference) on a chosen device and compute dtype: CLIP, StyleGAN2
// G and D, BigGAN-deep and GPT-2 run on the fixture inputs and are compared with the original
// implementations' outputs. One line per output with its error, then a verdict; exit 0 when every
// output is within its dtype's tolerance.
//
//   gpu_parity --fixtures tests/data/reference [--device cuda:0] [--dtypes fp32,fp16,bf16]
//
// Tolerances (stated in docs/deployment.md):
//   fp32  |actual - expected| <= 1e-4 + 1e-4 |expected| everywhere (the fixture README's), with
//         TF32 turned off so fp32 means fp32 on Ampere and later GPUs
//   fp16  max |actual - expected| <= 1e-2 x max |expected|   (relative to the output's scale)
//   bf16  max |actual - expected| <= 5e-2 x max |expected|
//   GPT-2 computes in float32 whatever the dtype (it has no half-precision path), so it runs
//   under fp32 only; its greedy continuation must equal the reference token for token.
// Ref: tests/data/reference/README.md (fixtures made by the original implementations).
#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "worker/models/biggan.h"
#include "worker/models/clip.h"
#include "worker/models/gpt2.h"
#include "worker/models/stylegan2.h"
#include "worker/models/torch_device.h"
#include "worker/models/torch_runtime.h"
#include "worker/weights/state_dict.h"

namespace clipglass {
namespace {

struct Flags {
  std::string fixtures;
  std::string device = "cpu";
  std::vector<std::string> dtypes = {"fp32"};
};

struct Tolerance {
  at::ScalarType dtype;
  double atol;      // fp32: allclose
  double rtol;      // fp32: allclose
  double relative;  // fp16/bf16: max error over max |expected|
};

Tolerance ToleranceFor(const std::string& name) {
  if (name == "fp16") return {at::kHalf, 0, 0, 1e-2};
  if (name == "bf16") return {at::kBFloat16, 0, 0, 5e-2};
  return {at::kFloat, 1e-4, 1e-4, 0};
}

int failures = 0;

template <typename T>
T Must(StatusOr<T> value, const std::string& what) {
  if (!value.ok()) {
    std::fprintf(stderr, "gpu_parity: %s: %s\n", what.c_str(), value.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(value).value();
}

weights::StateDict Dict(const Flags& flags, const std::string& relative) {
  return Must(weights::LoadStateDict(flags.fixtures + "/" + relative), relative);
}

void Compare(const std::string& model, const std::string& dtype_name, const std::string& key,
             const at::Tensor& actual_any, const at::Tensor& expected_any) {
  const Tolerance tol = ToleranceFor(dtype_name);
  const at::Tensor actual = actual_any.to(at::kCPU, at::kDouble);
  const at::Tensor expected = expected_any.to(at::kCPU, at::kDouble);
  bool ok = actual.sizes() == expected.sizes();
  double max_error = -1;
  double scale = 0;
  if (ok) {
    max_error = (actual - expected).abs().max().item<double>();
    scale = expected.abs().max().item<double>();
    if (!std::isfinite(max_error)) {
      ok = false;
    } else if (tol.dtype == at::kFloat) {
      ok = at::allclose(actual, expected, tol.rtol, tol.atol);
    } else {
      ok = max_error <= tol.relative * std::max(scale, 1e-12);
    }
  }
  if (!ok) ++failures;
  std::printf("%-4s %-9s %-5s %-26s max_abs_error %.3g  max|expected| %.3g\n", ok ? "ok" : "FAIL",
              model.c_str(), dtype_name.c_str(), key.c_str(), max_error, scale);
}

void CheckClip(const Flags& flags, c10::Device device, const std::string& dtype_name) {
  const weights::StateDict inputs = Dict(flags, "clip/inputs.safetensors");
  const weights::StateDict outputs = Dict(flags, "clip/outputs.safetensors");
  models::ClipModelOptions options;
  options.device = device;
  options.dtype = ToleranceFor(dtype_name).dtype;
  auto model =
      Must(models::ClipModel::Load(flags.fixtures + "/clip/weights.safetensors", options), "clip");
  const at::Tensor images = Must(inputs.Get("images"), "clip inputs").to(device);
  const at::Tensor tokens = Must(inputs.Get("text_tokens"), "clip inputs").to(device);
  Compare("clip", dtype_name, "image_features", Must(model->EncodeImage(images), "clip image"),
          Must(outputs.Get("image_features"), "clip outputs"));
  Compare("clip", dtype_name, "text_features", Must(model->EncodeText(tokens), "clip text"),
          Must(outputs.Get("text_features"), "clip outputs"));
}

void CheckStylegan2(const Flags& flags, c10::Device device, const std::string& dtype_name) {
  const weights::StateDict inputs = Dict(flags, "stylegan2/inputs.safetensors");
  const weights::StateDict outputs = Dict(flags, "stylegan2/outputs.safetensors");
  models::Stylegan2RuntimeOptions runtime;
  runtime.device = device;
  runtime.dtype = ToleranceFor(dtype_name).dtype;
  auto g = Must(models::Stylegan2Generator::FromStateDict(
                    Dict(flags, "stylegan2/G_weights.safetensors"), runtime),
                "stylegan2 G");
  auto d = Must(models::Stylegan2Discriminator::FromStateDict(
                    Dict(flags, "stylegan2/D_weights.safetensors"), runtime),
                "stylegan2 D");
  const at::Tensor z = Must(inputs.Get("z"), "stylegan2 inputs").to(device);
  auto expected = [&](const std::string& key) {
    return Must(outputs.Get(key), "stylegan2 " + key);
  };
  Compare("stylegan2", dtype_name, "ws", Must(g->MapZ(z), "MapZ"), expected("ws"));
  Compare("stylegan2", dtype_name, "img", Must(g->SynthesizeFromZ(z, 1.0), "G"), expected("img"));
  Compare("stylegan2", dtype_name, "img_psi0.7", Must(g->SynthesizeFromZ(z, 0.7), "G"),
          expected("img_psi0.7"));
  models::Stylegan2Noise none;
  none.mode = models::NoiseMode::kNone;
  Compare("stylegan2", dtype_name, "img_noise_none", Must(g->SynthesizeFromZ(z, 1.0, none), "G"),
          expected("img_noise_none"));
  Compare("stylegan2", dtype_name, "d_logits", Must(d->Logits(expected("img").to(device)), "D"),
          expected("d_logits"));
}

void CheckBiggan(const Flags& flags, c10::Device device, const std::string& dtype_name) {
  const weights::StateDict inputs = Dict(flags, "biggan/inputs.safetensors");
  const weights::StateDict outputs = Dict(flags, "biggan/outputs.safetensors");
  models::BigGanOptions options;
  options.device = device;
  options.dtype = ToleranceFor(dtype_name).dtype;
  auto model = Must(
      models::BigGanModel::Load(flags.fixtures + "/biggan/weights.safetensors", options), "biggan");
  struct Case {
    const char* image;
    const char* z;
    const char* classes;
    double truncation;
  };
  for (const Case& c : {Case{"img_trunc0.4", "z_trunc0.4", "class_onehot", 0.4},
                        Case{"img_trunc1.0", "z_trunc1.0", "class_onehot", 1.0},
                        Case{"img_extra", "z_extra", "class_extra", 0.617}}) {
    const at::Tensor z = Must(inputs.Get(c.z), "biggan inputs").to(device);
    const at::Tensor classes = Must(inputs.Get(c.classes), "biggan inputs").to(device);
    Compare("biggan", dtype_name, c.image, Must(model->Generate(z, classes, c.truncation), c.image),
            Must(outputs.Get(c.image), "biggan outputs"));
  }
}

void CheckGpt2(const Flags& flags, c10::Device device) {
  const weights::StateDict inputs = Dict(flags, "gpt2/inputs.safetensors");
  const weights::StateDict outputs = Dict(flags, "gpt2/outputs.safetensors");
  models::Gpt2Options options;
  options.device = device;
  // The fixture's width (32) does not tell its head count: config.json does.
  std::ifstream config_file(flags.fixtures + "/gpt2/config.json");
  const nlohmann::json config = nlohmann::json::parse(config_file, nullptr, false);
  if (config.is_discarded() || !config.contains("hyperparameters")) {
    std::fprintf(stderr, "gpu_parity: %s/gpt2/config.json: no hyperparameters.n_head\n",
                 flags.fixtures.c_str());
    std::exit(1);
  }
  options.n_head = config["hyperparameters"]["n_head"].get<int64_t>();
  auto model =
      Must(models::Gpt2::Load(flags.fixtures + "/gpt2/weights.safetensors", options), "gpt2");
  const at::Tensor ids = Must(inputs.Get("input_ids"), "gpt2 inputs");
  const models::Gpt2Output out = Must(model->Forward(ids.to(device)), "gpt2 forward");
  Compare("gpt2", "fp32", "hidden_states", out.hidden_states,
          Must(outputs.Get("hidden_states"), "gpt2 outputs"));
  Compare("gpt2", "fp32", "logits_last", out.logits_last,
          Must(outputs.Get("logits_last"), "gpt2 outputs"));
  const at::Tensor want = Must(outputs.Get("generated_ids"), "gpt2 outputs");
  models::Gpt2GenerateOptions generate;
  generate.new_tokens = want.size(1) - ids.size(1);
  const at::Tensor got = Must(model->Generate(ids.to(device), generate), "gpt2 generate");
  const bool same = got.to(at::kCPU).equal(want);
  if (!same) ++failures;
  std::printf("%-4s %-9s %-5s %-26s %s\n", same ? "ok" : "FAIL", "gpt2", "fp32",
              "generated_ids (greedy)", same ? "identical" : "differ");
}

int Main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "gpu_parity: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--fixtures") {
      flags.fixtures = value();
    } else if (arg == "--device") {
      flags.device = value();
    } else if (arg == "--dtypes") {
      flags.dtypes.clear();
      std::string list = value();
      for (size_t start = 0; start <= list.size();) {
        size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        const std::string name = list.substr(start, end - start);
        if (name != "fp32" && name != "fp16" && name != "bf16") {
          std::fprintf(stderr, "gpu_parity: --dtypes: unknown dtype '%s' (fp32, fp16, bf16)\n",
                       name.c_str());
          return 2;
        }
        flags.dtypes.push_back(name);
        start = end + 1;
      }
    } else {
      std::fprintf(stderr,
                   "usage: gpu_parity --fixtures DIR [--device cpu|cuda:N] "
                   "[--dtypes fp32,fp16,bf16]\n");
      return 2;
    }
  }
  if (flags.fixtures.empty()) {
    std::fprintf(stderr, "gpu_parity: --fixtures DIR is required (tests/data/reference)\n");
    return 2;
  }
  const StatusOr<c10::Device> resolved = models::ResolveTorchDevice(flags.device, "gpu_parity");
  if (!resolved.ok()) {
    std::fprintf(stderr, "%s\n", resolved.status().message().c_str());
    return 1;
  }
  const c10::Device device = *resolved;
  if (device.is_cuda()) {
    // fp32 means fp32: no TF32 tensor-core rounding in matrix products or convolutions.
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
  }
  models::ConfigureTorchThreads(0);
  std::printf("device %s, dtypes", flags.device.c_str());
  for (const std::string& d : flags.dtypes) std::printf(" %s", d.c_str());
  std::printf(", fixtures %s\n", flags.fixtures.c_str());
  for (const std::string& dtype : flags.dtypes) {
    CheckClip(flags, device, dtype);
    CheckStylegan2(flags, device, dtype);
    CheckBiggan(flags, device, dtype);
    if (dtype == "fp32") CheckGpt2(flags, device);
  }
  std::printf("%s: %d output(s) outside tolerance\n", failures == 0 ? "PASS" : "FAIL", failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace clipglass

int main(int argc, char** argv) { return clipglass::Main(argc, argv); }
