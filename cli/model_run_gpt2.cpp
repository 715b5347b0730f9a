// `clipglass model-run gpt2 --weights W --inputs IN.safetensors --out OUT.safetensors
// [--generate N]`: runs the GPT-2 checkpoint W (safetensors, PyTorch zip or TorchScript; original
// or "transformer."-prefixed names) on the `input_ids` [B, T] (int64) of IN, and writes
// `hidden_states` [B, T, C] (after ln_f) and `logits_last` [B, V] to OUT; with --generate N also
// `generated_ids` [B, T + N], the context followed by N greedily decoded ids.
#include <map>
#include <memory>
#include <string>

#include "cli/cli_util.h"
#include "cli/model_run_commands.h"
#include "worker/models/gpt2.h"
#include "worker/models/torch_runtime.h"
#include "worker/weights/state_dict.h"

namespace clipglass::cli {
namespace {

struct Gpt2RunOptions {
  std::string weights;
  std::string inputs;
  std::string out;
  int64_t generate = 0;
  int64_t heads = 0;
  int threads = 0;
};

Status RunGpt2(const Gpt2RunOptions& options) {
  models::ConfigureTorchThreads(options.threads);
  if (options.generate < 0) return InvalidArgumentError("--generate must be >= 0");
  CG_ASSIGN_OR_RETURN(const weights::StateDict inputs, weights::LoadStateDict(options.inputs));
  auto input_ids = inputs.Get("input_ids");
  if (!input_ids.ok()) {
    return InvalidArgumentError(options.inputs + ": holds no 'input_ids' [B, T] int64");
  }
  models::Gpt2Options model_options;
  model_options.n_head = options.heads;
  CG_ASSIGN_OR_RETURN(const std::unique_ptr<models::Gpt2> model,
                      models::Gpt2::Load(options.weights, model_options));

  auto forward = model->Forward(*input_ids);
  if (!forward.ok()) return forward.status().WithContext(options.inputs + ": 'input_ids'");
  std::map<std::string, at::Tensor> outputs = {
      {"hidden_states", forward->hidden_states},
      {"logits_last", forward->logits_last},
  };
  if (options.generate > 0) {
    models::Gpt2GenerateOptions generate;
    generate.new_tokens = options.generate;
    auto generated = model->Generate(*input_ids, generate);
    if (!generated.ok()) return generated.status().WithContext(options.inputs + ": generating");
    outputs["generated_ids"] = *generated;
  }
  const models::Gpt2Config& config = model->config();
  return weights::SaveSafetensors(options.out, outputs,
                                  {{"model", "gpt2"},
                                   {"weights", options.weights},
                                   {"n_layer", std::to_string(config.n_layer)},
                                   {"n_embd", std::to_string(config.n_embd)},
                                   {"n_head", std::to_string(config.n_head)},
                                   {"vocab_size", std::to_string(config.vocab_size)},
                                   {"n_positions", std::to_string(config.n_positions)}});
}

}  // namespace

void AddModelRunGpt2(CLI::App& model_run) {
  CLI::App* sub = model_run.add_subcommand(
      "gpt2", "GPT-2: hidden states and last-position logits of `input_ids`; greedy generation");
  auto options = std::make_shared<Gpt2RunOptions>();
  sub->add_option("--weights", options->weights,
                  "GPT-2 checkpoint with the original/HF key names (h.N.attn.c_attn.weight, wte, "
                  "wpe, ln_f; a transformer. prefix is accepted): safetensors, PyTorch zip or "
                  "TorchScript")
      ->required();
  sub->add_option("--inputs", options->inputs, "safetensors with `input_ids` [B,T] int64")
      ->required();
  sub->add_option("--out", options->out,
                  "safetensors to write: hidden_states [B,T,C] (after ln_f), logits_last [B,V], "
                  "generated_ids [B,T+N] with --generate")
      ->required();
  sub->add_option("--generate", options->generate,
                  "greedily decode N tokens after the context (the paper's setting), with the "
                  "key/value cache");
  sub->add_option("--heads", options->heads,
                  "attention heads (0: the weights' 'n_head' metadata, else width / 64 as in "
                  "every released GPT-2)");
  sub->add_option("--threads", options->threads, "CPU threads (0: every available core)");
  sub->callback([options] { CheckOk(RunGpt2(*options)); });
}

}  // namespace clipglass::cli
