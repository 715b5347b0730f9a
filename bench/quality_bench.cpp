// quality_bench: how well the search does its job on the demo world, at a fixed evaluation budget.
//
// Text to image: 16 captions (8 of held-out attribute combinations, 8 of training combinations) x
// seeds, for the GA without discriminator (Demo_nod), NSGA-II with discriminator (Demo_d), and
// random search with the same budget (Demo_nod, algorithm: random). A run succeeds when the
// referee (train/referee.h, trained apart from the search's CLIP) reads every attribute of the
// caption in the run's final image. Image to text: renders of held-out and of training
// combinations x seeds, GA vs random search on DemoGPT2; a run scores the fraction of the render's
// four attributes that world::ParseCaption reads correctly in the final caption (GPT-2 was trained
// on the training combinations' captions only, so the held-out renders ask it to compose).
//
// Everything runs through the real runtime, as `clipglass run` does: one grid, the coordinator and
// in-process workers over gRPC on 127.0.0.1, then the finals are read back from the HDF5 archive.
// Per seed, each method's score is averaged over its targets; the table gives mean and sample
// standard deviation over the seeds, and per attribute how many runs got it right. Last, the
// generator's coverage: how many of 4096 samples of G the referee reads as each caption (a caption
// G never draws caps every method). docs/demo_world.md shows a table and the command.
//
//   build/bench/quality_bench [--seeds 3] [--first-seed 1] [--captions-per-split 8] [--images 3]
//                             [--population 16] [--generations 40] [--islands 1] [--workers 2]
//                             [--skip-nsga2] [--skip-img2txt] [--coverage-samples 4096]
#include <ATen/CPUGeneratorImpl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/exit_on_error.h"
#include "bench/quality_targets.h"
#include "cli/process_setup.h"
#include "cli/worker_factory.h"
#include "common/file_util.h"
#include "common/png_codec.h"
#include "coordinator/grid/config_loader.h"
#include "coordinator/runtime/launch.h"
#include "results/archive.h"
#include "results/run_view.h"
#include "train/referee.h"
#include "worker/models/stylegan2.h"
#include "worker/runtime/worker_client.h"
#include "world/captions.h"
#include "world/dataset.h"
#include "world/render.h"

namespace {

using namespace clipglass;
using bench::Check;
using bench::Die;
using bench::kTargetRenderSeed;
using bench::PickCombinations;

// Removes a folder when it goes out of scope (nothing for an empty path).
class RemovedAtExit {
 public:
  explicit RemovedAtExit(std::string path) : path_(std::move(path)) {}
  RemovedAtExit(const RemovedAtExit&) = delete;
  RemovedAtExit& operator=(const RemovedAtExit&) = delete;
  ~RemovedAtExit() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }

 private:
  std::string path_;
};

struct Flags {
  std::string source_dir = CLIPGLASS_SOURCE_DIR;
  std::string weights_dir;  // default <source>/weights
  std::string configs_dir;  // default <source>/configs
  std::string referee;      // default <weights>/demo/referee.safetensors
  std::string work_dir;     // default a temporary folder, removed at the end
  int seeds = 3;
  int first_seed = 1;  // another range of seeds replicates a measurement on new draws
  int population = 16;
  int generations = 40;
  int captions_per_split = 8;  // the first 4 share no shape or colour (PickCombinations)
  int images = 3;
  int workers = 2;
  int threads = 1;  // per worker
  bool skip_img2txt = false;
  bool skip_txt2img = false;
  bool skip_nsga2 = false;          // text to image: GA and random search only (half the time)
  int islands = 1;                  // populations per GA run (the grid's settings.islands)
  int64_t coverage_samples = 4096;  // G samples for the coverage line (0: none)
};

std::string Quote(const std::string& text) { return "\"" + text + "\""; }

