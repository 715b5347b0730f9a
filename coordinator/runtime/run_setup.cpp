#include "coordinator/runtime/run_setup.h"

#include "common/file_util.h"

namespace clipglass::coordinator {
namespace {

ga::SamplerConfig MapSampler(const grid::GenomeSegment& segment) {
  ga::SamplerConfig sampler;
  switch (segment.sampler) {
    case grid::Sampler::kNormal:
      sampler.kind = ga::SamplerKind::kNormal;
      break;
    case grid::Sampler::kTruncatedNormal:
      sampler.kind = ga::SamplerKind::kTruncatedNormal;
      break;
    case grid::Sampler::kUniform:
      sampler.kind = ga::SamplerKind::kUniform;
      break;
    case grid::Sampler::kBernoulli:
      sampler.kind = ga::SamplerKind::kBernoulli;
      break;
  }
  sampler.mean = segment.mean;
  sampler.stddev = segment.stddev;
  sampler.low = segment.low;
  sampler.high = segment.high;
  sampler.p = segment.p;
  return sampler;
}

ga::SegmentOperators MapOperators(const grid::GenomeSegment& segment,
                                  const grid::OperatorSettings& settings) {
  ga::SegmentOperators ops;
  ops.sampler = MapSampler(segment);
  if (segment.kind == grid::SegmentKind::kBool) {
    ops.crossover.kind = ga::CrossoverKind::kHux;
    ops.crossover.prob = settings.hux_prob;
    ops.mutation.kind = ga::MutationKind::kBitFlip;
    ops.mutation.prob = settings.bitflip_prob;
    return ops;
  }
  // Integer genes are categories when the settings say so (uniform crossover, random reset);
  // otherwise they, like real genes, take SBX and polynomial mutation.
  const bool integer = segment.kind == grid::SegmentKind::kInteger;
  if (integer && settings.uniform_prob) {
    ops.crossover.kind = ga::CrossoverKind::kUniform;
    ops.crossover.prob = *settings.uniform_prob;
  } else {
    ops.crossover.kind = ga::CrossoverKind::kSbx;
    ops.crossover.prob = settings.sbx.prob;
    ops.crossover.eta = settings.sbx.eta;
    ops.crossover.prob_per_variable = 0.5;  // pymoo 0.4's per-variable exchange
  }
  if (integer && settings.reset_prob) {
    ops.mutation.kind = ga::MutationKind::kRandomReset;
    ops.mutation.prob = *settings.reset_prob;
  } else {
    ops.mutation.kind = ga::MutationKind::kPolynomial;
    ops.mutation.prob = settings.pm.prob;
    ops.mutation.eta = settings.pm.eta;
  }
  return ops;
}

ga::GeneKind MapKind(grid::SegmentKind kind) {
  switch (kind) {
    case grid::SegmentKind::kReal:
      return ga::GeneKind::kReal;
    case grid::SegmentKind::kInteger:
      return ga::GeneKind::kInteger;
    case grid::SegmentKind::kBool:
      return ga::GeneKind::kBool;
  }
  return ga::GeneKind::kReal;
}

wire::GeneKind WireKind(grid::SegmentKind kind) {
  switch (kind) {
    case grid::SegmentKind::kReal:
      return wire::GeneKind::kReal;
    case grid::SegmentKind::kInteger:
      return wire::GeneKind::kInteger;
    case grid::SegmentKind::kBool:
      return wire::GeneKind::kBool;
  }
  return wire::GeneKind::kReal;
}

}  // namespace

bool IsBenchmarkFamily(const std::string& family) {
  return family == "zdt1" || family == "zdt2" || family == "zdt3" || family == "sphere" ||
         family == "rastrigin";
}

StatusOr<RunSetup> MakeRunSetup(const grid::RunSpec& run) {
  const grid::GeneratorConfig& config = run.config;
  const grid::GaSettings& settings = run.ga;
  RunSetup setup;

  ga::GaConfig& ga = setup.ga;
  switch (settings.algorithm) {
    case grid::Algorithm::kGa:
      ga.algorithm = ga::AlgorithmKind::kGa;
      break;
    case grid::Algorithm::kNsga2:
      ga.algorithm = ga::AlgorithmKind::kNsga2;
      break;
    case grid::Algorithm::kRandomSearch:
      // Random search keeps the GA's survival (best so far) but never mates: every generation is
      // a fresh sample, so the budget is spent exactly like the GA's.
      ga.algorithm = run.objectives() == 2 ? ga::AlgorithmKind::kNsga2 : ga::AlgorithmKind::kGa;
      ga.random_search = true;
      break;
  }
  for (const grid::GenomeSegment& segment : config.genome) {
    ga::Segment s;
    s.name = segment.name;
    s.kind = MapKind(segment.kind);
    s.size = static_cast<int>(segment.size);
    s.lower = segment.kind == grid::SegmentKind::kBool ? 0.0 : segment.low;
    s.upper = segment.kind == grid::SegmentKind::kBool ? 1.0 : segment.high;
    ga.space.segments.push_back(s);
    ga.operators.push_back(MapOperators(segment, settings.operators));
    setup.layout.push_back({WireKind(segment.kind), segment.size});
  }
  const bool mixed = config.genome.size() > 1;
  if (settings.faithful && mixed) {
    // pymoo 0.4.2's MixedVariableCrossover gates all segments with one draw at its default 0.9,
    // which silently replaced the original's per-type SBX/HUX probabilities.
    ga.joint_crossover_prob = 0.9;
  }
  ga.pop_size = static_cast<int>(settings.population);
  ga.num_objectives = run.objectives();
  ga.directions = {ga::Direction::kMaximize};
  setup.objective_names = {"similarity"};
  if (run.objectives() == 2) {
    ga.directions.push_back(ga::Direction::kMinimize);
    setup.objective_names.push_back("discriminator_loss");
  }
  setup.final_weights = settings.final_weights;
  ga.eliminate_duplicates = settings.eliminate_duplicates;
  ga.max_generations = static_cast<int>(settings.generations);

  setup.islands.num_islands = static_cast<int>(settings.islands);
  setup.islands.migration_interval =
      settings.islands > 1 ? static_cast<int>(settings.migration.interval) : 0;
  setup.islands.migrants = static_cast<int>(settings.migration.count);
  setup.islands.topology = settings.migration.topology == grid::Topology::kRandom
                               ? ga::Topology::kRandom
                               : ga::Topology::kRing;
  CG_RETURN_IF_ERROR(ga::ValidateIslandConfig(setup.islands, ga).WithContext("run " + run.id));

  v1::ModelSpec& model = setup.model;
  model.set_family(std::string(grid::ModelFamilyName(config.model.family)));
  model.set_generator_weights(config.model.generator.path);
  model.set_discriminator_weights(run.discriminator ? config.model.discriminator.path : "");
  model.set_clip_weights(config.clip.weights.path);
  model.set_clip_normalize(config.clip.normalize);
  switch (config.model.family) {
    case grid::ModelFamily::kStyleGan2:
      model.set_truncation(static_cast<float>(config.model.stylegan2.truncation_psi));
      model.set_noise_mode("const");
      model.set_latent_space("z");
      break;
    case grid::ModelFamily::kBigGan:
      model.set_truncation(static_cast<float>(config.model.biggan.truncation));
      break;
    case grid::ModelFamily::kGpt2:
      model.set_gpt2_context(config.model.gpt2.context);
      model.set_gpt2_generate_tokens(static_cast<uint32_t>(config.model.gpt2.generated_tokens));
      model.set_caption_max_chars(static_cast<uint32_t>(config.model.gpt2.max_chars));
      for (int64_t id : config.model.gpt2.genome_token_ids) {
        model.add_gpt2_genome_token_ids(static_cast<uint32_t>(id));
      }
      // One named segment indexes the alphabet: tell the worker which genes it occupies.
      if (!config.model.gpt2.genome_token_ids_segment.empty()) {
        uint32_t first = 0;
        for (const grid::GenomeSegment& segment : config.genome) {
          if (segment.name == config.model.gpt2.genome_token_ids_segment) {
            model.set_gpt2_token_ids_first_gene(first);
            model.set_gpt2_token_ids_gene_count(static_cast<uint32_t>(segment.size));
            break;
          }
          first += static_cast<uint32_t>(segment.size);
        }
      }
      break;
  }
  // Runs of one config share a model (and its weights) whatever their target or seed.
  model.set_key(config.name + (run.discriminator ? "+D" : ""));

  v1::Target& target = setup.target;
  if (run.target.kind == grid::TargetKind::kCaption) {
    if (run.target.text.empty()) {
      return InvalidArgumentError("run " + run.id + ": the caption is empty");
    }
    target.set_caption(run.target.text);
    target.set_id("caption:" + run.target.text);
  } else {
    CG_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(run.target.path));
    target.set_image_png(std::move(bytes));
    target.set_id("image:" + run.target.sha256);
  }
  return setup;
}

}  // namespace clipglass::coordinator
