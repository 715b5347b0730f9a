#include "worker/runtime/benchmark_evaluator.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <numbers>
#include <thread>

#include "proto/wire.h"

namespace clipglass::worker {
namespace {

// Ref: Zitzler, Deb, Thiele (2000), "Comparison of multiobjective evolutionary algorithms".
std::pair<double, double> Zdt(int which, const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  double sum = 0;
  for (size_t i = 1; i < x.size(); ++i) sum += x[i];
  const double f1 = x[0];
  const double g = 1.0 + 9.0 * sum / (n - 1.0);
  double h = 0;
  switch (which) {
    case 1:
      h = 1.0 - std::sqrt(f1 / g);
      break;
    case 2:
      h = 1.0 - (f1 / g) * (f1 / g);
      break;
    default:
      h = 1.0 - std::sqrt(f1 / g) - (f1 / g) * std::sin(10.0 * std::numbers::pi * f1);
      break;
  }
  return {f1, g * h};
}

double Sphere(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v * v;
  return s;
}

double Rastrigin(const std::vector<double>& x) {
  double s = 10.0 * static_cast<double>(x.size());
  for (double v : x) s += v * v - 10.0 * std::cos(2.0 * std::numbers::pi * v);
  return s;
}

}  // namespace

bool BenchmarkEvaluator::Handles(const std::string& family) {
  return family == "zdt1" || family == "zdt2" || family == "zdt3" || family == "sphere" ||
         family == "rastrigin";
}

StatusOr<EvaluationResult> BenchmarkEvaluator::Evaluate(const v1::Assign& assign, bool* permanent) {
  *permanent = true;
  const std::string& family = assign.model().family();
  if (!Handles(family)) {
    return InvalidArgumentError("benchmark evaluator: unknown problem '" + family + "'");
  }
  const auto start = std::chrono::steady_clock::now();
  CG_ASSIGN_OR_RETURN(wire::UnpackedLatents latents, wire::UnpackLatents(assign.latents()));
  EvaluationResult result;
  for (int64_t row = 0; row < latents.count; ++row) {
    const std::vector<double> x = wire::GenomeRow(latents, row);
    if (x.size() < 2) return InvalidArgumentError("benchmark problems need at least 2 genes");
    if (family == "sphere" || family == "rastrigin") {
      result.similarity.push_back(
          static_cast<float>(-(family == "sphere" ? Sphere(x) : Rastrigin(x))));
    } else {
      const auto [f1, f2] = Zdt(family[3] - '0', x);
      result.similarity.push_back(static_cast<float>(-f1));
      result.discriminator_loss.push_back(static_cast<float>(f2));
    }
  }
  if (!assign.want_discriminator()) result.discriminator_loss.clear();
  for (uint32_t index : assign.keep_outputs()) {
    if (index >= latents.count) return InvalidArgumentError("keep_outputs index out of range");
    v1::Output output;
    output.set_index(index);
    // A deterministic "output" naming the genome, so archives can be compared across runs.
    const std::vector<double> x = wire::GenomeRow(latents, index);
    output.set_caption(fmt::format("{} x0={:.6f} x1={:.6f}", family, x[0], x[1]));
    result.outputs.push_back(output);
  }
  if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
  result.eval_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace clipglass::worker
