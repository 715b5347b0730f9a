// Ref: Radford et al. 2019 (GPT-2), sec. 2.3 (initialisation scaled by 1/sqrt(N) on the residual
// projections); galatolofederico/clip-glass models.py GPT2.generate / parse_out (the captioner's
// sequence layout the training text imitates).
#include "train/gpt2_trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <set>
#include <string_view>
#include <utility>

#include "train/training_common.h"
#include "worker/models/gpt2_caption.h"
#include "worker/models/gpt2_modules.h"
#include "worker/models/torch_runtime.h"
#include "worker/tokenizers/gpt2_tokenizer.h"
#include "worker/weights/state_dict.h"
#include "world/captions.h"

namespace clipglass::train {
namespace {

constexpr int64_t kVocabSize = 50257;
constexpr int64_t kEndOfText = 50256;
constexpr std::string_view kContextText = "the picture of";
constexpr int kHintSlots = 4;  // genome tail: size, colour, shape, background words

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t MixSeed(uint64_t seed, world::Split split, uint64_t index) {
  return SplitMix64(SplitMix64(seed * 2 + (split == world::Split::kHeldOut ? 1 : 0)) ^ index);
}

StatusOr<std::vector<int64_t>> EncodeIds(const tokenizers::Gpt2Tokenizer& tokenizer,
                                         std::string_view text) {
  CG_ASSIGN_OR_RETURN(const std::vector<int32_t> ids, tokenizer.Encode(text));
  return std::vector<int64_t>(ids.begin(), ids.end());
}

// Batch of sequences as tensors: ids [B, T] (padded with <|endoftext|>), the flat positions
// b * T + t whose next token is predicted, and those next tokens.
struct LmBatch {
  at::Tensor ids;
  at::Tensor positions;
  at::Tensor targets;
};

LmBatch ToBatch(const std::vector<const LmSequence*>& sequences) {
  size_t longest = 0;
  for (const LmSequence* s : sequences) longest = std::max(longest, s->ids.size());
  const auto b = static_cast<int64_t>(sequences.size());
  const auto t = static_cast<int64_t>(longest);
  LmBatch batch;
  batch.ids = at::full({b, t}, kEndOfText, at::kLong);  // [B, T]
  int64_t* data = batch.ids.data_ptr<int64_t>();
  std::vector<int64_t> positions;
  std::vector<int64_t> targets;
  for (int64_t r = 0; r < b; ++r) {
    const LmSequence& s = *sequences[r];
    std::copy(s.ids.begin(), s.ids.end(), data + r * t);
    for (size_t i = 0; i + 1 < s.ids.size(); ++i) {
      if (!s.predict_next[i]) continue;
      positions.push_back(r * t + static_cast<int64_t>(i));
      targets.push_back(s.ids[i + 1]);
    }
  }
  batch.positions = at::tensor(positions, at::kLong);
  batch.targets = at::tensor(targets, at::kLong);
  return batch;
}

}  // namespace

Status ValidateGpt2TrainOptions(const Gpt2TrainOptions& o) {
  auto bad = [](const std::string& field, const std::string& why) {
    return InvalidArgumentError("gpt2 training: " + field + " " + why);
  };
  if (o.n_layer <= 0) return bad("n_layer", "must be positive");
  if (o.n_embd <= 0 || o.n_head <= 0 || o.n_embd % o.n_head != 0) {
    return bad("n_embd/n_head", fmt::format("must be positive with n_embd divisible by n_head, "
                                            "got {} / {}",
                                            o.n_embd, o.n_head));
  }
  if (o.genome_length < 0) return bad("genome_length", "must be >= 0");
  // The captioner reads genome + context (3 ids) + 30 generated ids.
  if (o.n_positions < o.genome_length + 3 + 30) {
    return bad("n_positions",
               fmt::format("must hold genome + context + 30 generated tokens ({}), got {}",
                           o.genome_length + 33, o.n_positions));
  }
  if (o.captioner_fraction < 0 || o.captioner_fraction > 1) {
    return bad("captioner_fraction", "must be in [0, 1]");
  }
  if (o.hint_fraction < 0 || o.hint_fraction > 1) return bad("hint_fraction", "must be in [0, 1]");
  if (o.steps < 0) return bad("steps", fmt::format("must be >= 0, got {}", o.steps));
  if (o.batch < 1) return bad("batch", fmt::format("must be >= 1, got {}", o.batch));
  if (!(o.lr > 0)) return bad("lr", fmt::format("must be positive, got {}", o.lr));
  if (o.weight_decay < 0) return bad("weight_decay", "must be >= 0");
  if (o.warmup_steps < 1) return bad("warmup_steps", "must be >= 1");
  if (o.threads < 0) return bad("threads", fmt::format("must be >= 0, got {}", o.threads));
  if (o.eval_examples < 0 || o.samples < 0) return bad("eval_examples/samples", "must be >= 0");
  return Status::Ok();
}

models::Gpt2Config Gpt2TrainConfig(const Gpt2TrainOptions& o) {
  models::Gpt2Config c;
  c.vocab_size = kVocabSize;
  c.n_positions = o.n_positions;
  c.n_embd = o.n_embd;
  c.n_inner = 4 * o.n_embd;
  c.n_layer = o.n_layer;
  c.n_head = o.n_head;
  return c;
}

StatusOr<Gpt2TextMaker> Gpt2TextMaker::Create(
    std::shared_ptr<const tokenizers::Gpt2Tokenizer> tokenizer, const Gpt2TrainOptions& options) {
  Gpt2TextMaker maker;
  maker.tokenizer_ = std::move(tokenizer);
  maker.options_ = options;
  CG_ASSIGN_OR_RETURN(maker.context_ids_, EncodeIds(*maker.tokenizer_, kContextText));
  return maker;
}

StatusOr<LmSequence> Gpt2TextMaker::Plain(const std::string& caption) const {
  LmSequence s;
  CG_ASSIGN_OR_RETURN(s.ids, EncodeIds(*tokenizer_, caption));
  s.ids.push_back(kEndOfText);
  s.predict_next.assign(s.ids.size(), true);
  s.predict_next.back() = false;
  return s;
}

StatusOr<LmSequence> Gpt2TextMaker::Captioner(const std::vector<int64_t>& genome,
                                              const world::Attributes& attributes) const {
  const std::string full = world::Caption(attributes, 1);
  if (!full.starts_with(kContextText)) {
    return InternalError("gpt2 training: caption template 1 does not start with '" +
                         std::string(kContextText) + "': " + full);
  }
  CG_ASSIGN_OR_RETURN(const std::vector<int64_t> rest,
                      EncodeIds(*tokenizer_, std::string_view(full).substr(kContextText.size())));
  LmSequence s;
  s.ids = genome;
  s.ids.insert(s.ids.end(), context_ids_.begin(), context_ids_.end());
  const size_t last_context = s.ids.size() - 1;
  s.ids.insert(s.ids.end(), rest.begin(), rest.end());
  s.ids.push_back(kEndOfText);
  s.predict_next.assign(s.ids.size(), false);
  for (size_t i = last_context; i + 1 < s.ids.size(); ++i) s.predict_next[i] = true;
  return s;
}

StatusOr<std::vector<int64_t>> Gpt2TextMaker::Genome(uint64_t rng_seed,
                                                     const world::Attributes& attributes,
                                                     double slot_probability) const {
  std::mt19937_64 rng(rng_seed);
  std::uniform_int_distribution<int64_t> id(0, kEndOfText - 1);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<int64_t> genome(options_.genome_length);
  for (int64_t& g : genome) g = id(rng);
  if (options_.genome_length < kHintSlots) return genome;
  // The last kHintSlots ids: size, colour, shape, background, each the attribute's word
  // (" large", " red", " circle", " blue") with probability `slot_probability`.
  const std::string_view words[kHintSlots] = {
      world::SizeName(attributes.size), world::ColourName(attributes.colour),
      world::ShapeName(attributes.shape), world::ColourName(attributes.background)};
  for (int slot = 0; slot < kHintSlots; ++slot) {
    if (unit(rng) >= slot_probability) continue;
    CG_ASSIGN_OR_RETURN(const std::vector<int64_t> word,
                        EncodeIds(*tokenizer_, " " + std::string(words[slot])));
    genome[options_.genome_length - kHintSlots + slot] = word.front();
  }
  return genome;
}

StatusOr<LmSequence> Gpt2TextMaker::Make(world::Split split, uint64_t seed, uint64_t index) const {
  const world::Example example = world::SampleExample(split, seed, index);
  std::mt19937_64 rng(MixSeed(seed, split, index));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const bool captioner = unit(rng) < options_.captioner_fraction;
  const uint64_t genome_seed = rng();
  if (!captioner) return Plain(example.caption);
  CG_ASSIGN_OR_RETURN(const std::vector<int64_t> genome,
                      Genome(genome_seed, example.scene.attributes, options_.hint_fraction));
  return Captioner(genome, example.scene.attributes);
}

struct Gpt2Trainer::State {
  models::gpt2::Transformer model{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
};

Gpt2Trainer::Gpt2Trainer(const Gpt2TrainOptions& options, std::unique_ptr<Gpt2TextMaker> text)
    : options_(options), text_(std::move(text)), state_(std::make_unique<State>()) {}

StatusOr<std::unique_ptr<Gpt2Trainer>> Gpt2Trainer::Create(
    const Gpt2TrainOptions& options, std::shared_ptr<const tokenizers::Gpt2Tokenizer> tokenizer) {
  CG_RETURN_IF_ERROR(ValidateGpt2TrainOptions(options));
  CG_ASSIGN_OR_RETURN(Gpt2TextMaker text, Gpt2TextMaker::Create(std::move(tokenizer), options));
  std::unique_ptr<Gpt2Trainer> trainer(
      new Gpt2Trainer(options, std::make_unique<Gpt2TextMaker>(std::move(text))));
  try {
    const models::Gpt2Config config = Gpt2TrainConfig(options);
    trainer->state_->model = models::gpt2::Transformer(config);
    models::gpt2::TransformerImpl& m = *trainer->state_->model;
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(options.seed);
    const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config.n_layer));
    std::vector<at::Tensor> decay;
    std::vector<at::Tensor> no_decay;
    {
      torch::NoGradGuard no_grad;
      for (auto& item : m.named_parameters()) {
        at::Tensor p = item.value();
        const std::string& name = item.key();
        if (p.dim() >= 2) {
          const bool residual = name.ends_with("c_proj.weight");
          p.normal_(0.0, residual ? residual_std : 0.02, gen);
          decay.push_back(p);
        } else {
          if (name.find("ln_") != std::string::npos && name.ends_with(".weight")) {
            p.fill_(1.0);
          } else {
            p.zero_();
          }
          no_decay.push_back(p);
        }
      }
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(options.lr)
                                       .betas({0.9, 0.95})
                                       .weight_decay(options.weight_decay)));
    groups.emplace_back(
        no_decay, std::make_unique<torch::optim::AdamWOptions>(
                      torch::optim::AdamWOptions(options.lr).betas({0.9, 0.95}).weight_decay(0.0)));
    trainer->state_->optimizer = std::make_unique<torch::optim::AdamW>(std::move(groups));
    m.train();
  } catch (const c10::Error& e) {
    return InternalError(
        fmt::format("gpt2 training: building the model: {}", e.what_without_backtrace()));
  }
  return trainer;
}

