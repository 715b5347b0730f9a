#include "coordinator/ga/presets.h"

#include <fmt/format.h>

namespace clipglass::ga {
namespace {

constexpr const char* kStyleGanNames[] = {"ffhq", "car", "church"};

SegmentOperators Sbx_Pm(double sbx_prob, double sbx_eta, double pm_prob, double pm_eta,
                        SamplerConfig sampler) {
  SegmentOperators ops;
  ops.sampler = sampler;
  ops.crossover = CrossoverConfig{CrossoverKind::kSbx, sbx_prob, sbx_eta, 0.5};
  ops.mutation = MutationConfig{MutationKind::kPolynomial, pm_eta, pm_prob};
  return ops;
}

SegmentOperators RealOrIntOperators(Fidelity fidelity, SamplerConfig sampler) {
  // Faithful: get_crossover("real_sbx"/"int_sbx", prob=1.0, eta=3), get_mutation(.., prob=0.5,
  // eta=3).
  if (fidelity == Fidelity::kFaithful) return Sbx_Pm(1.0, 3.0, 0.5, 3.0, sampler);
  return Sbx_Pm(0.9, 15.0, -1.0, 20.0, sampler);
}

GaConfig BigGan(Fidelity fidelity, int pop_size) {
  GaConfig c;
  c.algorithm = AlgorithmKind::kGa;
  c.space.segments = {Segment{"z", GeneKind::kReal, 128, -2.0, 2.0},
                      Segment{"class", GeneKind::kBool, 1000, 0.0, 1.0}};
  SamplerConfig trunc;
  trunc.kind = SamplerKind::kTruncatedNormal;  // scipy truncnorm(-2, 2)
  SegmentOperators real = RealOrIntOperators(fidelity, trunc);
  SegmentOperators boolean;
  boolean.sampler.kind = SamplerKind::kBernoulli;
  boolean.sampler.p = 5.0 / 1000.0;
  boolean.crossover = CrossoverConfig{CrossoverKind::kHux, 0.2, 0.0, 0.5};
  boolean.mutation = MutationConfig{MutationKind::kBitFlip, 0.0, 10.0 / 1000.0};
  c.operators = {real, boolean};
  if (fidelity == Fidelity::kFaithful) {
    // MixedVariableCrossover calls the sub-operators' _do directly, so their probs are unused and
    // its own Crossover default (0.9) gates each mating as a whole.
    c.joint_crossover_prob = 0.9;
  }
  c.pop_size = pop_size;
  c.num_objectives = 1;
  c.directions = {Direction::kMaximize};
  return c;
}

}  // namespace

const char* FidelityName(Fidelity fidelity) {
  return fidelity == Fidelity::kFaithful ? "faithful" : "modern";
}

std::vector<std::string> PaperPresetNames() {
  std::vector<std::string> names = {"GPT2", "DeepMindBigGAN256", "DeepMindBigGAN512"};
  for (const char* suffix : {"d", "nod"}) {
    for (const char* data : kStyleGanNames)
      names.push_back(fmt::format("StyleGAN2_{}_{}", data, suffix));
  }
  return names;
}

StatusOr<GaConfig> PaperPreset(std::string_view name, Fidelity fidelity) {
  GaConfig c;
  if (name == "GPT2") {
    c.algorithm = AlgorithmKind::kGa;
    c.space.segments = {Segment{"tokens", GeneKind::kInteger, 20, 0.0, 50256.0}};
    SamplerConfig uniform;  // pymoo int_random: uniform on [0, 50256]
    c.operators = {RealOrIntOperators(fidelity, uniform)};
    c.pop_size = 100;
    c.num_objectives = 1;
    c.directions = {Direction::kMaximize};
  } else if (name == "DeepMindBigGAN256") {
    c = BigGan(fidelity, 64);
  } else if (name == "DeepMindBigGAN512") {
    c = BigGan(fidelity, 32);
  } else {
    bool found = false;
    for (const char* data : kStyleGanNames) {
      for (const char* suffix : {"d", "nod"}) {
        if (name != fmt::format("StyleGAN2_{}_{}", data, suffix)) continue;
        found = true;
        const bool with_d = std::string_view(suffix) == "d";
        c.algorithm = with_d ? AlgorithmKind::kNsga2 : AlgorithmKind::kGa;
        c.space = GenomeSpace::Real(512, -10.0, 10.0, "z");
        SamplerConfig normal;
        normal.kind = SamplerKind::kNormal;  // N(0, 1); 10 sigma inside the bounds
        c.operators = {RealOrIntOperators(fidelity, normal)};
        c.pop_size = 16;
        c.num_objectives = with_d ? 2 : 1;
        c.directions = with_d ? std::vector<Direction>{Direction::kMaximize, Direction::kMinimize}
                              : std::vector<Direction>{Direction::kMaximize};
      }
    }
    if (!found) {
      return InvalidArgumentError(
          fmt::format("unknown generator configuration '{}' (known: GPT2, DeepMindBigGAN256, "
                      "DeepMindBigGAN512, "
                      "StyleGAN2_{{ffhq,car,church}}_{{d,nod}})",
                      name));
    }
  }
  c.eliminate_duplicates = true;
  c.max_generations = 500;
  return c;
}

SegmentOperators ModernRealOperators() { return Sbx_Pm(0.9, 15.0, -1.0, 20.0, SamplerConfig{}); }

GaConfig BenchmarkConfig(const Problem& problem, AlgorithmKind algorithm, int pop_size) {
  return MakeGaConfig(algorithm, problem.space, ModernRealOperators(), pop_size,
                      problem.num_objectives);
}

}  // namespace clipglass::ga
