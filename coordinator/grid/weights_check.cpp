#include "coordinator/grid/weights_check.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>
#include <string>
#include <utility>

namespace clipglass::grid {

std::string FetchModelFor(const std::string& relative) {
  // Path prefixes under the weights folder -> fetch.sh's catalog names (deploy/weights/fetch.sh).
  static const std::pair<const char*, const char*> kModels[] = {
      {"clip/ViT-B-32.", "clip-vit-b32"},
      {"clip/ViT-B-16.", "clip-vit-b16"},
      {"clip/ViT-L-14.", "clip-vit-l14"},
      {"gpt2/gpt2.", "gpt2"},
      {"stylegan2/ffhq-config-f/", "stylegan2-ffhq"},
      {"stylegan2/car-config-f/", "stylegan2-car"},
      {"stylegan2/church-config-f/", "stylegan2-church"},
      {"biggan/biggan-deep-256.", "biggan-deep-256"},
      {"biggan/biggan-deep-512.", "biggan-deep-512"},
  };
  for (const auto& [prefix, model] : kModels) {
    if (relative.rfind(prefix, 0) == 0) return model;
  }
  return "";
}

Status CheckWeightsPresent(const GeneratorConfig& config) {
  for (const WeightsFile* w : AllWeights(config)) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(w->path, ec)) continue;
    const std::string model = FetchModelFor(w->relative);
    std::string fix;
    if (!model.empty() && w->path.size() > w->relative.size() &&
        w->path.compare(w->path.size() - w->relative.size(), w->relative.size(), w->relative) ==
            0) {
      std::string dir = w->path.substr(0, w->path.size() - w->relative.size());
      if (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      fix = fmt::format(
          "fetch it with `deploy/weights/fetch.sh --dir {} {}` (where the internet "
          "is reachable; docs/weights.md), or ",
          dir, model);
    }
    return NotFoundError(fmt::format(
        "{}: weights file '{}' of config {} not found at {}; {}put it there, or point "
        "--weights-dir or CLIPGLASS_WEIGHTS_DIR at the folder that holds it (docs/configs.md)",
        w->where.ToString(), w->relative, config.name, w->path, fix));
  }
  return Status::Ok();
}

Status CheckWeightsPresent(const Grid& grid) {
  std::set<std::string> checked;
  for (const RunSpec& run : grid.runs) {
    if (!checked.insert(run.config.name).second) continue;
    CG_RETURN_IF_ERROR(CheckWeightsPresent(run.config));
  }
  return Status::Ok();
}

}  // namespace clipglass::grid