Gpt2Trainer::~Gpt2Trainer() = default;

models::gpt2::TransformerImpl& Gpt2Trainer::model() { return *state_->model; }

StatusOr<Gpt2StepStats> Gpt2Trainer::Step() {
  std::vector<LmSequence> sequences;
  sequences.reserve(options_.batch);
  for (int64_t i = 0; i < options_.batch; ++i) {
    CG_ASSIGN_OR_RETURN(LmSequence s,
                        text_->Make(world::Split::kTrain, options_.data_seed,
                                    static_cast<uint64_t>(steps_done_ * options_.batch + i)));
    sequences.push_back(std::move(s));
  }
  std::vector<const LmSequence*> pointers;
  for (const LmSequence& s : sequences) pointers.push_back(&s);
  const LmBatch batch = ToBatch(pointers);

  const double lr = WarmupCosineLr(options_.lr, options_.warmup_steps, options_.steps, steps_done_);
  SetLearningRate(*state_->optimizer, lr);
  models::gpt2::TransformerImpl& m = *state_->model;
  const models::Gpt2Config& config = m.config;
  // The cache holds this pass's keys and values; autograd follows them through it.
  models::gpt2::KvCache cache =
      models::gpt2::KvCache::Allocate(config, batch.ids.size(0), batch.ids.size(1), at::kFloat);
  const at::Tensor hidden = m.forward(batch.ids, cache);  // [B, T, C]
  const at::Tensor picked =
      hidden.reshape({-1, config.n_embd}).index_select(0, batch.positions);  // [N, C]
  const at::Tensor logits = m.Logits(picked);                                // [N, V]
  const at::Tensor loss = at::cross_entropy_loss(logits, batch.targets);
  state_->optimizer->zero_grad();
  loss.backward();
  state_->optimizer->step();
  ++steps_done_;
  Gpt2StepStats stats;
  stats.step = steps_done_;
  stats.loss = loss.item<double>();
  stats.tokens = batch.targets.size(0);
  stats.lr = lr;
  return stats;
}

