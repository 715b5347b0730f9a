#include "tests/results/test_sweep.h"

#include <cmath>
#include <cstdio>

namespace clipglass::results::testing {
namespace {

Population MakePopulation(int64_t generation, int64_t rows, int64_t genes, int64_t objectives) {
  Population p;
  p.generation = generation;
  p.genes = genes;
  p.objectives = objectives;
  for (int64_t i = 0; i < rows * genes; ++i) p.genomes.push_back(std::sin(0.1 * i + generation));
  for (int64_t r = 0; r < rows; ++r) {
    p.values.push_back(0.2 + 0.01 * r);                      // similarity
    if (objectives > 1) p.values.push_back(0.9 - 0.05 * r);  // discriminator loss
    p.island.push_back(static_cast<int32_t>(r % 2));
  }
  return p;
}

Image FlatImage(int64_t size, uint8_t r, uint8_t g, uint8_t b) {
  Image image;
  image.width = size;
  image.height = size;
  for (int64_t i = 0; i < size * size; ++i) image.rgb.insert(image.rgb.end(), {r, g, b});
  return image;
}

RunRecord MakeRun(int index, const std::string& id, const std::string& generator,
                  const std::string& target, int64_t discriminator, int64_t generations_done) {
  RunRecord run;
  run.id = id;
  run.index = index;
  run.attributes = {{"generator", generator},
                    {"config", generator},
                    {"task", std::string("txt2img")},
                    {"target", target},
                    {"target_kind", std::string("caption")},
                    {"discriminator", discriminator},
                    {"seed", int64_t{index}},
                    {"algorithm", std::string(discriminator ? "nsga2" : "ga")},
                    {"population", int64_t{6}},
                    {"islands", int64_t{2}},
                    {"truncation", 0.7}};
  run.config_yaml = "generator: " + generator + "\nseed: " + std::to_string(index) + "\n";
  run.state = generations_done == 4 ? "done" : "running";
  run.generations_done = generations_done;
  run.generations_total = 4;
  run.evaluations = 6 * generations_done;
  run.cache_hits = 1;
  run.wall_seconds = 2.5 * generations_done;
  const int64_t objectives = discriminator ? 2 : 1;
  run.objective_names = {"similarity"};
  if (discriminator) run.objective_names.push_back("discriminator_loss");
  for (int64_t g = 1; g <= generations_done; ++g) {
    GenerationStats s;
    s.generation = g;
    s.best_similarity = 0.2 + 0.02 * g + 0.001 * index;
    s.mean_similarity = 0.15 + 0.015 * g;
    s.median_similarity = 0.14 + 0.015 * g;
    if (discriminator) {
      s.best_discriminator_loss = 0.8 / g;
      s.mean_discriminator_loss = 0.9 / g;
      s.hypervolume = 0.1 * g;
    }
    s.evaluations = 6 * g;
    s.wall_seconds = 2.5 * g;
    run.stats.push_back(s);
  }
  run.snapshots.push_back(MakePopulation(2, 6, 8, objectives));
  if (generations_done == 4) {
    run.snapshots.push_back(MakePopulation(4, 6, 8, objectives));
    if (discriminator) run.pareto_front = MakePopulation(4, 3, 8, objectives);
    FinalIndividual final;
    final.genome.assign(8, 0.25);
    final.objectives = {0.2 + 0.08 + 0.001 * index};
    if (discriminator) final.objectives.push_back(0.2);
    final.image = FlatImage(8, static_cast<uint8_t>(40 * index), 128, 200);
    run.final_individual = final;
  } else {
    run.engine_state = {1, 2, 3};
  }
  return run;
}

SweepRecord MakeSweepHeader() {
  SweepRecord sweep;
  sweep.name = "unit-sweep";
  sweep.grid_path = "experiments/unit.yaml";
  sweep.grid_yaml = "name: unit-sweep\naxes:\n  seed: [0, 1, 2]\n";
  sweep.state = "interrupted";
  sweep.provenance = {"0.1.0",
                      "abc123",
                      "2026-11-27T16:00:00Z",
                      "testhost",
                      {{"weights/clip.safetensors", "deadbeef"}},
                      {"w1 cpu Zen4"}};
  return sweep;
}

}  // namespace

SweepRecord MakeTestSweep() {
  SweepRecord sweep = MakeSweepHeader();
  sweep.runs.push_back(MakeRun(0, "0000-StyleGAN2_ffhq_d-s0", "StyleGAN2_ffhq_d",
                               "a smiling woman with red hair", 1, 4));
  sweep.runs.push_back(
      MakeRun(1, "0001-StyleGAN2_car-s1", "StyleGAN2_car", "a red sports car", 0, 2));
  RunRecord captioned = MakeRun(2, "0002-GPT2-s2", "GPT2", "images/dog.png", 0, 4);
  captioned.attributes["task"] = std::string("img2txt");
  captioned.attributes["target_kind"] = std::string("image");
  captioned.final_individual->image = Image();
  captioned.final_individual->caption = "a dog running on the beach";
  sweep.runs.push_back(captioned);
  return sweep;
}

SweepRecord MakeGridSweep(int rows, int cols, int64_t size) {
  SweepRecord sweep = MakeSweepHeader();
  sweep.state = "done";
  int index = 0;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c, ++index) {
      std::string generator = "Gen" + std::to_string(c);
      char id[64];
      std::snprintf(id, sizeof(id), "%04d-%s-r%d", index, generator.c_str(), r);
      RunRecord run =
          MakeRun(index, id, generator, "caption number " + std::to_string(r), c % 2, 4);
      run.final_individual->image =
          FlatImage(size, static_cast<uint8_t>(60 * r), static_cast<uint8_t>(80 * c), 90);
      sweep.runs.push_back(run);
    }
  }
  return sweep;
}

}  // namespace clipglass::results::testing
