// `clipglass model-run stylegan2 --weights G.safetensors [--weights D.safetensors] --inputs IN
// --out OUT [--truncation-psi P] [--noise-mode const|none|random]`: maps `z` [B, z_dim] of IN
// through the generator and writes `ws` [B, num_ws, w_dim] and `img` [B, C, H, W] to OUT, and,
// with a discriminator, `d_logits` [B, 1] = D(img) in one call (as NVIDIA's D(img, None)). Which
// --weights file is G and which is D is told from their keys.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "cli/model_run_commands.h"
#include "worker/models/stylegan2.h"
#include "worker/models/torch_runtime.h"
#include "worker/weights/state_dict.h"

namespace clipglass::cli {
namespace {

struct Stylegan2RunOptions {
  std::vector<std::string> weights;
  std::string inputs;
  std::string out;
  double truncation_psi = 1.0;
  std::optional<int64_t> truncation_cutoff;
  std::string noise_mode = "const";
  uint64_t noise_seed = 0;
  std::optional<double> conv_clamp;
  int threads = 0;
};

Status RunStylegan2(const Stylegan2RunOptions& options) {
  models::ConfigureTorchThreads(options.threads);
  CG_ASSIGN_OR_RETURN(models::NoiseMode noise_mode, models::ParseNoiseMode(options.noise_mode));
  CG_ASSIGN_OR_RETURN(weights::StateDict inputs, weights::LoadStateDict(options.inputs));
  CG_ASSIGN_OR_RETURN(at::Tensor z, inputs.Get("z"));

  if (options.weights.empty() || options.weights.size() > 2) {
    return InvalidArgumentError("give one or two --weights files (a generator, a discriminator)");
  }
  std::unique_ptr<models::Stylegan2Generator> g;
  std::unique_ptr<models::Stylegan2Discriminator> d;
  std::string g_path;
  for (const std::string& path : options.weights) {
    CG_ASSIGN_OR_RETURN(weights::StateDict dict, weights::LoadStateDict(path));
    if (models::IsStylegan2Generator(dict)) {
      if (g)
        return InvalidArgumentError(path + ": a second generator (the first is " + g_path + ")");
      models::Stylegan2GeneratorSettings settings;
      settings.conv_clamp = options.conv_clamp;
      CG_ASSIGN_OR_RETURN(g, models::Stylegan2Generator::FromStateDict(dict, {}, settings));
      g_path = path;
    } else if (models::IsStylegan2Discriminator(dict)) {
      if (d) return InvalidArgumentError(path + ": a second discriminator");
      models::Stylegan2DiscriminatorSettings settings;
      settings.conv_clamp = options.conv_clamp;
      CG_ASSIGN_OR_RETURN(d, models::Stylegan2Discriminator::FromStateDict(dict, {}, settings));
    } else {
      return InvalidArgumentError(path +
                                  ": neither a StyleGAN2 generator (mapping.fc0.weight, "
                                  "synthesis.b4.const) nor a discriminator (b4.fc.weight, "
                                  "b4.out.weight)");
    }
  }
  if (!g) return InvalidArgumentError("no --weights file holds a StyleGAN2 generator");

  std::map<std::string, at::Tensor> outputs;
  auto ws = g->MapZ(z, options.truncation_psi, options.truncation_cutoff);
  if (!ws.ok()) return ws.status().WithContext(options.inputs + ": 'z'");
  models::Stylegan2Noise noise;
  noise.mode = noise_mode;
  noise.seed = options.noise_seed;
  CG_ASSIGN_OR_RETURN(outputs["img"], g->Synthesize(*ws, noise));
  outputs["ws"] = *ws;
  if (d) {
    CG_ASSIGN_OR_RETURN(outputs["d_logits"], d->Logits(outputs["img"]));
  }

  std::map<std::string, std::string> metadata = {
      {"model", "stylegan2"},
      {"weights", g_path},
      {"config", models::Describe(g->config())},
      {"truncation_psi", std::to_string(options.truncation_psi)},
      {"noise_mode", models::NoiseModeName(noise_mode)}};
  if (d) metadata["discriminator"] = models::Describe(d->config());
  return weights::SaveSafetensors(options.out, outputs, metadata);
}

}  // namespace

void AddModelRunStylegan2(CLI::App& model_run) {
  CLI::App* sub = model_run.add_subcommand(
      "stylegan2", "StyleGAN2 (NVIDIA's naming): z -> ws, img; D(img) with a discriminator");
  auto options = std::make_shared<Stylegan2RunOptions>();
  sub->add_option("--weights", options->weights,
                  "generator and optionally discriminator checkpoints (G.state_dict() / "
                  "D.state_dict() keys; which is which is told from the keys)")
      ->required();
  sub->add_option("--inputs", options->inputs, "safetensors with `z` [B, z_dim]")->required();
  sub->add_option("--out", options->out, "safetensors to write: ws, img, d_logits")->required();
  sub->add_option("--truncation-psi", options->truncation_psi,
                  "truncation psi: w_avg.lerp(w, psi) (1 = none)");
  sub->add_option("--truncation-cutoff", options->truncation_cutoff,
                  "truncate only the first N ws (default: all)");
  sub->add_option("--noise-mode", options->noise_mode, "const | none | random")
      ->check(CLI::IsMember({"const", "none", "random"}));
  sub->add_option("--noise-seed", options->noise_seed,
                  "random noise: sample b uses seed + b (default 0)");
  sub->add_option("--conv-clamp", options->conv_clamp,
                  "clamp conv outputs to +-X (stylegan2-ada checkpoints: 256; default none)");
  sub->add_option("--threads", options->threads, "CPU threads (0: every available core)");
  sub->callback([options] { CheckOk(RunStylegan2(*options)); });
}

}  // namespace clipglass::cli