std::map<std::string, at::Tensor> Gpt2Trainer::StateTensors(bool half) const {
  return ParameterTensors(*state_->model, half);
}

Status Gpt2Trainer::Save(const std::string& path) const {
  const Gpt2TrainOptions& o = options_;
  const std::map<std::string, std::string> metadata = {
      {"model", "gpt2"},
      {"n_head", std::to_string(o.n_head)},
      {"trained_by", "clipglass train gpt2"},
      {"world", "clipglass demo world, train split captions"},
      {"steps", std::to_string(steps_done_)},
      {"batch", std::to_string(o.batch)},
      {"lr", fmt::format("{}", o.lr)},
      {"seed", std::to_string(o.seed)},
      {"data_seed", std::to_string(o.data_seed)},
  };
  return weights::SaveSafetensors(path, StateTensors(o.half), metadata);
}

StatusOr<double> MeanTokenLoss(const models::Gpt2& gpt2, const std::vector<LmSequence>& sequences) {
  double total = 0;
  int64_t tokens = 0;
  for (const LmSequence& s : sequences) {
    const LmBatch batch = ToBatch({&s});
    if (batch.targets.size(0) == 0) continue;
    CG_ASSIGN_OR_RETURN(const models::Gpt2Output out, gpt2.Forward(batch.ids));
    const at::Tensor picked = out.hidden_states.reshape({-1, out.hidden_states.size(-1)})
                                  .index_select(0, batch.positions);  // [N, C]
    CG_ASSIGN_OR_RETURN(const at::Tensor logits, gpt2.Logits(picked));
    total += at::cross_entropy_loss(logits, batch.targets, {}, at::Reduction::Sum).item<double>();
    tokens += batch.targets.size(0);
  }
  if (tokens == 0) return InvalidArgumentError("gpt2: no tokens to measure");
  return total / static_cast<double>(tokens);
}