struct Stat {
  double mean = 0;
  double sd = 0;
};
Stat MeanSd(const std::vector<double>& values) {
  Stat s;
  if (values.empty()) return s;
  for (double v : values) s.mean += v;
  s.mean /= values.size();
  if (values.size() > 1) {
    for (double v : values) s.sd += (v - s.mean) * (v - s.mean);
    s.sd = std::sqrt(s.sd / (values.size() - 1));
  }
  return s;
}

// One table row: per-seed averages over the row's runs.
struct Row {
  std::string task;
  std::string method;
  std::string targets;
  std::map<int64_t, std::vector<double>> score_by_seed;
  std::map<int64_t, std::vector<double>> similarity_by_seed;
  // Per attribute (shape, colour, background, size): runs that got it right, of `judged`.
  std::array<int64_t, 4> attribute_hits{};
  int64_t judged = 0;
  int64_t evaluations = 0;
  int64_t runs = 0;

  void CountAttributes(const std::array<bool, 4>& hits) {
    for (size_t i = 0; i < hits.size(); ++i) attribute_hits[i] += hits[i] ? 1 : 0;
    ++judged;
  }
};

// Per task, per target (caption or render), per method: the scores of its runs (one per seed).
// Ordered maps keep the printout stable; methods are keyed by their table rank.
struct TargetScores {
  std::map<std::string, std::string> method_names;                           // rank -> name
  std::map<std::string, std::map<std::string, std::vector<double>>> scores;  // target -> rank
};

// Per target, a method's mean score over the seeds against another's.
struct SignCount {
  int ahead = 0;
  int level = 0;
  int behind = 0;
};
SignCount CountSigns(const TargetScores& per_target, const std::string& rank,
                     const std::string& baseline_rank) {
  SignCount count;
  for (const auto& [target, methods] : per_target.scores) {
    const auto it = methods.find(rank);
    const auto base = methods.find(baseline_rank);
    if (it == methods.end() || base == methods.end()) continue;
    const double difference = MeanSd(it->second).mean - MeanSd(base->second).mean;
    if (std::abs(difference) < 1e-9) {
      ++count.level;
    } else if (difference > 0) {
      ++count.ahead;
    } else {
      ++count.behind;
    }
  }
  return count;
}

// Two-sided sign test: P(a split of `ahead` + `behind` fair coin flips at least this uneven).
double SignTestP(int ahead, int behind) {
  const int n = ahead + behind;
  const int k = std::min(ahead, behind);
  double tail = 0;
  for (int i = 0; i <= k; ++i) {
    tail += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) -
                     n * std::log(2.0));
  }
  return std::min(1.0, 2 * tail);
}

// Which of the truth's four attributes a reading got right: the referee's world::Attributes or a
// caption's world::ParsedCaption (whose attributes may be missing, which counts as wrong).
template <typename Reading>
std::array<bool, 4> AttributeHits(const Reading& read, const world::Attributes& truth) {
  return {read.shape == truth.shape, read.colour == truth.colour,
          read.background == truth.background, read.size == truth.size};
}

std::vector<double> SeedMeans(const std::map<int64_t, std::vector<double>>& by_seed) {
  std::vector<double> out;
  for (const auto& [seed, values] : by_seed) out.push_back(MeanSd(values).mean);
  return out;
}

