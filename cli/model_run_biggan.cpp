// `clipglass model-run biggan --weights W --inputs IN.safetensors --out OUT.safetensors
// [--truncation T]`: runs the BigGAN-deep checkpoint W (safetensors or PyTorch zip, the original's
// key names) on IN's `z` [B, z_dim] and `class` [B, num_classes] (one-hot or soft) — or on a
// CLIP-GLaSS `genome` [B, z_dim + num_classes] (z clipped to [-2, 2], softmax of the class genes)
// — and writes `img` [B, 3, R, R] in [-1, 1] (float32) to OUT.
#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/model_run_commands.h"
#include "worker/models/biggan.h"
#include "worker/models/torch_runtime.h"
#include "worker/weights/state_dict.h"

namespace clipglass::cli {
namespace {

struct BigGanRunOptions {
  std::string weights;
  std::string inputs;
  std::string out;
  double truncation = 1.0;
  int64_t batch_size = 0;
  std::string dtype = "float32";
  int threads = 0;
};

StatusOr<at::ScalarType> ParseDtype(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "float64") return at::kDouble;
  if (name == "float16") return at::kHalf;
  if (name == "bfloat16") return at::kBFloat16;
  return InvalidArgumentError("--dtype must be float32, float64, float16 or bfloat16, got '" +
                              name + "'");
}

Status RunBigGan(const BigGanRunOptions& options) {
  models::ConfigureTorchThreads(options.threads);
  CG_ASSIGN_OR_RETURN(weights::StateDict inputs, weights::LoadStateDict(options.inputs));
  const bool has_genome = inputs.Has("genome");
  if (!has_genome && !(inputs.Has("z") && inputs.Has("class"))) {
    return InvalidArgumentError(options.inputs +
                                ": holds neither 'z' [B, z_dim] + 'class' [B, num_classes] nor "
                                "'genome' [B, z_dim + num_classes]");
  }
  models::BigGanOptions model_options;
  CG_ASSIGN_OR_RETURN(model_options.dtype, ParseDtype(options.dtype));
  model_options.batch_size = options.batch_size;
  CG_ASSIGN_OR_RETURN(std::unique_ptr<models::BigGanModel> model,
                      models::BigGanModel::Load(options.weights, model_options));

  StatusOr<at::Tensor> image = InternalError("unset");
  if (has_genome) {
    CG_ASSIGN_OR_RETURN(at::Tensor genome, inputs.Get("genome"));
    image = model->GenerateFromGenome(genome, options.truncation);
  } else {
    CG_ASSIGN_OR_RETURN(at::Tensor z, inputs.Get("z"));
    CG_ASSIGN_OR_RETURN(at::Tensor classes, inputs.Get("class"));
    image = model->Generate(z, classes, options.truncation);
  }
  if (!image.ok()) return image.status().WithContext(options.inputs);
  const models::BigGanConfig& config = model->config();
  return weights::SaveSafetensors(options.out, {{"img", image->to(at::kFloat).cpu()}},
                                  {{"model", "biggan"},
                                   {"weights", options.weights},
                                   {"truncation", std::to_string(options.truncation)},
                                   {"resolution", std::to_string(config.output_resolution)},
                                   {"channel_width", std::to_string(config.channel_width)}});
}

}  // namespace

void AddModelRunBigGan(CLI::App& model_run) {
  CLI::App* sub = model_run.add_subcommand(
      "biggan", "BigGAN-deep: images from `z` + `class` (or a CLIP-GLaSS `genome`)");
  auto options = std::make_shared<BigGanRunOptions>();
  sub->add_option("--weights", options->weights,
                  "BigGAN-deep checkpoint with pytorch-pretrained-BigGAN's key names: "
                  "safetensors or PyTorch zip (told apart by content)")
      ->required();
  sub->add_option("--inputs", options->inputs,
                  "safetensors with `z` [B,z_dim] and `class` [B,num_classes] (one-hot or "
                  "soft), or `genome` [B,z_dim+num_classes]")
      ->required();
  sub->add_option("--out", options->out, "safetensors to write: img [B,3,R,R] float32 in [-1,1]")
      ->required();
  sub->add_option("--truncation", options->truncation,
                  "truncation in (0, 1]: selects the standing batch-norm statistics "
                  "(CLIP-GLaSS uses 1.0)")
      ->capture_default_str();
  sub->add_option("--batch-size", options->batch_size,
                  "run in fixed chunks of this many images, the last zero-padded (0: one pass)")
      ->capture_default_str();
  sub->add_option("--dtype", options->dtype, "compute dtype: float32, float64, float16, bfloat16")
      ->capture_default_str();
  sub->add_option("--threads", options->threads, "CPU threads (0: every available core)");
  sub->callback([options] { CheckOk(RunBigGan(*options)); });
}

}  // namespace clipglass::cli