StatusOr<CaptionSample> SampleCaptions(const models::Gpt2& gpt2,
                                       const tokenizers::Gpt2Tokenizer& tokenizer,
                                       const Gpt2TextMaker& text, int64_t count, uint64_t seed) {
  CaptionSample sample;
  if (count <= 0) return sample;
  const models::CaptionRules rules;
  CG_ASSIGN_OR_RETURN(const std::vector<int64_t> context, EncodeIds(tokenizer, rules.context_text));
  // Rows [0, count): random genomes; [count, 2 count): genomes hinted with held-out attributes.
  std::vector<world::Attributes> hinted;
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < 2 * count; ++i) {
    const bool hint = i >= count;
    const world::Attributes attributes =
        world::SampleExample(world::Split::kHeldOut, seed, static_cast<uint64_t>(i))
            .scene.attributes;
    if (hint) hinted.push_back(attributes);
    CG_ASSIGN_OR_RETURN(
        const std::vector<int64_t> genome,
        text.Genome(MixSeed(seed, world::Split::kHeldOut, i), attributes, hint ? 1.0 : 0.0));
    ids.insert(ids.end(), genome.begin(), genome.end());
    ids.insert(ids.end(), context.begin(), context.end());
  }
  const int64_t row_length = static_cast<int64_t>(ids.size()) / (2 * count);
  models::Gpt2GenerateOptions generate;
  generate.new_tokens = rules.new_tokens;
  CG_ASSIGN_OR_RETURN(
      const at::Tensor generated,
      gpt2.Generate(at::tensor(ids, at::kLong).view({2 * count, row_length}), generate));
  const at::Tensor rows = generated.contiguous();
  int64_t parsed = 0;
  int64_t matched = 0;
  std::set<std::string> distinct;
  for (int64_t i = 0; i < 2 * count; ++i) {
    const int64_t* row = rows[i].data_ptr<int64_t>();
    const std::vector<int64_t> caption_ids =
        models::CaptionIds(std::span<const int64_t>(row, rows.size(1)), rules);
    const std::vector<int32_t> caption32(caption_ids.begin(), caption_ids.end());
    CG_ASSIGN_OR_RETURN(const std::string decoded, tokenizer.Decode(caption32));
    const std::string caption = models::KeepCodePoints(decoded, rules.max_chars);
    const world::ParsedCaption p = world::ParseCaption(caption);
    if (i < count) {
      sample.captions.push_back(caption);
      distinct.insert(caption);
      parsed += p.shape && p.colour && p.background && p.size;
    } else {
      matched += p.Matches(hinted[i - count]);
    }
  }
  sample.parsed_fraction = static_cast<double>(parsed) / static_cast<double>(count);
  sample.hint_match_fraction = static_cast<double>(matched) / static_cast<double>(count);
  sample.distinct = static_cast<int64_t>(distinct.size());
  return sample;
}

