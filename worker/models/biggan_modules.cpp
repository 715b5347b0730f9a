// Ref: huggingface/pytorch-pretrained-BigGAN pytorch_pretrained_biggan/model.py (1e18aed):
// snconv2d/snlinear, BigGANBatchNorm, GenBlock, SelfAttn, Generator, BigGAN.
#include "worker/models/biggan_modules.h"

#include <ATen/ATen.h>

#include <memory>
#include <string>

namespace clipglass::models::biggan {
namespace {

// torch.nn.utils.spectral_norm in eval mode: sigma = u . (W_mat v) with the stored u and v.
at::Tensor SpectrallyNormalised(const at::Tensor& weight_orig, const at::Tensor& u,
                                const at::Tensor& v) {
  const at::Tensor matrix = weight_orig.reshape({weight_orig.size(0), -1});  // [out, in * k * k]
  const at::Tensor sigma = at::dot(u, at::mv(matrix, v));                    // []
  return weight_orig / sigma;
}

// [B, C] -> [B, C, 1, 1], to broadcast over an image batch.
at::Tensor PerChannel(const at::Tensor& t) { return t.unsqueeze(-1).unsqueeze(-1); }

}  // namespace

SnLinearImpl::SnLinearImpl(int64_t in_features, int64_t out_features, bool has_bias) {
  weight_orig = register_parameter("weight_orig", at::empty({out_features, in_features}),
                                   /*requires_grad=*/false);
  weight_u = register_buffer("weight_u", at::empty({out_features}));
  weight_v = register_buffer("weight_v", at::empty({in_features}));
  if (has_bias) {
    bias = register_parameter("bias", at::zeros({out_features}), /*requires_grad=*/false);
  }
}

void SnLinearImpl::FoldSpectralNorm() {
  if (weight.defined()) return;
  weight = register_buffer("weight", SpectrallyNormalised(weight_orig, weight_u, weight_v));
}

at::Tensor SnLinearImpl::forward(const at::Tensor& x) {
  return at::linear(x, weight, bias);  // [B, out]
}

SnConv2dImpl::SnConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, bool has_bias)
    : padding(kernel / 2) {
  weight_orig = register_parameter("weight_orig",
                                   at::empty({out_channels, in_channels, kernel, kernel}), false);
  weight_u = register_buffer("weight_u", at::empty({out_channels}));
  weight_v = register_buffer("weight_v", at::empty({in_channels * kernel * kernel}));
  if (has_bias) bias = register_parameter("bias", at::zeros({out_channels}), false);
}

void SnConv2dImpl::FoldSpectralNorm() {
  if (weight.defined()) return;
  weight = register_buffer("weight", SpectrallyNormalised(weight_orig, weight_u, weight_v));
}

at::Tensor SnConv2dImpl::forward(const at::Tensor& x) {
  return at::conv2d(x, weight, bias, /*stride=*/{1, 1}, {padding, padding});  // [B, out, H, W]
}

at::Tensor SnConv2dImpl::ForwardFirstChannels(const at::Tensor& x, int64_t channels) {
  // Each output channel only reads its own filter, so the sliced conv equals the sliced output.
  const at::Tensor w = weight.narrow(0, 0, channels);  // [channels, in, k, k]
  const at::Tensor b = bias.defined() ? bias.narrow(0, 0, channels) : at::Tensor();
  return at::conv2d(x, w, b, /*stride=*/{1, 1}, {padding, padding});  // [B, channels, H, W]
}

void SnConv2dImpl::PrepareUpsampledForm() {
  if (weight_up2x.defined()) return;
  // Output phase a (row 2i + a) of conv3x3(up2(x)), with x zero-padded by one (x_p), reads x_p rows
  // (i, i+1) for a = 0 with taps (W0, W1 + W2), and rows (i+1, i+2) for a = 1 with taps
  // (W0 + W1, W2): a 2x2 conv over x_p whose output row i + a is phase a. Same for columns.
  const at::Tensor taps = at::tensor({1.0, 0.0, 0.0, 0.0, 1.0, 1.0,   // a = 0: [2, 3]
                                      1.0, 1.0, 0.0, 0.0, 0.0, 1.0},  // a = 1: [2, 3]
                                     at::TensorOptions().dtype(at::kDouble))
                              .view({2, 2, 3})
                              .to(weight.device());  // [phase, tap, k]
  // K[a, b, o, i, r, s] = sum_u,v taps[a, r, u] W[o, i, u, v] taps[b, s, v], summed in double.
  const at::Tensor combined =
      at::einsum("aru,oiuv,bsv->aboirs", {taps, weight.to(at::kDouble), taps});  // [2,2,O,I,2,2]
  const int64_t out = weight.size(0);
  weight_up2x = register_buffer(
      "weight_up2x",
      combined.reshape({4 * out, weight.size(1), 2, 2}).to(weight.scalar_type()));  // [4O, I, 2, 2]
  if (bias.defined()) bias_up2x = register_buffer("bias_up2x", bias.repeat({4}));   // [4O]
}

