// Ref: Radford et al. 2021 (CLIP), fig. 3 (symmetric contrastive loss) and sec. 2.5 (learnable
// temperature, clipped at 100); OpenAI CLIP clip/model.py CLIP.initialize_parameters.
#include "train/clip_trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <unordered_map>
#include <utility>

#include "train/training_common.h"
#include "train/world_batches.h"
#include "worker/models/clip.h"
#include "worker/models/clip_modules.h"
#include "worker/models/clip_preprocess.h"
#include "worker/models/clip_resnet.h"
#include "worker/models/torch_runtime.h"
#include "worker/tokenizers/clip_tokenizer.h"
#include "worker/weights/state_dict.h"
#include "world/captions.h"

namespace clipglass::train {
namespace {

constexpr double kInitialLogitScale = 2.659260036932778;  // log(1 / 0.07)
constexpr double kMaxLogitScale = 4.605170185988092;      // log(100)

double Fraction(int64_t hits, int64_t count) {
  return count == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(count);
}

// Keys that take no weight decay besides vectors and scalars: the embeddings (CLIP's practice of
// decaying only the weight matrices of linear maps).
bool IsEmbedding(const std::string& name) {
  return name == "token_embedding.weight" ||
         name.find("positional_embedding") != std::string::npos ||
         name.find("class_embedding") != std::string::npos;
}

// OpenAI's CLIP.initialize_parameters (ResNet branch) and the PyTorch defaults it keeps: the
// attention pool's four projections N(0, C^-1/2), its positional embedding N(0, 1) / sqrt(C),
// every bottleneck's last batch-norm scale zero (each block starts as its shortcut), convolutions
// as PyTorch's Conv2d default; batch norms start at scale 1, shift 0 (their constructor).
template <typename Normal, typename ConvDefault>
void InitResNet(models::ClipModifiedResNetImpl& visual, Normal& normal, ConvDefault& conv_default) {
  models::ClipAttentionPoolImpl& pool = *visual.attnpool;
  const double pool_std = std::pow(static_cast<double>(pool.c_proj->weight.size(1)), -0.5);
  for (models::ClipLinearImpl* proj :
       {pool.q_proj.get(), pool.k_proj.get(), pool.v_proj.get(), pool.c_proj.get()}) {
    normal(proj->weight, pool_std);
  }
  normal(pool.positional_embedding, pool_std);
  for (auto& item : visual.named_parameters()) {
    if (item.value().dim() == 4) conv_default(item.value());
  }
  for (const torch::nn::ModuleList& stage : visual.layers) {
    for (const auto& block : *stage) block->as<models::ClipBottleneckImpl>()->bn3->weight.zero_();
  }
}

// A contrast group holds at most every shape in every size.
constexpr int64_t kVariantsPerGroup = world::kNumShapes * world::kNumSizes;

}  // namespace

Status ValidateClipTrainOptions(const ClipTrainOptions& o) {
  auto bad = [](const std::string& field, const std::string& why) {
    return InvalidArgumentError("clip training: " + field + " " + why);
  };
  if (o.vision == models::ClipVisionKind::kModifiedResNet) {
    // The stem halves the width; the attention pool has width * 32 / 64 heads.
    if (o.resnet_width < 2 || o.resnet_width % 2 != 0) {
      return bad("resnet_width", fmt::format("must be even and >= 2, got {}", o.resnet_width));
    }
    if (o.image_resolution % 32 != 0) {
      return bad("image_resolution",
                 fmt::format("must be a multiple of 32 for a ResNet, got {}", o.image_resolution));
    }
    for (int64_t blocks : o.resnet_layers) {
      if (blocks < 1) return bad("resnet_layers", "every stage needs at least one block");
    }
  } else {
    if (o.patch_size <= 0 || o.image_resolution < 8 || o.image_resolution % o.patch_size != 0) {
      return bad("image_resolution/patch_size",
                 fmt::format("must be a multiple of the patch, got {} / {}", o.image_resolution,
                             o.patch_size));
    }
    // build_model infers heads = width / 64 (integer division): a width under 64 has no head.
    if (o.vision_width < 64) {
      return bad("vision_width", fmt::format("must be >= 64, got {}", o.vision_width));
    }
    if (o.vision_layers <= 0) return bad("vision_layers", "must be positive");
  }
  if (o.text_width < 64) {
    return bad("text_width", fmt::format("must be >= 64, got {}", o.text_width));
  }
  if (o.text_layers <= 0) return bad("text_layers", "must be positive");
  if (o.embed_dim <= 0) return bad("embed_dim", "must be positive");
  if (o.steps < 0) return bad("steps", fmt::format("must be >= 0, got {}", o.steps));
  if (o.batch < 2) return bad("batch", fmt::format("must be >= 2, got {}", o.batch));
  if (!(o.lr > 0)) return bad("lr", fmt::format("must be positive, got {}", o.lr));
  if (o.weight_decay < 0) return bad("weight_decay", "must be >= 0");
  if (o.warmup_steps < 1) return bad("warmup_steps", "must be >= 1");
  if (o.contrast_groups < 0 || o.contrast_groups * kVariantsPerGroup > o.batch) {
    return bad("contrast_groups", fmt::format("must be in [0, batch / {}], got {}",
                                              kVariantsPerGroup, o.contrast_groups));
  }
  if (!(o.augment.blur >= 0 && o.augment.blur <= 1)) {
    return bad("blur", fmt::format("must be in [0, 1], got {}", o.augment.blur));
  }
  if (!(o.augment.noise_std >= 0)) {
    return bad("noise_std", fmt::format("must be >= 0, got {}", o.augment.noise_std));
  }
  if (o.threads < 0) return bad("threads", fmt::format("must be >= 0, got {}", o.threads));
  if (o.eval_images < 0) return bad("eval_images", "must be >= 0");
  return Status::Ok();
}

models::ClipConfig ClipTrainConfig(const ClipTrainOptions& o) {
  models::ClipConfig c;
  c.embed_dim = o.embed_dim;
  c.vision_kind = o.vision;
  if (c.is_resnet()) {
    c.vision_width = o.resnet_width;
    c.vision_heads = models::ResNetAttentionPoolHeads(o.resnet_width);
    c.vision_resnet_layers = o.resnet_layers;
  } else {
    c.vision_width = o.vision_width;
    c.vision_layers = o.vision_layers;
    c.vision_patch_size = o.patch_size;
    c.vision_heads = o.vision_width / 64;
  }
  c.image_resolution = o.image_resolution;
  c.context_length = tokenizers::ClipTokenizer::kContextLength;
  c.vocab_size = 49408;
  c.transformer_width = o.text_width;
  c.transformer_heads = o.text_width / 64;
  c.transformer_layers = o.text_layers;
  return c;
}

std::string FormatZeroShot(const ZeroShotAccuracy& a) {
  return fmt::format("shape {:.3f} colour {:.3f} background {:.3f} size {:.3f} all {:.3f} (n={})",
                     a.shape, a.colour, a.background, a.size, a.all, a.count);
}

std::vector<std::string> ZeroShotCaptions() {
  std::vector<std::string> captions;
  captions.reserve(world::kNumCombinations);
  for (int i = 0; i < world::kNumCombinations; ++i) {
    captions.push_back(world::Caption(world::CombinationAt(i), 0));
  }
  return captions;
}

StatusOr<ZeroShotAccuracy> MeasureZeroShot(const models::ClipModel& clip,
                                           const tokenizers::ClipTokenizer& tokenizer,
                                           world::Split split, uint64_t seed, int64_t count) {
  ZeroShotAccuracy accuracy;
  if (count <= 0) return accuracy;
  const std::vector<std::string> captions = ZeroShotCaptions();
  CG_ASSIGN_OR_RETURN(const tokenizers::ClipTokenBatch tokens,
                      tokenizer.Tokenize(captions, clip.config().context_length));
  const at::Tensor token_tensor =
      at::tensor(tokens.ids, at::kLong).view({tokens.rows, tokens.context_length});
  CG_ASSIGN_OR_RETURN(at::Tensor text, clip.EncodeText(token_tensor));  // [240, E]
  text = text / text.norm(2, -1, true);

  int64_t hits[5] = {0, 0, 0, 0, 0};
  constexpr int64_t kChunk = 120;
  for (int64_t first = 0; first < count; first += kChunk) {
    const int rows = static_cast<int>(std::min(kChunk, count - first));
    const WorldBatch batch =
        MakeWorldBatch(split, seed, first, rows, static_cast<int>(clip.config().image_resolution));
    CG_ASSIGN_OR_RETURN(at::Tensor image, clip.EncodeGeneratedImages(batch.images, {}));
    image = image / image.norm(2, -1, true);                    // [rows, E]
    const at::Tensor best = at::mm(image, text.t()).argmax(1);  // [rows]
    for (int r = 0; r < rows; ++r) {
      const world::Attributes chosen =
          world::CombinationAt(static_cast<int>(best[r].item<int64_t>()));
      const world::Attributes& truth = batch.attributes[r];
      hits[0] += chosen.shape == truth.shape;
      hits[1] += chosen.colour == truth.colour;
      hits[2] += chosen.background == truth.background;
      hits[3] += chosen.size == truth.size;
      hits[4] += chosen == truth;
    }
  }
  accuracy.count = count;
  accuracy.shape = Fraction(hits[0], count);
  accuracy.colour = Fraction(hits[1], count);
  accuracy.background = Fraction(hits[2], count);
  accuracy.size = Fraction(hits[3], count);
  accuracy.all = Fraction(hits[4], count);
  return accuracy;
}

struct ClipTrainer::State {
  std::shared_ptr<const tokenizers::ClipTokenizer> tokenizer;
  models::Clip model{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::unordered_map<std::string, std::vector<int32_t>> token_cache;
  at::Generator augment_rng;  // drives blur weights and pixel noise

  // Token ids of captions: [B, L] int64 with L the longest row (SOT + ids + EOT), zero padded.
  StatusOr<at::Tensor> Tokens(const std::vector<std::string>& captions, int64_t context) {
    std::vector<const std::vector<int32_t>*> rows;
    size_t longest = 0;
    for (const std::string& caption : captions) {
      auto it = token_cache.find(caption);
      if (it == token_cache.end()) {
        CG_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                            tokenizer->EncodeWithSpecials(caption, static_cast<int>(context)));
        it = token_cache.emplace(caption, std::move(ids)).first;
      }
      rows.push_back(&it->second);
      longest = std::max(longest, it->second.size());
    }
    at::Tensor tokens =
        at::zeros({static_cast<int64_t>(rows.size()), static_cast<int64_t>(longest)},
                  at::kLong);  // [B, L]
    int64_t* data = tokens.data_ptr<int64_t>();
    for (size_t r = 0; r < rows.size(); ++r) {
      std::copy(rows[r]->begin(), rows[r]->end(), data + r * longest);
    }
    return tokens;
  }
};

ClipTrainer::ClipTrainer(const ClipTrainOptions& options,
                         std::shared_ptr<const tokenizers::ClipTokenizer> tokenizer)
    : options_(options), state_(std::make_unique<State>()) {
  state_->tokenizer = std::move(tokenizer);
  state_->augment_rng =
      at::make_generator<at::CPUGeneratorImpl>(options.data_seed ^ 0x9E3779B97F4A7C15ull);
  const models::ClipConfig config = ClipTrainConfig(options);
  state_->model = models::Clip(config);
  models::ClipImpl& m = *state_->model;

  // OpenAI's CLIP.initialize_parameters (ViT branch) and VisionTransformer.__init__.
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  torch::NoGradGuard no_grad;
  auto normal = [&gen](at::Tensor& t, double std) { t.normal_(0.0, std, gen); };
  normal(m.token_embedding->weight, 0.02);
  normal(m.positional_embedding, 0.01);
  // PyTorch's Conv2d default, kaiming_uniform(a = sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  auto conv_default = [&gen](at::Tensor& weight) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(weight[0].numel()));
    weight.uniform_(-bound, bound, gen);
  };
  if (m.visual_resnet) {
    InitResNet(*m.visual_resnet, normal, conv_default);
  } else {
    const double vscale = std::pow(static_cast<double>(config.vision_width), -0.5);
    normal(m.visual->class_embedding, vscale);
    normal(m.visual->positional_embedding, vscale);
    normal(m.visual->proj, vscale);
    conv_default(m.visual->conv1->weight);
  }
  auto init_transformer = [&](models::ClipTransformerImpl& transformer, int64_t width,
                              int64_t layers) {
    const double proj_std = std::pow(static_cast<double>(width), -0.5) *
                            std::pow(2.0 * static_cast<double>(layers), -0.5);
    const double attn_std = std::pow(static_cast<double>(width), -0.5);
    const double fc_std = std::pow(2.0 * static_cast<double>(width), -0.5);
    for (const auto& module : *transformer.resblocks) {
      auto* block = module->as<models::ClipResidualBlockImpl>();
      normal(block->attn->in_proj_weight, attn_std);
      normal(block->attn->out_proj->weight, proj_std);
      normal(block->mlp->c_fc->weight, fc_std);
      normal(block->mlp->c_proj->weight, proj_std);
    }
  };
  init_transformer(*m.transformer, config.transformer_width, config.transformer_layers);
  if (m.visual) init_transformer(*m.visual->transformer, config.vision_width, config.vision_layers);
  normal(m.text_projection, std::pow(static_cast<double>(config.transformer_width), -0.5));
  m.logit_scale.fill_(kInitialLogitScale);