// How often G draws each caption at all: `samples` latents drawn as the text-to-image config's
// search draws them (z ~ N(0, 1) clamped to its genome's bounds, its truncation), const noise,
// read by the referee. A caption G never draws bounds every method's referee score for it,
// whatever the search.
std::vector<int64_t> GeneratorCoverage(const grid::GeneratorConfig& config,
                                       const train::Referee& referee,
                                       const std::vector<world::Attributes>& captions,
                                       int64_t samples) {
  StatusOr<std::unique_ptr<models::Stylegan2Generator>> generator =
      models::Stylegan2Generator::Load(config.model.generator.path);
  Check(generator.status());
  const grid::GenomeSegment& z = config.genome.at(0);
  c10::InferenceMode inference;
  at::Generator rng = at::make_generator<at::CPUGeneratorImpl>(12345);
  std::vector<int64_t> hits(captions.size(), 0);
  constexpr int64_t kChunk = 256;
  for (int64_t start = 0; start < samples; start += kChunk) {
    const int64_t count = std::min(kChunk, samples - start);
    const at::Tensor latents =
        at::randn({count, (*generator)->config().z_dim}, rng).clamp(z.low, z.high);  // [B, z]
    StatusOr<at::Tensor> images =
        (*generator)->SynthesizeFromZ(latents, config.model.stylegan2.truncation_psi);
    Check(images.status());                                            // [B, 3, R, R]
    const at::Tensor unit = ((*images).clamp(-1.0, 1.0) + 1.0) / 2.0;  // [-1, 1] -> [0, 1]
    for (const train::RefereeJudgement& judged : referee.Judge(unit)) {
      for (size_t c = 0; c < captions.size(); ++c) hits[c] += judged.attributes == captions[c];
    }
  }
  return hits;
}

}  // namespace