at::Tensor SnConv2dImpl::ForwardUpsampled(const at::Tensor& x) {
  const int64_t batch = x.size(0);
  const int64_t height = x.size(2);
  const int64_t width = x.size(3);
  const int64_t out = weight.size(0);
  // y[:, (a, b, o), p, q] for p in [0, H], q in [0, W]; phase (a, b) is y[.., a:a+H, b:b+W].
  const at::Tensor y = at::conv2d(x, weight_up2x, bias_up2x, /*stride=*/{1, 1}, /*padding=*/{1, 1})
                           .view({batch, 2, 2, out, height + 1, width + 1});  // [B,2,2,O,H+1,W+1]
  at::Tensor result = at::empty({batch, out, 2 * height, 2 * width},
                                x.options().memory_format(x.suggest_memory_format()));
  const at::Tensor phases = result.view({batch, out, height, 2, width, 2});  // [B,O,H,a,W,b]
  for (int64_t a = 0; a < 2; ++a) {
    for (int64_t b = 0; b < 2; ++b) {
      phases.select(5, b).select(3, a).copy_(
          y.select(2, b).select(1, a).narrow(2, a, height).narrow(3, b, width));  // [B,O,H,W]
    }
  }
  return result;  // [B, O, 2H, 2W]
}

Stats SelectStandingStats(const at::Tensor& running_means, const at::Tensor& running_vars,
                          const StandingStatsChoice& choice) {
  const at::Tensor means = running_means.to(at::kFloat);  // [n_stats, C]
  const at::Tensor vars = running_vars.to(at::kFloat);    // [n_stats, C]
  if (!choice.interpolate()) return {means[choice.row], vars[choice.row]};
  // The original's weights: row * coef + next * (1 - coef), each a float32 tensor times a double
  // (rounded to float32 by the kernel, as in Python).
  const double other = 1.0 - choice.coef;
  return {means[choice.row] * choice.coef + means[choice.row + 1] * other,  // [C]
          vars[choice.row] * choice.coef + vars[choice.row + 1] * other};   // [C]
}

ConditionalBatchNormImpl::ConditionalBatchNormImpl(int64_t num_features, int64_t condition_dim,
                                                   int64_t n_stats, double eps_value)
    : eps(eps_value) {
  running_means = register_buffer("running_means", at::zeros({n_stats, num_features}));
  running_vars = register_buffer("running_vars", at::ones({n_stats, num_features}));
  scale = register_module("scale", SnLinear(condition_dim, num_features, /*bias=*/false));
  offset = register_module("offset", SnLinear(condition_dim, num_features, /*bias=*/false));
}

at::Tensor ConditionalBatchNormImpl::forward(const at::Tensor& x, const at::Tensor& cond,
                                             const StandingStatsChoice& stats) {
  // (x - mean) / sqrt(var + eps) * (1 + scale(cond)) + offset(cond), as one multiply-add:
  // gain = (1 + scale(cond)) / sqrt(var + eps), shift = offset(cond) - mean * gain.
  const Stats s = SelectStandingStats(running_means, running_vars, stats);
  const at::Tensor inv_std = (s.var + eps).rsqrt();                               // [C]
  const at::Tensor gain = (scale->forward(cond).to(at::kFloat) + 1.0) * inv_std;  // [B, C]
  const at::Tensor shift = offset->forward(cond).to(at::kFloat) - s.mean * gain;  // [B, C]
  return at::addcmul(PerChannel(shift.to(x.scalar_type())), x,
                     PerChannel(gain.to(x.scalar_type())));  // [B, C, H, W]
}

StandingBatchNormImpl::StandingBatchNormImpl(int64_t num_features, int64_t n_stats,
                                             double eps_value)
    : eps(eps_value) {
  weight = register_parameter("weight", at::ones({num_features}), false);
  bias = register_parameter("bias", at::zeros({num_features}), false);
  running_means = register_buffer("running_means", at::zeros({n_stats, num_features}));
  running_vars = register_buffer("running_vars", at::ones({n_stats, num_features}));
}

