#include "train/referee.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "train/training_common.h"
#include "train/world_batches.h"
#include "worker/models/torch_runtime.h"
#include "worker/weights/state_dict.h"
#include "world/render.h"

namespace clipglass::train {
namespace {

constexpr int kHidden = 128;
constexpr char kModelName[] = "clipglass-referee";

// Ref: none (the project's own design). x: [B, 3, side, side] in [0, 1]; side divisible by 8.
struct RefereeNetImpl : torch::nn::Module {
  explicit RefereeNetImpl(int side) {
    auto conv = [](int in, int out) {
      return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
    };
    conv1 = register_module("conv1", conv(3, 32));
    conv2 = register_module("conv2", conv(32, 32));
    conv3 = register_module("conv3", conv(32, 64));
    conv4 = register_module("conv4", conv(64, 64));
    conv5 = register_module("conv5", conv(64, 64));
    const int cells = (side / 8) * (side / 8);
    fc = register_module("fc", torch::nn::Linear(64 * cells, kHidden));
    head_shape = register_module("head_shape", torch::nn::Linear(kHidden, world::kNumShapes));
    head_colour = register_module("head_colour", torch::nn::Linear(kHidden, world::kNumColours));
    head_background =
        register_module("head_background", torch::nn::Linear(kHidden, world::kNumColours));
    head_size = register_module("head_size", torch::nn::Linear(kHidden, world::kNumSizes));
  }

  std::array<torch::Tensor, 4> forward(torch::Tensor x) {
    // Centre the pixels so that black and white are symmetric for the first layer.
    x = x * 2.0 - 1.0;
    x = torch::relu(conv1->forward(x));
    x = torch::relu(conv2->forward(x));
    x = torch::max_pool2d(x, 2);  // [B, 32, side/2, side/2]
    x = torch::relu(conv3->forward(x));
    x = torch::relu(conv4->forward(x));
    x = torch::max_pool2d(x, 2);  // [B, 64, side/4, side/4]
    x = torch::relu(conv5->forward(x));
    x = torch::max_pool2d(x, 2);                 // [B, 64, side/8, side/8]
    x = torch::relu(fc->forward(x.flatten(1)));  // [B, kHidden]
    return {head_shape->forward(x), head_colour->forward(x), head_background->forward(x),
            head_size->forward(x)};
  }

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv4{nullptr}, conv5{nullptr};
  torch::nn::Linear fc{nullptr}, head_shape{nullptr}, head_colour{nullptr},
      head_background{nullptr}, head_size{nullptr};
};
TORCH_MODULE(RefereeNet);

// Images resized to side x side: area averaging when shrinking, bilinear when enlarging.
torch::Tensor Resize(const torch::Tensor& images, int side) {
  if (images.size(2) == side && images.size(3) == side) return images;
  if (images.size(2) > side) return torch::adaptive_avg_pool2d(images, {side, side});
  return torch::nn::functional::interpolate(images, torch::nn::functional::InterpolateFuncOptions()
                                                        .size(std::vector<int64_t>{side, side})
                                                        .mode(torch::kBilinear)
                                                        .align_corners(false));
}

// Class-index targets of a batch: [B] int64 per head.
std::array<torch::Tensor, 4> Targets(const std::vector<world::Attributes>& attributes) {
  const int64_t count = static_cast<int64_t>(attributes.size());
  std::array<torch::Tensor, 4> out;
  for (torch::Tensor& t : out) t = torch::empty({count}, torch::kInt64);
  for (int64_t i = 0; i < count; ++i) {
    const world::Attributes& a = attributes[i];
    out[0][i] = static_cast<int64_t>(a.shape);
    out[1][i] = static_cast<int64_t>(a.colour);
    out[2][i] = static_cast<int64_t>(a.background);
    out[3][i] = static_cast<int64_t>(a.size);
  }
  return out;
}

std::string Fixed(double value, int digits) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.*f", digits, value);
  return buffer;
}

}  // namespace

struct Referee::Impl {
  explicit Impl(int side) : net(side) {}
  RefereeNet net;
};

float RefereeJudgement::MinConfidence() const {
  return *std::min_element(confidence.begin(), confidence.end());
}

Referee::Referee(int side, std::unique_ptr<Impl> impl) : side_(side), impl_(std::move(impl)) {}
Referee::~Referee() = default;

std::unique_ptr<Referee> Referee::Create(int side, uint64_t seed) {
  torch::manual_seed(seed);
  auto impl = std::make_unique<Impl>(side);
  impl->net->eval();
  return std::unique_ptr<Referee>(new Referee(side, std::move(impl)));
}