  std::vector<at::Tensor> decay;
  std::vector<at::Tensor> no_decay;
  for (auto& item : m.named_parameters()) {
    item.value().set_requires_grad(true);
    if (item.value().dim() >= 2 && !IsEmbedding(item.key())) {
      decay.push_back(item.value());
    } else {
      no_decay.push_back(item.value());
    }
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(
      decay, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(options.lr)
                                                              .betas({0.9, 0.98})
                                                              .eps(1e-6)
                                                              .weight_decay(options.weight_decay)));
  groups.emplace_back(
      no_decay,
      std::make_unique<torch::optim::AdamWOptions>(
          torch::optim::AdamWOptions(options.lr).betas({0.9, 0.98}).eps(1e-6).weight_decay(0.0)));
  state_->optimizer = std::make_unique<torch::optim::AdamW>(std::move(groups));
  m.train();
}

ClipTrainer::~ClipTrainer() = default;

models::ClipImpl& ClipTrainer::model() { return *state_->model; }

// Step s draws on world examples [s * batch, (s + 1) * batch): first `contrast_groups` examples
// with their shape/size variants, then single examples until the batch is full.
WorldBatch ClipTrainer::NextBatch() const {
  const size_t b = static_cast<size_t>(options_.batch);
  uint64_t index = static_cast<uint64_t>(steps_done_ * options_.batch);
  std::vector<world::Example> examples;
  examples.reserve(b);
  for (int64_t g = 0; g < options_.contrast_groups; ++g) {
    const world::Example base =
        world::SampleExample(world::Split::kTrain, options_.data_seed, index++);
    for (world::Example& variant : ShapeSizeVariants(base, world::Split::kTrain)) {
      if (examples.size() < b) examples.push_back(std::move(variant));
    }
  }
  while (examples.size() < b) {
    examples.push_back(world::SampleExample(world::Split::kTrain, options_.data_seed, index++));
  }
  return ToWorldBatch(examples, static_cast<int>(options_.image_resolution));
}

