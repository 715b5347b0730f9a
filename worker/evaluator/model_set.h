// The models one ModelSpec needs (CLIP, plus StyleGAN2 G [+ D], BigGAN or GPT-2 with its
// tokenizers), loaded from the spec's weights files or found already loaded in the pool.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/clipglass.pb.h"
#include "worker/evaluator/component_pool.h"
#include "worker/evaluator/model_evaluator_options.h"
#include "worker/evaluator/tokenizer_store.h"
#include "worker/models/biggan.h"
#include "worker/models/clip.h"
#include "worker/models/gpt2.h"
#include "worker/models/stylegan2.h"

namespace clipglass::worker {

// Immutable once loaded. Components may be shared with other sets (see ComponentPool).
struct ModelSet {
  std::string key;  // ModelSpec.key
  std::shared_ptr<const models::ClipModel> clip;
  std::shared_ptr<const tokenizers::ClipTokenizer> clip_tokenizer;
  // Exactly one generator, by family.
  std::shared_ptr<const models::Stylegan2Generator> stylegan2;
  std::shared_ptr<const models::Stylegan2Discriminator> discriminator;  // null without D weights
  std::shared_ptr<const models::BigGanModel> biggan;
  std::shared_ptr<const models::Gpt2> gpt2;
  std::shared_ptr<const tokenizers::Gpt2Tokenizer> gpt2_tokenizer;  // with gpt2

  // Identity of each component: role, weights path and checksum. A resident set whose ids differ
  // from a new spec's (same key, other files) is reloaded; target embeddings are cached per
  // clip_id.
  std::string clip_id;
  std::vector<std::string> component_ids;  // clip_id first
};

// Component identities of a spec, in the order ModelSet::component_ids lists them, with the file
// each one loads from.
struct ComponentRef {
  std::string id;
  std::string path;
};
std::vector<ComponentRef> SpecComponents(const v1::ModelSpec& spec);

// Loads the spec's components that `pool` does not hold and registers them there. Errors name the
// key, the role and the file. *permanent: true for files that are missing, corrupt or do not fit
// the family (another worker reading the same files cannot do better); false for resource errors
// (LibTorch failures such as running out of memory).
StatusOr<std::shared_ptr<const ModelSet>> LoadModelSet(const v1::ModelSpec& spec,
                                                       const ComputeSettings& compute,
                                                       ComponentPool* pool,
                                                       TokenizerStore* tokenizers, bool* permanent);

// Estimated bytes of the spec's components that the pool does not hold yet, from their files'
// sizes (used to make room before loading; the exact figure is known after loading).
uint64_t EstimateMissingBytes(const v1::ModelSpec& spec, const ComponentPool& pool);

}  // namespace clipglass::worker