StatusOr<std::unique_ptr<Referee>> Referee::Load(const std::string& path) {
  CG_ASSIGN_OR_RETURN(weights::StateDict dict, weights::LoadStateDict(path));
  auto model = dict.metadata.find("model");
  if (model == dict.metadata.end() || model->second != kModelName) {
    return InvalidArgumentError(path + ": __metadata__ model is not \"" + kModelName +
                                "\" (not a referee file)");
  }
  auto side_text = dict.metadata.find("side");
  int side = 0;
  if (side_text != dict.metadata.end()) side = std::atoi(side_text->second.c_str());
  if (side < 8 || side % 8 != 0) {
    return InvalidArgumentError(path + ": __metadata__ side must be a multiple of 8, >= 8");
  }
  auto impl = std::make_unique<Impl>(side);
  CG_RETURN_IF_ERROR(weights::LoadIntoModule(*impl->net, dict));
  impl->net->eval();
  return std::unique_ptr<Referee>(new Referee(side, std::move(impl)));
}

Status Referee::Save(const std::string& path, bool half,
                     const std::map<std::string, std::string>& metadata) const {
  const std::map<std::string, at::Tensor> tensors = ParameterTensors(*impl_->net, half);
  std::map<std::string, std::string> all = metadata;
  all["model"] = kModelName;
  all["side"] = std::to_string(side_);
  return weights::SaveSafetensors(path, tensors, all);
}

std::array<torch::Tensor, 4> Referee::Logits(const torch::Tensor& images) const {
  return impl_->net->forward(Resize(images, side_));
}

std::vector<RefereeJudgement> Referee::Judge(const torch::Tensor& images) const {
  torch::NoGradGuard no_grad;
  std::array<torch::Tensor, 4> logits = Logits(images.to(torch::kFloat32));
  std::array<torch::Tensor, 4> best, index;
  for (int h = 0; h < 4; ++h) {
    auto [value, arg] = torch::softmax(logits[h], 1).max(1);
    best[h] = value.contiguous();
    index[h] = arg.contiguous();
  }
  std::vector<RefereeJudgement> out(static_cast<size_t>(images.size(0)));
  for (size_t i = 0; i < out.size(); ++i) {
    RefereeJudgement& j = out[i];
    const int64_t b = static_cast<int64_t>(i);
    j.attributes.shape = static_cast<world::Shape>(index[0][b].item<int64_t>());
    j.attributes.colour = static_cast<world::Colour>(index[1][b].item<int64_t>());
    j.attributes.background = static_cast<world::Colour>(index[2][b].item<int64_t>());
    j.attributes.size = static_cast<world::Size>(index[3][b].item<int64_t>());
    for (int h = 0; h < 4; ++h) j.confidence[h] = best[h][b].item<float>();
  }
  return out;
}

std::vector<RefereeJudgement> Referee::Judge(const std::vector<RgbImage>& images) const {
  std::vector<RefereeJudgement> out;
  for (const RgbImage& image : images) {
    torch::Tensor bytes = torch::from_blob(const_cast<uint8_t*>(image.rgb.data()),
                                           {1, image.height, image.width, 3}, torch::kUInt8);
    torch::Tensor x = bytes.permute({0, 3, 1, 2}).to(torch::kFloat32).div(255.0f);
    out.push_back(Judge(x)[0]);
  }
  return out;
}

RefereeAccuracy Referee::Measure(world::Split split, uint64_t seed, int count) const {
  RefereeAccuracy accuracy;
  constexpr int kChunk = 128;
  for (int first = 0; first < count; first += kChunk) {
    const int n = std::min(kChunk, count - first);
    WorldBatch batch = MakeWorldBatch(split, seed, first, n, side_);
    std::vector<RefereeJudgement> judged = Judge(batch.images);
    for (int i = 0; i < n; ++i) {
      const world::Attributes& truth = batch.attributes[i];
      const world::Attributes& seen = judged[i].attributes;
      accuracy.shape += seen.shape == truth.shape;
      accuracy.colour += seen.colour == truth.colour;
      accuracy.background += seen.background == truth.background;
      accuracy.size += seen.size == truth.size;
      accuracy.all += seen == truth;
    }
  }
  accuracy.count = count;
  if (count > 0) {
    for (double* v :
         {&accuracy.shape, &accuracy.colour, &accuracy.background, &accuracy.size, &accuracy.all}) {
      *v /= count;
    }
  }
  return accuracy;
}

std::string FormatAccuracy(const RefereeAccuracy& a) {
  return "shape " + Fixed(a.shape, 3) + " colour " + Fixed(a.colour, 3) + " background " +
         Fixed(a.background, 3) + " size " + Fixed(a.size, 3) + " all " + Fixed(a.all, 3) +
         " (n=" + std::to_string(a.count) + ")";
}