at::Tensor StandingBatchNormImpl::forward(const at::Tensor& x, const StandingStatsChoice& stats) {
  // F.batch_norm(training=False) computes x * alpha + beta with alpha = weight / sqrt(var + eps),
  // beta = bias - mean * alpha: the same here.
  const Stats s = SelectStandingStats(running_means, running_vars, stats);
  const at::Tensor gain = weight.to(at::kFloat) * (s.var + eps).rsqrt();  // [C]
  const at::Tensor shift = bias.to(at::kFloat) - s.mean * gain;           // [C]
  return at::addcmul(shift.to(x.scalar_type()).view({1, -1, 1, 1}), x,
                     gain.to(x.scalar_type()).view({1, -1, 1, 1}));  // [B, C, H, W]
}

GenBlockImpl::GenBlockImpl(const BigGanBlockConfig& block, int64_t condition_dim, int64_t n_stats,
                           double eps)
    : up_sample(block.up_sample) {
  const int64_t in = block.in_channels;
  const int64_t mid = block.middle_channels;
  const int64_t out = block.out_channels;
  bn_0 = register_module("bn_0", ConditionalBatchNorm(in, condition_dim, n_stats, eps));
  conv_0 = register_module("conv_0", SnConv2d(in, mid, 1, /*bias=*/true));
  bn_1 = register_module("bn_1", ConditionalBatchNorm(mid, condition_dim, n_stats, eps));
  conv_1 = register_module("conv_1", SnConv2d(mid, mid, 3, /*bias=*/true));
  bn_2 = register_module("bn_2", ConditionalBatchNorm(mid, condition_dim, n_stats, eps));
  conv_2 = register_module("conv_2", SnConv2d(mid, mid, 3, /*bias=*/true));
  bn_3 = register_module("bn_3", ConditionalBatchNorm(mid, condition_dim, n_stats, eps));
  conv_3 = register_module("conv_3", SnConv2d(mid, out, 1, /*bias=*/true));
}

at::Tensor GenBlockImpl::forward(const at::Tensor& x, const at::Tensor& cond,
                                 const StandingStatsChoice& stats, const ForwardFlags& flags) {
  const int64_t height = x.size(2);
  const int64_t width = x.size(3);
  at::Tensor h = conv_0(bn_0(x, cond, stats).relu_());  // [B, in/4, H, W]
  h = bn_1(h, cond, stats).relu_();                     // [B, in/4, H, W]
  if (up_sample && flags.fused_up_conv) {
    h = conv_1->ForwardUpsampled(h);  // [B, in/4, 2H, 2W] = conv_1(up2(h))
  } else {
    if (up_sample) h = at::upsample_nearest2d(h, {2 * height, 2 * width});  // [B, in/4, 2H, 2W]
    h = conv_1(h);                                                          // [B, in/4, H', W']
  }
  h = conv_2(bn_2(h, cond, stats).relu_());  // [B, in/4, H', W']
  h = conv_3(bn_3(h, cond, stats).relu_());  // [B, out, H', W']

  at::Tensor skip = x;                                               // [B, in, H, W]
  if (h.size(1) != x.size(1)) skip = x.narrow(1, 0, x.size(1) / 2);  // [B, out, H, W]
  if (!up_sample) return h.add_(skip);                               // [B, out, H, W]
  // h + up2(skip) without materialising up2(skip): h[.., 2i + a, 2j + b] += skip[.., i, j].
  const int64_t batch = h.size(0);
  const int64_t channels = h.size(1);
  h.view({batch, channels, height, 2, width, 2})
      .add_(skip.view({batch, channels, height, 1, width, 1}));  // [B, out, H, 2, W, 2]
  return h;                                                      // [B, out, 2H, 2W]
}

SelfAttentionImpl::SelfAttentionImpl(int64_t channels) {
  snconv1x1_theta = register_module("snconv1x1_theta", SnConv2d(channels, channels / 8, 1, false));
  snconv1x1_phi = register_module("snconv1x1_phi", SnConv2d(channels, channels / 8, 1, false));
  snconv1x1_g = register_module("snconv1x1_g", SnConv2d(channels, channels / 2, 1, false));
  snconv1x1_o_conv =
      register_module("snconv1x1_o_conv", SnConv2d(channels / 2, channels, 1, false));
  gamma = register_parameter("gamma", at::zeros({1}), false);
}

