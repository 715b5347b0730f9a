#include "worker/evaluator/model_set.h"

#include <c10/util/Exception.h>

#include <filesystem>
#include <new>
#include <system_error>
#include <utility>

#include "worker/evaluator/spec_settings.h"
#include "worker/weights/state_dict.h"

namespace clipglass::worker {
namespace {

constexpr char kClipRole[] = "clip";
constexpr char kStylegan2Role[] = "stylegan2 G";
constexpr char kDiscriminatorRole[] = "stylegan2 D";
constexpr char kBigGanRole[] = "biggan";
constexpr char kGpt2Role[] = "gpt2";

std::string ComponentId(const char* role, const std::string& path, const std::string& sha256) {
  return std::string(role) + "|" + path + "|" + sha256;
}

// Files that cannot be read or do not hold the expected model stay so on every worker; LibTorch
// failures (out of memory) and cancellations may pass.
bool IsPermanentLoadError(const Status& status) {
  return status.code() != StatusCode::kInternal && status.code() != StatusCode::kUnavailable &&
         status.code() != StatusCode::kCancelled;
}

Status LoadError(const Status& status, const std::string& key, const char* role,
                 const std::string& path) {
  std::string message = "model " + key + ": loading " + role + " weights";
  if (status.message().find(path) == std::string::npos) message += " " + path;
  return Status(status.code(), message + ": " + status.message());
}

// Parameter bytes once in the compute dtype (floating tensors are converted on load).
uint64_t ParameterBytes(const weights::StateDict& dict, at::ScalarType float_dtype) {
  uint64_t total = 0;
  for (const auto& [name, tensor] : dict.tensors) {
    const uint64_t element = at::isFloatingType(tensor.scalar_type())
                                 ? c10::elementSize(float_dtype)
                                 : c10::elementSize(tensor.scalar_type());
    total += static_cast<uint64_t>(tensor.numel()) * element;
  }
  return total;
}

// The component `ref` from the pool, or loaded with `build(dict)` and added to the pool.
template <typename T, typename Build>
StatusOr<std::shared_ptr<const T>> AcquireComponent(const ComponentRef& ref, const char* role,
                                                    const std::string& key,
                                                    at::ScalarType float_dtype, ComponentPool* pool,
                                                    bool* permanent, Build&& build) {
  if (std::shared_ptr<const T> found = pool->Find<const T>(ref.id)) return found;
  if (ref.path.empty()) {
    *permanent = true;
    return InvalidArgumentError("model " + key + ": no " + role + " weights path in the spec");
  }
  try {
    StatusOr<weights::StateDict> dict = weights::LoadStateDict(ref.path);
    if (!dict.ok()) {
      *permanent = IsPermanentLoadError(dict.status());
      return LoadError(dict.status(), key, role, ref.path);
    }
    const uint64_t bytes = ParameterBytes(*dict, float_dtype);
    StatusOr<std::unique_ptr<T>> built = build(*dict);
    if (!built.ok()) {
      *permanent = IsPermanentLoadError(built.status());
      return LoadError(built.status(), key, role, ref.path);
    }
    std::shared_ptr<const T> component = std::move(*built);
    pool->Add(ref.id, component, bytes);
    return component;
  } catch (const c10::Error& e) {
    *permanent = false;
    return LoadError(InternalError(e.what_without_backtrace()), key, role, ref.path);
  } catch (const std::bad_alloc&) {
    *permanent = false;
    return LoadError(InternalError("out of memory"), key, role, ref.path);
  }
}

}  // namespace

std::vector<ComponentRef> SpecComponents(const v1::ModelSpec& spec) {
  std::vector<ComponentRef> refs;
  refs.push_back(
      {ComponentId(kClipRole, spec.clip_weights(), spec.clip_sha256()), spec.clip_weights()});
  const std::string& family = spec.family();
  const char* role = family == "stylegan2" ? kStylegan2Role
                     : family == "biggan"  ? kBigGanRole
                                           : kGpt2Role;
  refs.push_back({ComponentId(role, spec.generator_weights(), spec.generator_sha256()),
                  spec.generator_weights()});
  if (family == "stylegan2" && !spec.discriminator_weights().empty()) {
    refs.push_back(
        {ComponentId(kDiscriminatorRole, spec.discriminator_weights(), spec.discriminator_sha256()),
         spec.discriminator_weights()});
  }
  return refs;
}

uint64_t EstimateMissingBytes(const v1::ModelSpec& spec, const ComponentPool& pool) {
  uint64_t total = 0;
  for (const ComponentRef& ref : SpecComponents(spec)) {
    if (pool.IsLive(ref.id)) continue;
    std::error_code error;
    const uintmax_t size = std::filesystem::file_size(ref.path, error);
    if (!error) total += static_cast<uint64_t>(size);
  }
  return total;
}

StatusOr<std::shared_ptr<const ModelSet>> LoadModelSet(const v1::ModelSpec& spec,
                                                       const ComputeSettings& compute,
                                                       ComponentPool* pool,
                                                       TokenizerStore* tokenizers,
                                                       bool* permanent) {
  *permanent = true;
  CG_ASSIGN_OR_RETURN(const ModelFamily family, ParseModelFamily(spec.family()));
  const std::string& key = spec.key();
  const std::vector<ComponentRef> refs = SpecComponents(spec);
  auto set = std::make_shared<ModelSet>();
  set->key = key;
  set->clip_id = refs[0].id;
  for (const ComponentRef& ref : refs) set->component_ids.push_back(ref.id);

  models::ClipModelOptions clip_options;
  clip_options.device = compute.device;
  clip_options.dtype = compute.dtype;
  clip_options.fixed_batch_size = compute.micro_batch;
  CG_ASSIGN_OR_RETURN(set->clip, AcquireComponent<models::ClipModel>(
                                     refs[0], kClipRole, key, compute.dtype, pool, permanent,
                                     [&](const weights::StateDict& dict) {
                                       return models::ClipModel::FromStateDict(dict, clip_options);
                                     }));
  auto clip_tokenizer = tokenizers->Clip(spec.tokenizer_dir());
  if (!clip_tokenizer.ok()) return clip_tokenizer.status().WithContext("model " + key);
  set->clip_tokenizer = *clip_tokenizer;

  switch (family) {
    case ModelFamily::kStyleGan2: {
      models::Stylegan2RuntimeOptions runtime;
      runtime.device = compute.device;
      runtime.dtype = compute.dtype;
      runtime.max_batch = compute.micro_batch;
      CG_ASSIGN_OR_RETURN(set->stylegan2, AcquireComponent<models::Stylegan2Generator>(
                                              refs[1], kStylegan2Role, key, compute.dtype, pool,
                                              permanent, [&](const weights::StateDict& dict) {
                                                return models::Stylegan2Generator::FromStateDict(
                                                    dict, runtime);
                                              }));
      if (refs.size() > 2) {
        // Minibatch-std groups of one image: an individual's D loss depends on it alone (see
        // docs/evaluator.md, "The discriminator's groups").
        models::Stylegan2DiscriminatorSettings d_settings;
        d_settings.mbstd_group_size = 1;
        CG_ASSIGN_OR_RETURN(set->discriminator,
                            AcquireComponent<models::Stylegan2Discriminator>(
                                refs[2], kDiscriminatorRole, key, compute.dtype, pool, permanent,
                                [&](const weights::StateDict& dict) {
                                  return models::Stylegan2Discriminator::FromStateDict(
                                      dict, runtime, d_settings);
                                }));
        const int64_t g_res = set->stylegan2->config().img_resolution;
        const int64_t d_res = set->discriminator->config().img_resolution;
        if (g_res != d_res) {
          *permanent = true;
          return InvalidArgumentError("model " + key + ": the discriminator takes " +
                                      std::to_string(d_res) + " px images but G makes " +
                                      std::to_string(g_res) + " px");
        }
      }
      break;
    }
    case ModelFamily::kBigGan: {
      models::BigGanOptions options;
      options.device = compute.device;
      options.dtype = compute.dtype;
      options.batch_size = compute.micro_batch;
      CG_ASSIGN_OR_RETURN(set->biggan, AcquireComponent<models::BigGanModel>(
                                           refs[1], kBigGanRole, key, compute.dtype, pool,
                                           permanent, [&](const weights::StateDict& dict) {
                                             return models::BigGanModel::FromStateDict(dict,
                                                                                       options);
                                           }));
      break;
    }
    case ModelFamily::kGpt2: {
      models::Gpt2Options options;
      options.device = compute.device;
      // GPT-2 has no reduced-precision path: it always computes in float32.
      CG_ASSIGN_OR_RETURN(set->gpt2, AcquireComponent<models::Gpt2>(
                                         refs[1], kGpt2Role, key, at::kFloat, pool, permanent,
                                         [&](const weights::StateDict& dict) {
                                           return models::Gpt2::FromStateDict(dict, options);
                                         }));
      auto gpt2_tokenizer = tokenizers->Gpt2(spec.tokenizer_dir());
      if (!gpt2_tokenizer.ok()) return gpt2_tokenizer.status().WithContext("model " + key);
      set->gpt2_tokenizer = *gpt2_tokenizer;
      break;
    }
  }
  *permanent = false;
  return std::shared_ptr<const ModelSet>(std::move(set));
}

}  // namespace clipglass::worker