Status TrainReferee(const RefereeOptions& options, const std::string& out_path,
                    const std::function<void(const std::string&)>& log) {
  if (options.side < 8 || options.side % 8 != 0) {
    return InvalidArgumentError("--side must be a multiple of 8, >= 8");
  }
  if (options.batch < 2 || options.batch % 2 != 0) {
    return InvalidArgumentError("--batch must be even and >= 2 (half from each split)");
  }
  if (options.steps < 1) return InvalidArgumentError("--steps must be >= 1");
  models::ConfigureTorchThreads(options.threads);
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Referee> referee = Referee::Create(options.side, options.seed);
  RefereeNet& net = referee->impl_->net;
  net->train();
  torch::optim::Adam optimiser(net->parameters(), torch::optim::AdamOptions(options.learning_rate));
  at::Generator noise_rng = at::detail::createCPUGenerator(options.seed ^ 0x9E3779B97F4A7C15ull);
  const int half = options.batch / 2;
  double running_loss = 0;
  double running_correct = 0;
  int64_t running_count = 0;
  for (int64_t step = 0; step < options.steps; ++step) {
    // Fresh examples every step: half from each split, so the referee knows every combination.
    WorldBatch train = MakeWorldBatch(world::Split::kTrain, options.data_seed,
                                      static_cast<uint64_t>(step) * half, half, options.side);
    WorldBatch held = MakeWorldBatch(world::Split::kHeldOut, options.data_seed,
                                     static_cast<uint64_t>(step) * half, half, options.side);
    torch::Tensor images = torch::cat({train.images, held.images}, 0);
    std::vector<world::Attributes> attributes = train.attributes;
    attributes.insert(attributes.end(), held.attributes.begin(), held.attributes.end());
    if (options.noise_std > 0) {
      images = (images +
                options.noise_std * at::randn(images.sizes(), noise_rng, torch::TensorOptions()))
                   .clamp(0.0, 1.0);
    }
    const double progress = static_cast<double>(step) / static_cast<double>(options.steps);
    const double lr =
        options.learning_rate * (0.05 + 0.95 * 0.5 * (1.0 + std::cos(M_PI * progress)));
    for (auto& group : optimiser.param_groups()) {
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    }
    std::array<torch::Tensor, 4> targets = Targets(attributes);
    std::array<torch::Tensor, 4> logits = net->forward(images);
    torch::Tensor loss = torch::zeros({});
    torch::Tensor all_right = torch::ones({images.size(0)}, torch::kBool);
    for (int h = 0; h < 4; ++h) {
      loss = loss + torch::cross_entropy_loss(logits[h], targets[h]);
      all_right = all_right & (logits[h].argmax(1) == targets[h]);
    }
    optimiser.zero_grad();
    loss.backward();
    optimiser.step();
    running_loss += loss.item<double>();
    running_correct += all_right.sum().item<double>();
    running_count += images.size(0);
    if (options.log_every > 0 &&
        ((step + 1) % options.log_every == 0 || step + 1 == options.steps)) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const int64_t steps_in = (step % options.log_every) + 1;
      log("step " + std::to_string(step + 1) + "/" + std::to_string(options.steps) + "  loss " +
          Fixed(running_loss / steps_in, 4) + "  all-four train accuracy " +
          Fixed(running_correct / running_count, 3) + "  lr " + Fixed(lr, 5) + "  " +
          Fixed(seconds, 1) + " s");
      running_loss = 0;
      running_correct = 0;
      running_count = 0;
    }
  }
  net->eval();
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(out_path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::map<std::string, std::string> metadata = {
      {"steps", std::to_string(options.steps)},
      {"batch", std::to_string(options.batch)},
      {"seed", std::to_string(options.seed)},
      {"data_seed", std::to_string(options.data_seed)},
  };
  CG_RETURN_IF_ERROR(referee->Save(out_path, /*half=*/true, metadata));
  // Measure what ships: the F16 file read back.
  CG_ASSIGN_OR_RETURN(std::unique_ptr<Referee> saved, Referee::Load(out_path));
  const RefereeAccuracy held_out =
      saved->Measure(world::Split::kHeldOut, kRefereeEvalSeed, options.eval_count);
  const RefereeAccuracy train_split =
      saved->Measure(world::Split::kTrain, kRefereeEvalSeed, options.eval_count);
  log("held-out renders (seed " + std::to_string(kRefereeEvalSeed) +
      "): " + FormatAccuracy(held_out));
  log("train-split renders (seed " + std::to_string(kRefereeEvalSeed) +
      "): " + FormatAccuracy(train_split));
  metadata["held_out_accuracy"] = FormatAccuracy(held_out);
  metadata["train_split_accuracy"] = FormatAccuracy(train_split);
  CG_RETURN_IF_ERROR(referee->Save(out_path, /*half=*/true, metadata));
  log("wrote " + out_path);
  return Status();
}

}  // namespace clipglass::train