StatusOr<ClipStepStats> ClipTrainer::Step() {
  const int64_t b = options_.batch;
  const WorldBatch batch = NextBatch();
  CG_ASSIGN_OR_RETURN(
      const at::Tensor images,
      models::PreprocessImages(AugmentImages(batch.images, options_.augment, state_->augment_rng),
                               options_.image_resolution));
  CG_ASSIGN_OR_RETURN(const at::Tensor tokens,
                      state_->Tokens(batch.captions, state_->model->config.context_length));

  // Targets: row i spread evenly over the examples with i's attributes (i itself included).
  at::Tensor same = at::zeros({b, b}, at::kFloat);  // [B, B]
  float* same_data = same.data_ptr<float>();
  for (int64_t i = 0; i < b; ++i) {
    for (int64_t j = 0; j < b; ++j) {
      same_data[i * b + j] = batch.attributes[i] == batch.attributes[j] ? 1.0f : 0.0f;
    }
  }
  const at::Tensor targets = same / same.sum(1, true);  // symmetric "same", rows sum to 1

  const double lr = WarmupCosineLr(options_.lr, options_.warmup_steps, options_.steps, steps_done_);
  SetLearningRate(*state_->optimizer, lr);

  models::ClipImpl& m = *state_->model;
  at::Tensor image = m.EncodeImage(images);  // [B, E]
  at::Tensor text = m.EncodeText(tokens);    // [B, E]
  image = image / image.norm(2, -1, true);
  text = text / text.norm(2, -1, true);
  const at::Tensor logits = m.logit_scale.exp() * at::mm(image, text.t());  // [B, B]
  const at::Tensor loss_image = -(targets * at::log_softmax(logits, 1)).sum(1).mean();
  const at::Tensor loss_text = -(targets * at::log_softmax(logits.t(), 1)).sum(1).mean();
  const at::Tensor loss = (loss_image + loss_text) / 2;

  state_->optimizer->zero_grad();
  loss.backward();
  state_->optimizer->step();
  {
    torch::NoGradGuard no_grad;
    m.logit_scale.clamp_(0.0, kMaxLogitScale);
  }
  ++steps_done_;
  ClipStepStats stats;
  stats.step = steps_done_;
  stats.loss = loss.item<double>();
  stats.logit_scale = std::exp(m.logit_scale.item<double>());
  stats.lr = lr;
  return stats;
}

