// CLIP (ViT variants) as the worker uses it: load a checkpoint by OpenAI's key names, embed
// images and texts, compare them. This is the runner: it owns device, dtype, grad mode and input
// checks; the math lives in clip_modules.h.
//
// Ref: OpenAI CLIP clip/model.py (CLIP.encode_image, encode_text, forward; build_model) as
// vendored in clip-glass 0887b13; CLIP-GLaSS generator.py clip_similarity
// (torch.cosine_similarity).
//
//   CG_ASSIGN_OR_RETURN(auto clip, models::ClipModel::Load("ViT-B-32.pt"));
//   CG_ASSIGN_OR_RETURN(at::Tensor target, clip->EncodeText(tokens));          // [1, E]
//   CG_ASSIGN_OR_RETURN(at::Tensor feats, clip->EncodeGeneratedImages(
//       generated, {models::ImageRange::kMinusOneToOne}));                      // [N, E]
//   CG_ASSIGN_OR_RETURN(at::Tensor score, models::CosineSimilarity(feats, target));  // [N, 1]
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>
#include <string>

#include "common/png_codec.h"
#include "common/status.h"
#include "worker/models/clip_config.h"
#include "worker/models/clip_preprocess.h"
#include "worker/weights/state_dict.h"

namespace clipglass::models {

struct ClipModelOptions {
  // Where the weights live and the math runs.
  c10::Device device = c10::Device(c10::kCPU);
  // Compute dtype of weights and activations. float32 is the reference; kHalf / kBFloat16 are for
  // accelerators (LayerNorm still runs in float32). Features are always returned as float32.
  at::ScalarType dtype = at::kFloat;
  // 0: run each batch as given. Fast, but LibTorch CPU's matrix kernels pick different code
  // paths for different row counts, so an image's features change in the last bits (~1e-6) with
  // the batch's size. B > 0: run in chunks of exactly B rows, zero-padding the last one, so every
  // row's features are bitwise independent of the batch's size, of its position and of its
  // batch-mates (tested; on CPU also of the thread count). The evaluator sets B to its batch size.
  int64_t fixed_batch_size = 0;
};

// Thread-safety: immutable after loading; every const method may be called concurrently (each
// call runs with gradients off on its own thread).
class ClipModel {
 public:
  // Reads a safetensors, PyTorch zip or TorchScript checkpoint (told apart by content), detects
  // the configuration from the tensor shapes and loads every tensor by its OpenAI name. Errors:
  // those of weights::LoadStateDict, DetectClipConfig (ResNet variants: Unimplemented) and
  // weights::LoadIntoModule (missing/unexpected key, shape mismatch), each naming the file.
  static StatusOr<std::unique_ptr<ClipModel>> Load(const std::string& path,
                                                   const ClipModelOptions& options = {});
  // The same from tensors already in memory (the dict's float tensors may be any float dtype).
  static StatusOr<std::unique_ptr<ClipModel>> FromStateDict(const weights::StateDict& dict,
                                                            const ClipModelOptions& options = {});

  ~ClipModel();
  ClipModel(const ClipModel&) = delete;
  ClipModel& operator=(const ClipModel&) = delete;

  const ClipConfig& config() const;
  const ClipModelOptions& options() const;
  // exp(logit_scale): the temperature of CLIP's logits (100 in the released models).
  double logit_scale() const;

  // images: [N, 3, R, R] (R = config().image_resolution), already preprocessed (normalised,
  // unless reproducing the original CLIP-GLaSS), any float dtype and device.
  // Returns the unnormalised image features [N, E], float32, on the model's device.
  StatusOr<at::Tensor> EncodeImage(const at::Tensor& images) const;

  // Generator output [N, 3, H, W] -> PreprocessImages(options) on the model's device ->
  // EncodeImage. One call for the whole batch.
  StatusOr<at::Tensor> EncodeGeneratedImages(const at::Tensor& images,
                                             const ClipPreprocessOptions& preprocess) const;

  // tokens: [M, C] integer ids (C = config().context_length), start/end tokens included and zero
  // padded, as the CLIP tokenizer gives them. Pooled at each row's first largest id (the
  // end-of-text token). Returns the unnormalised text features [M, E], float32, on the model's
  // device. InvalidArgument for another shape or an id outside [0, vocab_size).
  StatusOr<at::Tensor> EncodeText(const at::Tensor& tokens) const;

 private:
  struct Impl;
  explicit ClipModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An 8-bit RGB picture, as an image-to-text target is embedded: to [0, 1], CLIP's bicubic resize
// and centre crop, normalised, encoded. Returns the features [1, E].
StatusOr<at::Tensor> EncodeRgbImage(const ClipModel& clip, const RgbImage& image);

// torch.cosine_similarity(a[:, None, :], b[None, :, :], dim=-1, eps=1e-8): [N, D] x [M, D] ->
// [N, M], as CLIP-GLaSS scores an individual against its target.
StatusOr<at::Tensor> CosineSimilarity(const at::Tensor& a, const at::Tensor& b);

// CLIP.forward's logits: exp(logit_scale) * normalised images @ normalised texts.T.
struct ClipLogits {
  at::Tensor per_image;  // [N, M]
  at::Tensor per_text;   // [M, N]
};
StatusOr<ClipLogits> ComputeClipLogits(const at::Tensor& image_features,
                                       const at::Tensor& text_features, double logit_scale);

}  // namespace clipglass::models