at::Tensor SelfAttentionImpl::forward(const at::Tensor& x) {
  const int64_t batch = x.size(0);
  const int64_t height = x.size(2);
  const int64_t width = x.size(3);
  const int64_t pixels = height * width;
  const int64_t key_channels = snconv1x1_theta->weight.size(0);  // C/8
  const int64_t value_channels = snconv1x1_g->weight.size(0);    // C/2
  const at::Tensor theta =
      snconv1x1_theta(x).reshape({batch, key_channels, pixels});  // [B, C/8, HW]
  const at::Tensor phi = at::max_pool2d(snconv1x1_phi(x), {2, 2}, {2, 2})
                             .reshape({batch, key_channels, pixels / 4});   // [B, C/8, HW/4]
  const at::Tensor attn = at::bmm(theta.transpose(1, 2), phi).softmax(-1);  // [B, HW, HW/4]
  const at::Tensor g = at::max_pool2d(snconv1x1_g(x), {2, 2}, {2, 2})
                           .reshape({batch, value_channels, pixels / 4});  // [B, C/2, HW/4]
  const at::Tensor attn_g = at::bmm(g, attn.transpose(1, 2))
                                .reshape({batch, value_channels, height, width});  // [B, C/2, H, W]
  return x + gamma * snconv1x1_o_conv(attn_g);                                     // [B, C, H, W]
}

GeneratorImpl::GeneratorImpl(const BigGanConfig& config_value) : config(config_value) {
  gen_z = register_module(
      "gen_z", SnLinear(config.condition_dim(), 4 * 4 * config.gen_z_channels(), /*bias=*/true));
  layers = register_module("layers", torch::nn::ModuleList());
  for (size_t k = 0; k < config.blocks.size(); ++k) {
    if (config.attention_position == static_cast<int64_t>(k)) {
      attention = SelfAttention(config.attention_channels);
      layers->push_back(attention);
    }
    blocks.push_back(
        GenBlock(config.blocks[k], config.condition_dim(), config.n_stats, config.eps));
    layers->push_back(blocks.back());
  }
  bn = register_module("bn", StandingBatchNorm(config.channel_width, config.n_stats, config.eps));
  conv_to_rgb = register_module(
      "conv_to_rgb", SnConv2d(config.channel_width, config.channel_width, 3, /*bias=*/true));
}

at::Tensor GeneratorImpl::forward(const at::Tensor& cond, const StandingStatsChoice& stats,
                                  const ForwardFlags& flags, at::Tensor* first_block_input) {
  const at::MemoryFormat format =
      flags.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  const int64_t batch = cond.size(0);
  // gen_z's output is laid out as TensorFlow's NHWC: view it so, then permute to NCHW (which is
  // channels-last storage already).
  at::Tensor h = gen_z(cond)
                     .view({batch, 4, 4, config.gen_z_channels()})  // [B, 4, 4, 16ch]
                     .permute({0, 3, 1, 2})                         // [B, 16ch, 4, 4]
                     .contiguous(format);
  if (first_block_input != nullptr) *first_block_input = h;
  for (size_t k = 0; k < blocks.size(); ++k) {
    if (config.attention_position == static_cast<int64_t>(k)) {
      h = attention(h).contiguous(format);  // [B, C, H, W]
    }
    h = blocks[k](h, cond, stats, flags).contiguous(format);  // [B, out_k, H_k, W_k]
  }
  h = bn(h, stats).relu_();                     // [B, ch, R, R]
  h = conv_to_rgb->ForwardFirstChannels(h, 3);  // [B, 3, R, R]: the original keeps [:, :3]
  return h.tanh().contiguous();                 // [B, 3, R, R]
}

BigGanImpl::BigGanImpl(const BigGanConfig& config) {
  embeddings = register_module(
      "embeddings",
      torch::nn::Linear(torch::nn::LinearOptions(config.num_classes, config.z_dim).bias(false)));
  embeddings->weight.set_requires_grad(false);
  generator = register_module("generator", Generator(config));
}

void BigGanImpl::FoldSpectralNorm() {
  for (const std::shared_ptr<torch::nn::Module>& module : modules(/*include_self=*/false)) {
    if (auto linear = std::dynamic_pointer_cast<SnLinearImpl>(module)) linear->FoldSpectralNorm();
    if (auto conv = std::dynamic_pointer_cast<SnConv2dImpl>(module)) conv->FoldSpectralNorm();
  }
  for (GenBlock& block : generator->blocks) {
    if (block->up_sample) block->conv_1->PrepareUpsampledForm();
  }
}

at::Tensor BigGanImpl::forward(const at::Tensor& z, const at::Tensor& class_vector,
                               const StandingStatsChoice& stats, const ForwardFlags& flags,
                               at::Tensor* first_block_input) {
  const at::Tensor embed = embeddings(class_vector);        // [B, z_dim]
  const at::Tensor cond = at::cat({z, embed}, 1);           // [B, 2 z_dim]
  return generator(cond, stats, flags, first_block_input);  // [B, 3, R, R]
}

}  // namespace clipglass::models::biggan