std::map<std::string, at::Tensor> ClipTrainer::StateTensors(bool half) const {
  // The ResNet's batch-norm running statistics are buffers; the ViT has none.
  return ParameterAndBufferTensors(*state_->model, half);
}

Status ClipTrainer::Save(const std::string& path) const {
  const ClipTrainOptions& o = options_;
  const std::map<std::string, std::string> metadata = {
      {"model", "clip"},
      {"trained_by", "clipglass train clip"},
      {"world", "clipglass demo world, train split"},
      {"steps", std::to_string(steps_done_)},
      {"batch", std::to_string(o.batch)},
      {"lr", fmt::format("{}", o.lr)},
      {"contrast_groups", std::to_string(o.contrast_groups)},
      {"blur", fmt::format("{}", o.augment.blur)},
      {"noise_std", fmt::format("{}", o.augment.noise_std)},
      {"seed", std::to_string(o.seed)},
      {"data_seed", std::to_string(o.data_seed)},
  };
  return weights::SaveSafetensors(path, StateTensors(o.half), metadata);
}

Status TrainClip(const ClipTrainOptions& options, const std::string& out_dir, std::FILE* log) {
  CG_RETURN_IF_ERROR(ValidateClipTrainOptions(options));
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !std::filesystem::is_directory(out_dir)) {
    return InvalidArgumentError(fmt::format("{}: cannot create the output folder: {}", out_dir,
                                            ec ? ec.message() : "not a directory"));
  }
  const std::string path = (std::filesystem::path(out_dir) / kClipWeightsFile).string();
  const int threads = models::ConfigureTorchThreads(options.threads);
  CG_ASSIGN_OR_RETURN(std::shared_ptr<const tokenizers::ClipTokenizer> tokenizer,
                      tokenizers::ClipTokenizer::LoadDefault());
  try {
    ClipTrainer trainer(options, tokenizer);
    std::fprintf(log, "clip: %s\nclip: %lld steps x %lld pairs, lr %g, seed %llu, %d thread(s)\n",
                 ClipTrainConfig(options).ToString().c_str(), static_cast<long long>(options.steps),
                 static_cast<long long>(options.batch), options.lr,
                 static_cast<unsigned long long>(options.seed), threads);
    std::fflush(log);
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    Clock::time_point window_start = start;
    double window_loss = 0;
    int64_t window_steps = 0;
    for (int64_t s = 0; s < options.steps; ++s) {
      CG_ASSIGN_OR_RETURN(const ClipStepStats stats, trainer.Step());
      window_loss += stats.loss;
      ++window_steps;
      if (options.log_every > 0 &&
          (stats.step % options.log_every == 0 || stats.step == options.steps)) {
        const Clock::time_point now = Clock::now();
        const double seconds = std::chrono::duration<double>(now - window_start).count();
        std::fprintf(log, "clip: step %lld/%lld loss %.4f scale %.1f lr %.2e %.0f ex/s\n",
                     static_cast<long long>(stats.step), static_cast<long long>(options.steps),
                     window_loss / window_steps, stats.logit_scale, stats.lr,
                     window_steps * options.batch / std::max(seconds, 1e-9));
        std::fflush(log);
        window_start = now;
        window_loss = 0;
        window_steps = 0;
      }
    }
    const double train_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    CG_RETURN_IF_ERROR(trainer.Save(path));

    // The float32 weights still in memory, for comparison with the stored (F16) file.
    weights::StateDict in_memory;
    in_memory.source = "clip training (float32, in memory)";
    in_memory.tensors = trainer.StateTensors(/*half=*/false);
    CG_ASSIGN_OR_RETURN(const std::unique_ptr<models::ClipModel> exact,
                        models::ClipModel::FromStateDict(in_memory));
    CG_ASSIGN_OR_RETURN(const ZeroShotAccuracy held_out_f32,
                        MeasureZeroShot(*exact, *tokenizer, world::Split::kHeldOut, kClipEvalSeed,
                                        options.eval_images));

    // Measured on the written file, through the loader the evaluator uses.
    CG_ASSIGN_OR_RETURN(const std::unique_ptr<models::ClipModel> reloaded,
                        models::ClipModel::Load(path));
    CG_ASSIGN_OR_RETURN(const ZeroShotAccuracy held_out,
                        MeasureZeroShot(*reloaded, *tokenizer, world::Split::kHeldOut,
                                        kClipEvalSeed, options.eval_images));
    CG_ASSIGN_OR_RETURN(const ZeroShotAccuracy trained,
                        MeasureZeroShot(*reloaded, *tokenizer, world::Split::kTrain, kClipEvalSeed,
                                        options.eval_images));
    std::fprintf(log, "clip: wrote %s (%s) after %.1f s of training\n", path.c_str(),
                 options.half ? "F16" : "F32", train_seconds);
    std::fprintf(log, "clip: zero-shot, held-out renders: %s\n", FormatZeroShot(held_out).c_str());
    std::fprintf(log, "clip: zero-shot, training renders: %s\n", FormatZeroShot(trained).c_str());
    std::fprintf(log, "clip: zero-shot, held-out renders, float32 before storing: %s\n",
                 FormatZeroShot(held_out_f32).c_str());
    std::fflush(log);
    return Status::Ok();
  } catch (const c10::Error& e) {
    return InternalError(fmt::format("clip training: {}", e.what_without_backtrace()));
  }
}

}  // namespace clipglass::train
