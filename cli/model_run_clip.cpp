// `clipglass model-run clip --weights W --inputs IN.safetensors --out OUT.safetensors`: embeds the
// `images` [N, 3, R, R] (float, already normalised) and/or `text_tokens` [M, C] (int64) of IN with
// the CLIP checkpoint W (safetensors, PyTorch zip or TorchScript), and writes `image_features`
// [N, E], `text_features` [M, E] and, when both are given, `cosine_similarity` [N, M] to OUT.
#include <map>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/model_run_commands.h"
#include "worker/models/clip.h"
#include "worker/models/torch_runtime.h"
#include "worker/weights/state_dict.h"

namespace clipglass::cli {
namespace {

struct ClipRunOptions {
  std::string weights;
  std::string inputs;
  std::string out;
  int threads = 0;
};

Status RunClip(const ClipRunOptions& options) {
  models::ConfigureTorchThreads(options.threads);
  CG_ASSIGN_OR_RETURN(weights::StateDict inputs, weights::LoadStateDict(options.inputs));
  const bool has_images = inputs.Has("images");
  const bool has_text = inputs.Has("text_tokens");
  if (!has_images && !has_text) {
    return InvalidArgumentError(options.inputs +
                                ": holds neither 'images' [N, 3, R, R] nor 'text_tokens' [M, C]");
  }
  CG_ASSIGN_OR_RETURN(std::unique_ptr<models::ClipModel> model,
                      models::ClipModel::Load(options.weights));

  std::map<std::string, at::Tensor> outputs;
  if (has_images) {
    CG_ASSIGN_OR_RETURN(at::Tensor images, inputs.Get("images"));
    auto features = model->EncodeImage(images);
    if (!features.ok()) return features.status().WithContext(options.inputs + ": 'images'");
    outputs["image_features"] = *features;
  }
  if (has_text) {
    CG_ASSIGN_OR_RETURN(at::Tensor tokens, inputs.Get("text_tokens"));
    auto features = model->EncodeText(tokens);
    if (!features.ok()) return features.status().WithContext(options.inputs + ": 'text_tokens'");
    outputs["text_features"] = *features;
  }
  if (has_images && has_text) {
    CG_ASSIGN_OR_RETURN(
        outputs["cosine_similarity"],
        models::CosineSimilarity(outputs["image_features"], outputs["text_features"]));
  }
  return weights::SaveSafetensors(
      options.out, outputs,
      {{"model", "clip"}, {"weights", options.weights}, {"config", model->config().ToString()}});
}

}  // namespace

void AddModelRunClip(CLI::App& model_run) {
  CLI::App* sub = model_run.add_subcommand("clip",
                                           "CLIP (ViT or modified ResNet): embed `images` and/or "
                                           "`text_tokens`; cosine similarity of both");
  auto options = std::make_shared<ClipRunOptions>();
  sub->add_option("--weights", options->weights,
                  "CLIP checkpoint with OpenAI's key names: safetensors, PyTorch zip or "
                  "TorchScript (told apart by content)")
      ->required();
  sub->add_option("--inputs", options->inputs,
                  "safetensors with `images` [N,3,R,R] float32 (already normalised) and/or "
                  "`text_tokens` [M,C] int64")
      ->required();
  sub->add_option("--out", options->out,
                  "safetensors to write: image_features, text_features, cosine_similarity")
      ->required();
  sub->add_option("--threads", options->threads, "CPU threads (0: every available core)");
  sub->callback([options] { CheckOk(RunClip(*options)); });
}

}  // namespace clipglass::cli
