// GPT-2 (the language model CLIP-GLaSS searches for image-to-text): loading real checkpoints by
// their original key names, full forward passes, and batched decoding with a key/value cache.
//
// Ref: Radford et al. 2019, "Language Models are Unsupervised Multitask Learners"; the math and the
// decoding follow graykode/gpt-2-Pytorch as vendored in galatolofederico/clip-glass
// (gpt2/model.py, gpt2/sample.py). docs/models/gpt2.md describes the model and the caption rules.
//
// This header is light (no <torch/torch.h>); the modules live in gpt2_modules.h.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "worker/weights/state_dict.h"

namespace clipglass::models {

// GPT-2's sizes. Every field but n_head is read from the weights' shapes (DetectGpt2Config).
struct Gpt2Config {
  int64_t vocab_size = 50257;  // rows of wte.weight; the LM head is tied to it
  int64_t n_positions = 1024;  // rows of wpe.weight: the longest sequence
  int64_t n_embd = 768;        // model width C
  int64_t n_inner = 3072;      // MLP width: columns of mlp.c_fc.weight (4C in every release)
  int64_t n_layer = 12;        // number of h.{i} blocks
  int64_t n_head = 12;         // attention heads; not visible in the weights (see DetectGpt2Config)
  double layer_norm_epsilon = 1e-5;  // the released config's value (not LayerNorm's 1e-12)

  int64_t head_dim() const { return n_embd / n_head; }
  // OK when every size is positive and n_embd is divisible by n_head.
  Status Validate() const;

  // The released sizes, for benchmarks and tests (vocab 50257, 1024 positions, head_dim 64).
  static Gpt2Config Small();   // 12 layers, width 768, 12 heads (124M)
  static Gpt2Config Medium();  // 24 layers, width 1024, 16 heads (355M)
  static Gpt2Config Large();   // 36 layers, width 1280, 20 heads (774M)
  static Gpt2Config Xl();      // 48 layers, width 1600, 25 heads (1558M)
};

// The checkpoint in canonical naming: keys under "transformer." (a GPT2LMHeadModel state dict,
// HF or graykode) have the prefix removed, which also drops the tied lm_head copy; a
// GPT2Model state dict (the released pytorch_model.bin) is returned unchanged.
weights::StateDict CanonicalGpt2Dict(const weights::StateDict& dict);

// Sizes from the tensors' shapes of a canonical dict. The head count is not stored in GPT-2
// checkpoints: `n_head` if positive, else the safetensors metadata entry "n_head" if present,
// else n_embd / 64 (every released GPT-2 has head_dim 64); an error if none applies. Checks that
// every block's shapes agree with the detected sizes.
StatusOr<Gpt2Config> DetectGpt2Config(const weights::StateDict& dict, int64_t n_head = 0);

// The key regexes LoadIntoModule skips: the constant causal-mask buffers released checkpoints
// carry (h.{i}.attn.bias, h.{i}.attn.masked_bias), which this implementation recomputes.
const std::vector<std::string>& Gpt2IgnoredKeys();

struct Gpt2Options {
  c10::Device device = c10::Device(c10::kCPU);  // where weights live and math runs (float32)
  int64_t n_head = 0;                           // 0: detect (see DetectGpt2Config)
};

// Outputs of one full forward pass, on CPU.
struct Gpt2Output {
  at::Tensor hidden_states;  // [B, T, C] after ln_f
  at::Tensor logits_last;    // [B, V] LM-head logits at the last position
  std::vector<at::Tensor>
      presents;  // per layer [2, B, H, T, D]: stack(keys, values), as the original
};

struct Gpt2GenerateOptions {
  int64_t new_tokens =
      30;  // generated after the context; no stop at <|endoftext|> (as the original)
  bool sample =
      false;  // false: greedy, the token is argmax of the raw logits (the paper's setting)
  double temperature = 0.7;  // sampling only (the original passes 0.7 and ignores it when greedy)
  int64_t top_k = 40;        // sampling only; 0 keeps the whole vocabulary
  uint64_t seed = 0;         // sampling only: seeds the generator the draws come from
  bool use_cache = true;     // false: recompute the whole sequence every step (benchmark baseline)
};

// A loaded GPT-2 with its LM head tied to wte. Calls are const and do not modify the model, so
// several threads may call one instance concurrently. Failures (bad ids, too long sequences,
// LibTorch errors) come back as Status values naming the step.
class Gpt2 {
 public:
  // Reads any checkpoint LoadStateDict reads (safetensors, torch zip, TorchScript).
  static StatusOr<std::unique_ptr<Gpt2>> Load(const std::string& path,
                                              const Gpt2Options& options = {});
  // From tensors already in memory (original or "transformer."-prefixed naming).
  static StatusOr<std::unique_ptr<Gpt2>> FromStateDict(const weights::StateDict& dict,
                                                       const Gpt2Options& options = {});
  // Random weights of the given sizes (N(0, 0.02) matrices, unit layer norms), for benchmarks.
  static StatusOr<std::unique_ptr<Gpt2>> WithRandomWeights(const Gpt2Config& config, uint64_t seed,
                                                           const Gpt2Options& options = {});
  ~Gpt2();
  Gpt2(const Gpt2&) = delete;
  Gpt2& operator=(const Gpt2&) = delete;

  const Gpt2Config& config() const;
  c10::Device device() const;

  // One forward pass over `input_ids` [B, T] (int64, ids in [0, vocab), T <= n_positions) with no
  // past, as the original's model(input_ids).
  StatusOr<Gpt2Output> Forward(const at::Tensor& input_ids) const;

  // The tied LM head: hidden [..., C] -> logits [..., V] (= hidden @ wte^T), on CPU.
  StatusOr<at::Tensor> Logits(const at::Tensor& hidden) const;

  // Continues every row of `context_ids` [B, T] by options.new_tokens tokens; returns
  // [B, T + new_tokens] (the context followed by the generated ids), int64 on CPU. The first step
  // reads the whole context, later steps one token each against the cache, as sample_sequence
  // does; the LM head is computed for the last position only. Row i's ids depend only on row i
  // (up to the kernels' blocking for the batch's shape: pad batches to a fixed size when bits
  // must not depend on the batch).
  StatusOr<at::Tensor> Generate(const at::Tensor& context_ids,
                                const Gpt2GenerateOptions& options = {}) const;

 private:
  struct Impl;
  explicit Gpt2(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clipglass::models