Status TrainGpt2(const Gpt2TrainOptions& options, const std::string& out_dir, std::FILE* log) {
  CG_RETURN_IF_ERROR(ValidateGpt2TrainOptions(options));
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !std::filesystem::is_directory(out_dir)) {
    return InvalidArgumentError(fmt::format("{}: cannot create the output folder: {}", out_dir,
                                            ec ? ec.message() : "not a directory"));
  }
  const std::string path = (std::filesystem::path(out_dir) / kGpt2WeightsFile).string();
  const int threads = models::ConfigureTorchThreads(options.threads);
  CG_ASSIGN_OR_RETURN(std::shared_ptr<const tokenizers::Gpt2Tokenizer> tokenizer,
                      tokenizers::Gpt2Tokenizer::LoadDefault());
  try {
    CG_ASSIGN_OR_RETURN(std::unique_ptr<Gpt2Trainer> trainer,
                        Gpt2Trainer::Create(options, tokenizer));
    const models::Gpt2Config config = Gpt2TrainConfig(options);
    std::fprintf(log,
                 "gpt2: %lld layers, width %lld, %lld heads, %lld positions, vocab %lld\n"
                 "gpt2: %lld steps x %lld sequences, lr %g, seed %llu, %d thread(s)\n",
                 static_cast<long long>(config.n_layer), static_cast<long long>(config.n_embd),
                 static_cast<long long>(config.n_head), static_cast<long long>(config.n_positions),
                 static_cast<long long>(config.vocab_size), static_cast<long long>(options.steps),
                 static_cast<long long>(options.batch), options.lr,
                 static_cast<unsigned long long>(options.seed), threads);
    std::fflush(log);
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    Clock::time_point window_start = start;
    double window_loss = 0;
    int64_t window_steps = 0;
    for (int64_t s = 0; s < options.steps; ++s) {
      CG_ASSIGN_OR_RETURN(const Gpt2StepStats stats, trainer->Step());
      window_loss += stats.loss;
      ++window_steps;
      if (options.log_every > 0 &&
          (stats.step % options.log_every == 0 || stats.step == options.steps)) {
        const Clock::time_point now = Clock::now();
        const double seconds = std::chrono::duration<double>(now - window_start).count();
        std::fprintf(log, "gpt2: step %lld/%lld loss %.4f lr %.2e %.0f seq/s\n",
                     static_cast<long long>(stats.step), static_cast<long long>(options.steps),
                     window_loss / window_steps, stats.lr,
                     window_steps * options.batch / std::max(seconds, 1e-9));
        std::fflush(log);
        window_start = now;
        window_loss = 0;
        window_steps = 0;
      }
    }
    const double train_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    CG_RETURN_IF_ERROR(trainer->Save(path));
    std::fprintf(log, "gpt2: wrote %s (%s) after %.1f s of training\n", path.c_str(),
                 options.half ? "F16" : "F32", train_seconds);

    // Measured on the written file, through the loader the evaluator uses.
    CG_ASSIGN_OR_RETURN(const std::unique_ptr<models::Gpt2> reloaded, models::Gpt2::Load(path));
    const Gpt2TextMaker& text = trainer->text();
    std::vector<LmSequence> plain;
    std::vector<LmSequence> captioner;
    for (int64_t i = 0; i < options.eval_examples; ++i) {
      const world::Example example =
          world::SampleExample(world::Split::kHeldOut, kGpt2EvalSeed, static_cast<uint64_t>(i));
      CG_ASSIGN_OR_RETURN(LmSequence p, text.Plain(example.caption));
      plain.push_back(std::move(p));
      CG_ASSIGN_OR_RETURN(const std::vector<int64_t> genome,
                          text.Genome(MixSeed(kGpt2EvalSeed, world::Split::kHeldOut, i),
                                      example.scene.attributes, /*slot_probability=*/0.0));
      CG_ASSIGN_OR_RETURN(LmSequence c, text.Captioner(genome, example.scene.attributes));
      captioner.push_back(std::move(c));
    }
    if (options.eval_examples > 0) {
      CG_ASSIGN_OR_RETURN(const double plain_loss, MeanTokenLoss(*reloaded, plain));
      CG_ASSIGN_OR_RETURN(const double captioner_loss, MeanTokenLoss(*reloaded, captioner));
      std::fprintf(log,
                   "gpt2: held-out perplexity %.3f (captions of every template), %.3f (after a "
                   "random genome + 'the picture of'), n=%lld each\n",
                   std::exp(plain_loss), std::exp(captioner_loss),
                   static_cast<long long>(options.eval_examples));
      // The float32 weights still in memory, for comparison with the stored (F16) file.
      weights::StateDict in_memory;
      in_memory.source = "gpt2 training (float32, in memory)";
      in_memory.tensors = trainer->StateTensors(/*half=*/false);
      models::Gpt2Options exact_options;
      exact_options.n_head = options.n_head;
      CG_ASSIGN_OR_RETURN(const std::unique_ptr<models::Gpt2> exact,
                          models::Gpt2::FromStateDict(in_memory, exact_options));
      CG_ASSIGN_OR_RETURN(const double plain_f32, MeanTokenLoss(*exact, plain));
      CG_ASSIGN_OR_RETURN(const double captioner_f32, MeanTokenLoss(*exact, captioner));
      std::fprintf(log, "gpt2: the same, float32 before storing: %.3f, %.3f\n", std::exp(plain_f32),
                   std::exp(captioner_f32));
    }
    if (options.samples > 0) {
      CG_ASSIGN_OR_RETURN(
          const CaptionSample sample,
          SampleCaptions(*reloaded, *tokenizer, text, options.samples, kGpt2EvalSeed + 1));
      std::fprintf(log,
                   "gpt2: captions of %lld random genomes: %.3f parse completely, %lld distinct; "
                   "genomes hinted with held-out attributes: %.3f captions match the hint\n",
                   static_cast<long long>(options.samples), sample.parsed_fraction,
                   static_cast<long long>(sample.distinct), sample.hint_match_fraction);
      for (size_t i = 0; i < std::min<size_t>(8, sample.captions.size()); ++i) {
        std::fprintf(log, "gpt2:   \"%s\"\n", sample.captions[i].c_str());
      }
    }
    std::fflush(log);
    return Status::Ok();
  } catch (const c10::Error& e) {
    return InternalError(fmt::format("gpt2 training: {}", e.what_without_backtrace()));
  }
}

}  // namespace clipglass::train