int main(int argc, char** argv) {
  cli::PrepareProcess(argc, argv);
  // The tokenizer vocabularies ship in the source tree.
  ::setenv("CLIPGLASS_DATA_DIR", CLIPGLASS_SOURCE_DIR, /*overwrite=*/0);
  Flags flags;
  CLI::App app("quality_bench: search quality on the demo world (docs/demo_world.md)");
  app.add_option("--weights-dir", flags.weights_dir, "Weights folder (default <source>/weights)");
  app.add_option("--configs", flags.configs_dir, "Configs folder (default <source>/configs)");
  app.add_option("--referee", flags.referee, "Referee weights (default demo/referee.safetensors)");
  app.add_option(
      "--work-dir", flags.work_dir,
      "Keep the grid, targets and archive in this folder (default: a temporary one, removed)");
  app.add_option("--seeds", flags.seeds, "Seeds per target")->capture_default_str();
  app.add_option("--first-seed", flags.first_seed, "First seed (seeds first .. first + seeds - 1)")
      ->capture_default_str();
  app.add_option("--population", flags.population, "Population")->capture_default_str();
  app.add_option("--generations", flags.generations,
                 "Generations (budget = population x islands x this)")
      ->capture_default_str();
  app.add_option("--captions-per-split", flags.captions_per_split,
                 "Text-to-image captions from each split (the first 4 share no shape or colour)")
      ->capture_default_str();
  app.add_option("--images", flags.images, "Image-to-text renders from each split")
      ->capture_default_str();
  app.add_option("--workers", flags.workers, "In-process workers")->capture_default_str();
  app.add_option("--threads", flags.threads, "LibTorch threads per worker")->capture_default_str();
  app.add_flag("--skip-img2txt", flags.skip_img2txt, "Text to image only");
  app.add_flag("--skip-txt2img", flags.skip_txt2img, "Image to text only (no coverage line)");
  app.add_flag("--skip-nsga2", flags.skip_nsga2, "Text to image: GA and random search only");
  app.add_option("--islands", flags.islands,
                 "Islands per GA run, each of --population (budget x this; random search draws as "
                 "many)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--coverage-samples", flags.coverage_samples,
                 "G samples the referee reads for the coverage line (0: skip)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (flags.weights_dir.empty()) flags.weights_dir = flags.source_dir + "/weights";
  if (flags.configs_dir.empty()) flags.configs_dir = flags.source_dir + "/configs";
  if (flags.referee.empty()) flags.referee = flags.weights_dir + "/demo/referee.safetensors";
  // The default work folder is temporary: removed when the benchmark ends (after the coordinator
  // below has closed the archive), so repeated runs leave nothing behind; --work-dir keeps it.
  const bool keep_work_dir = !flags.work_dir.empty();
  if (!keep_work_dir) {
    flags.work_dir = (std::filesystem::temp_directory_path() /
                      ("clipglass_quality_bench_" + std::to_string(::getpid())))
                         .string();
  }
  const RemovedAtExit temporary(keep_work_dir ? "" : flags.work_dir);
  std::filesystem::create_directories(flags.work_dir);

  // Targets.
  const std::vector<world::Attributes> held_out =
      PickCombinations(world::Split::kHeldOut, flags.captions_per_split);
  const std::vector<world::Attributes> trained =
      PickCombinations(world::Split::kTrain, flags.captions_per_split);
  std::vector<world::Attributes> caption_attributes = held_out;
  caption_attributes.insert(caption_attributes.end(), trained.begin(), trained.end());
  std::map<std::string, world::Attributes> truth_of;  // target text -> attributes
  std::map<std::string, std::string> split_of;        // target text -> "held-out" | "train"
  std::string captions_yaml;
  for (size_t i = 0; i < caption_attributes.size(); ++i) {
    const std::string caption = world::Caption(caption_attributes[i], 0);
    truth_of[caption] = caption_attributes[i];
    split_of[caption] = i < held_out.size() ? "held-out" : "train";
    captions_yaml += "      - " + Quote(caption) + "\n";
  }
  std::string images_yaml;
  for (const world::Split split : {world::Split::kHeldOut, world::Split::kTrain}) {
    const std::string split_name = split == world::Split::kHeldOut ? "held-out" : "train";
    for (int i = 0; i < flags.images; ++i) {
      const world::Example example = world::SampleExample(split, kTargetRenderSeed, i);
      const std::string name = split_name + "_" + std::to_string(i) + ".png";
      StatusOr<std::string> png = EncodePng(world::RenderScene(example.scene, 32));
      Check(png.status());
      Check(WriteFileAtomically(flags.work_dir + "/" + name, *png));
      truth_of[name] = example.scene.attributes;
      split_of[name] = split_name;
      images_yaml += "      - image: " + name + "\n";
    }
  }

  // The grid: the same budget (population x islands x generations evaluations) for every method.
  const int64_t budget = static_cast<int64_t>(flags.population) * flags.islands * flags.generations;
  std::string grid = "name: quality_bench\narchive: quality_bench.h5\nsettings:\n";
  grid += "  population: " + std::to_string(flags.population) + "\n";
  grid += "  generations: " + std::to_string(flags.generations) + "\n";
  grid += "  max_evaluations: " + std::to_string(budget) + "\n";
  grid += "  save_every: 0\n  islands: " + std::to_string(flags.islands) + "\n";
  grid += "axes:\n";
  const std::string seeds = "{first: " + std::to_string(flags.first_seed) +
                            ", count: " + std::to_string(flags.seeds) + "}";
  if (!flags.skip_txt2img) {
    grid += "  - generator: [Demo_nod]\n    target:\n" + captions_yaml + "    seed: " + seeds +
            "\n    overrides:\n      - name: ga\n      - name: random\n        algorithm: random\n";
    if (!flags.skip_nsga2) {
      grid += "  - generator: [Demo_d]\n    target:\n" + captions_yaml + "    seed: " + seeds +
              "\n    overrides:\n      - name: nsga2\n      - name: nsga2_sim\n"
              "        final_weights: [1, 0]\n";
    }
  }
  if (!flags.skip_img2txt && flags.images > 0) {
    grid += "  - generator: [DemoGPT2]\n    target:\n" + images_yaml + "    seed: " + seeds +
            "\n    overrides:\n      - name: ga\n      - name: random\n        algorithm: random\n";
  }
  const std::string grid_path = flags.work_dir + "/quality_bench.yaml";
  Check(WriteFileAtomically(grid_path, grid));

  // Run it as `clipglass run` does.
  coordinator::LaunchOptions launch;
  launch.grid_path = grid_path;
  launch.configs_dir = flags.configs_dir;
  launch.weights_dir = flags.weights_dir;
  launch.archive = flags.work_dir + "/quality_bench.h5";
  launch.progress = true;
  launch.program_version = "quality_bench";
  const auto start = std::chrono::steady_clock::now();
  StatusOr<std::unique_ptr<coordinator::Coordinator>> prepared =
      coordinator::PrepareCoordinator(launch);
  Check(prepared.status());
  coordinator::Coordinator& coord = **prepared;
  Check(coord.Start());
  std::vector<std::unique_ptr<worker::Evaluator>> evaluators;
  std::vector<std::unique_ptr<worker::WorkerClient>> clients;
  std::vector<std::thread> threads;
  cli::WorkerFlags worker_flags;
  worker_flags.threads = flags.threads;
  for (int w = 0; w < flags.workers; ++w) {
    StatusOr<std::unique_ptr<worker::Evaluator>> evaluator = cli::MakeWorkerEvaluator(worker_flags);
    Check(evaluator.status());
    evaluators.push_back(std::move(*evaluator));
    worker::WorkerOptions options = cli::MakeWorkerOptions(worker_flags);
    options.coordinator_address = coord.address();
    options.worker_id = "bench-" + std::to_string(w);
    clients.push_back(std::make_unique<worker::WorkerClient>(options, evaluators.back().get()));
    threads.emplace_back([client = clients.back().get()] { (void)client->Run(); });
  }
  const Status status = coord.Wait();
  for (auto& client : clients) client->Stop();
  for (auto& thread : threads) thread.join();
  Check(status);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  StatusOr<results::SweepRecord> sweep = results::ReadArchive(coord.archive_path());
  Check(sweep.status());
  StatusOr<std::unique_ptr<train::Referee>> referee = train::Referee::Load(flags.referee);
  Check(referee.status());

  // Score every run.
  std::map<std::string, Row> rows;  // key orders the table
  std::vector<std::string> order;
  auto row_for = [&](const std::string& key, const std::string& task, const std::string& method,
                     const std::string& targets) -> Row& {
    auto it = rows.find(key);
    if (it == rows.end()) {
      order.push_back(key);
      it = rows.emplace(key, Row{task, method, targets, {}, {}}).first;
    }
    return it->second;
  };
  std::map<std::string, TargetScores> by_target;  // task -> its targets' scores
  int failed = 0;
  for (const results::RunRecord& run : sweep->runs) {
    if (run.state != "done" || !run.final_individual) {
      std::fprintf(stderr, "run %s: %s %s\n", run.id.c_str(), run.state.c_str(), run.error.c_str());
      ++failed;
      continue;
    }
    const std::string config = results::RunAttribute(run, "config");
    const std::string override_name = results::RunAttribute(run, "override");
    const std::string target = results::RunAttribute(run, "target");
    const int64_t seed = std::stoll(results::RunAttribute(run, "seed"));
    const double similarity = results::Headline(run).best_similarity;
    // Adds the run to its split's row and to the row over all of the task's targets. Rows sort by
    // key: `task_rank` is the task's "all" row, + 1 its held-out row, + 2 its train row.
    auto record = [&](const std::string& task, int task_rank, const std::string& method_rank,
                      const std::string& method, const std::string& split,
                      const std::string& targets, const std::string& label, double score,
                      const std::array<bool, 4>& hits) {
      TargetScores& per_target = by_target[task];
      per_target.method_names[method_rank] = method;
      per_target.scores[split + ": " + label][method_rank].push_back(score);
      for (const std::string& part : {split, std::string("all")}) {
        const int offset = part == "held-out" ? 1 : part == "train" ? 2 : 0;
        Row& row = row_for(std::to_string(task_rank + offset) + method_rank, task, method,
                           part + " " + targets);
        row.score_by_seed[seed].push_back(score);
        row.similarity_by_seed[seed].push_back(similarity);
        row.CountAttributes(hits);
        if (part == "all") {
          row.evaluations += run.evaluations;
          ++row.runs;
        }
      }
    };
    if (config == "DemoGPT2") {
      const std::string name = std::filesystem::path(target).filename().string();
      const auto truth = truth_of.find(name);
      if (truth == truth_of.end()) Die("run " + run.id + ": unknown target " + target);
      const world::ParsedCaption parsed = world::ParseCaption(run.final_individual->caption);
      const double correct = parsed.CountCorrect(truth->second) / 4.0;
      const bool random = override_name == "random";
      record("img2txt", 3, random ? "b" : "a", random ? "random search" : "GA", split_of[name],
             "renders", name + " (" + world::Describe(truth->second) + ")", correct,
             AttributeHits(parsed, truth->second));
      continue;
    }
    const auto truth = truth_of.find(target);
    if (truth == truth_of.end()) Die("run " + run.id + ": unknown target " + target);
    const std::vector<train::RefereeJudgement> judged = (*referee)->Judge(std::vector<RgbImage>{
        RgbImage{run.final_individual->image.width, run.final_individual->image.height,
                 run.final_individual->image.rgb}});
    const double success = judged[0].attributes == truth->second ? 1.0 : 0.0;
    std::string method = "GA, no D";
    std::string rank = "a";
    if (config == "Demo_d" && override_name == "nsga2_sim") {
      method = "NSGA-II + D, pick [1,0]";
      rank = "bb";
    } else if (config == "Demo_d") {
      method = "NSGA-II + D";
      rank = "b";
    } else if (override_name == "random") {
      method = "random search";
      rank = "c";
    }
    record("txt2img", 0, rank, method, split_of[target], "captions", target, success,
           AttributeHits(judged[0].attributes, truth->second));
  }

  std::printf(
      "\nquality_bench: %d seeds (%d..%d), population %d x %d island(s) x %d generations = "
      "budget %lld evaluations per run, %d workers x %d thread(s), %.1f s wall\n",
      flags.seeds, flags.first_seed, flags.first_seed + flags.seeds - 1, flags.population,
      flags.islands, flags.generations, static_cast<long long>(budget), flags.workers,
      flags.threads, wall);
  std::printf(
      "txt2img score: share of runs whose final image the referee reads as the caption "
      "(all 4 attributes); img2txt score: share of the render's 4 attributes the final "
      "caption names correctly. mean +- sd over seeds. shape/colour/bg/size: share of the "
      "row's runs with that attribute right (referee for images, parser for captions).\n\n");
  std::printf(
      "| task | method | targets | score | CLIP similarity | shape/colour/bg/size | "
      "evaluations/run |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- |\n");
  std::sort(order.begin(), order.end());
  for (const std::string& key : order) {
    const Row& row = rows.at(key);
    const Stat score = MeanSd(SeedMeans(row.score_by_seed));
    const Stat sim = MeanSd(SeedMeans(row.similarity_by_seed));
    const std::string evals =
        row.runs > 0 ? std::to_string(row.evaluations / row.runs) : std::string("");
    const double judged = static_cast<double>(std::max<int64_t>(row.judged, 1));
    std::printf("| %s | %s | %s | %.2f +- %.2f | %.3f +- %.3f | %.2f/%.2f/%.2f/%.2f | %s |\n",
                row.task.c_str(), row.method.c_str(), row.targets.c_str(), score.mean, score.sd,
                sim.mean, sim.sd, row.attribute_hits[0] / judged, row.attribute_hits[1] / judged,
                row.attribute_hits[2] / judged, row.attribute_hits[3] / judged, evals.c_str());
  }
  // Per target: which targets each method gets right, and how often (the table's spread over
  // seeds is mostly which targets a seed's runs happen to get).
  for (const auto& [task, per_target] : by_target) {
    std::printf("\n%s per target: mean score over the seeds\n\n| target |", task.c_str());
    for (const auto& [rank, name] : per_target.method_names) std::printf(" %s |", name.c_str());
    std::printf("\n| --- |");
    for (size_t m = 0; m < per_target.method_names.size(); ++m) std::printf(" --- |");
    std::printf("\n");
    for (const auto& [target, methods] : per_target.scores) {
      std::printf("| %s |", target.c_str());
      for (const auto& [rank, name] : per_target.method_names) {
        const auto it = methods.find(rank);
        if (it == methods.end() || it->second.empty()) {
          std::printf(" - |");
          continue;
        }
        std::printf(" %.2f |", MeanSd(it->second).mean);
      }
      std::printf("\n");
    }
  }
  // Against random search, two readings: the lead of the mean over seeds next to both spreads
  // (issue 7's bar: a lead larger than the spread), and, paired by target, how many targets each
  // method gets right more often, as often, less often, with the two-sided sign test over the
  // untied ones (the chance of a split at least this uneven if neither method were better).
  const auto all_targets_score = [&](const std::string& task, const std::string& method) {
    for (const auto& [key, row] : rows) {
      if (row.task == task && row.method == method && row.targets.rfind("all ", 0) == 0) {
        return MeanSd(SeedMeans(row.score_by_seed));
      }
    }
    return Stat{};
  };
  for (const auto& [task, per_target] : by_target) {
    const auto random_it =
        std::find_if(per_target.method_names.begin(), per_target.method_names.end(),
                     [](const auto& m) { return m.second == "random search"; });
    if (random_it == per_target.method_names.end()) continue;
    std::printf("\n%s against random search (all targets):\n", task.c_str());
    for (const auto& [rank, name] : per_target.method_names) {
      if (rank == random_it->first) continue;
      const SignCount count = CountSigns(per_target, rank, random_it->first);
      const Stat method_score = all_targets_score(task, name);
      const Stat random_score = all_targets_score(task, random_it->second);
      const double lead = method_score.mean - random_score.mean;
      std::printf(
          "  %s: lead %+.2f, spreads %.2f / %.2f (lead %s the spread); per target ahead on %d, "
          "level on %d, behind on %d (sign test p = %.3f)\n",
          name.c_str(), lead, method_score.sd, random_score.sd,
          lead > std::max(method_score.sd, random_score.sd) ? "outside" : "inside", count.ahead,
          count.level, count.behind, SignTestP(count.ahead, count.behind));
    }
  }
  if (flags.coverage_samples > 0 && !flags.skip_txt2img) {
    StatusOr<grid::GeneratorConfig> config =
        grid::LoadGeneratorConfig(flags.configs_dir + "/Demo_nod.yaml", flags.weights_dir);
    Check(config.status());
    const std::vector<int64_t> coverage =
        GeneratorCoverage(*config, **referee, caption_attributes, flags.coverage_samples);
    std::printf(
        "\ngenerator coverage: of %lld samples of G as Demo_nod.yaml draws them (psi %g), the "
        "referee reads",
        static_cast<long long>(flags.coverage_samples), config->model.stylegan2.truncation_psi);
    for (size_t c = 0; c < coverage.size(); ++c) {
      std::printf("%s \"%s\" in %lld", c == 0 ? "" : ";",
                  world::Caption(caption_attributes[c], 0).c_str(),
                  static_cast<long long>(coverage[c]));
    }
    std::printf("\n");
  }
  std::printf("\nheld-out captions:");
  for (const world::Attributes& a : held_out) std::printf(" \"%s\";", world::Caption(a, 0).c_str());
  std::printf("\ntrain captions:");
  for (const world::Attributes& a : trained) std::printf(" \"%s\";", world::Caption(a, 0).c_str());
  if (keep_work_dir) {
    std::printf("\narchive: %s\n", coord.archive_path().c_str());
  } else {
    std::printf("\narchive: not kept (--work-dir DIR keeps the grid, targets and archive)\n");
  }
  if (failed > 0) {
    std::printf("%d runs failed\n", failed);
    return 1;
  }
  return 0;
}
