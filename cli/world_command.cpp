// `clipglass world render|parse`: the demo world on the command line (docs/demo_world.md).
//   render: seeded examples of a split as PNG files plus captions.tsv (file, caption, attributes)
//   parse:  the attributes a caption names, as world::ParseCaption reads them
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "common/file_util.h"
#include "common/png_codec.h"
#include "world/captions.h"
#include "world/dataset.h"
#include "world/render.h"

namespace clipglass::cli {
namespace {

struct RenderFlags {
  std::string split = "train";
  uint64_t seed = 0;
  uint64_t first = 0;
  int count = 8;
  int side = 32;
  std::string out;
};

void Render(const RenderFlags& flags) {
  world::Split split;
  if (flags.split == "train") {
    split = world::Split::kTrain;
  } else if (flags.split == "heldout") {
    split = world::Split::kHeldOut;
  } else {
    Fail(InvalidArgumentError("--split must be train or heldout, not '" + flags.split + "'"));
  }
  if (flags.side < 8) Fail(InvalidArgumentError("--side must be at least 8"));
  if (flags.count < 0) Fail(InvalidArgumentError("--count must not be negative"));
  std::error_code ec;
  std::filesystem::create_directories(flags.out, ec);
  if (ec) Fail(InvalidArgumentError(flags.out + ": cannot create the folder: " + ec.message()));
  std::string tsv = "file\tcaption\tshape\tcolour\tbackground\tsize\n";
  for (int i = 0; i < flags.count; ++i) {
    const uint64_t index = flags.first + static_cast<uint64_t>(i);
    const world::Example example = world::SampleExample(split, flags.seed, index);
    char name[64];
    std::snprintf(name, sizeof(name), "%s_s%llu_%06llu.png", flags.split.c_str(),
                  static_cast<unsigned long long>(flags.seed),
                  static_cast<unsigned long long>(index));
    StatusOr<std::string> png = EncodePng(world::RenderScene(example.scene, flags.side));
    CheckOk(png.status());
    CheckOk(WriteFileAtomically(flags.out + "/" + name, *png));
    const world::Attributes& a = example.scene.attributes;
    tsv += std::string(name) + "\t" + example.caption + "\t" +
           std::string(world::ShapeName(a.shape)) + "\t" +
           std::string(world::ColourName(a.colour)) + "\t" +
           std::string(world::ColourName(a.background)) + "\t" +
           std::string(world::SizeName(a.size)) + "\n";
  }
  CheckOk(WriteFileAtomically(flags.out + "/captions.tsv", tsv));
  std::printf("wrote %d images and captions.tsv to %s\n", flags.count, flags.out.c_str());
}

template <typename T, typename NameFn>
std::string OrDash(const std::optional<T>& value, NameFn name) {
  return value ? std::string(name(*value)) : std::string("-");
}

void Parse(const std::vector<std::string>& captions) {
  for (const std::string& caption : captions) {
    const world::ParsedCaption p = world::ParseCaption(caption);
    std::printf(
        "shape=%s colour=%s background=%s size=%s\n", OrDash(p.shape, world::ShapeName).c_str(),
        OrDash(p.colour, world::ColourName).c_str(),
        OrDash(p.background, world::ColourName).c_str(), OrDash(p.size, world::SizeName).c_str());
  }
}

}  // namespace

void AddWorldCommand(CLI::App& app) {
  CLI::App* world = app.add_subcommand(
      "world", "The demo world: render seeded examples, parse captions (docs/demo_world.md)");
  world->require_subcommand(1);

  auto render = std::make_shared<RenderFlags>();
  CLI::App* r = world->add_subcommand("render", "Write examples of a split as PNGs + captions.tsv");
  r->add_option("--split", render->split, "train or heldout")->capture_default_str();
  r->add_option("--seed", render->seed, "Dataset seed")->capture_default_str();
  r->add_option("--first", render->first, "Index of the first example")->capture_default_str();
  r->add_option("--count", render->count, "Number of examples")->capture_default_str();
  r->add_option("--side", render->side, "Image side in pixels")->capture_default_str();
  r->add_option("--out", render->out, "Output folder")->required();
  r->callback([render] { Render(*render); });

  auto captions = std::make_shared<std::vector<std::string>>();
  CLI::App* p = world->add_subcommand(
      "parse", "Print the attributes each caption names (shape, colour, background, size)");
  p->add_option("caption", *captions, "Captions")->required();
  p->callback([captions] { Parse(*captions); });
}

}  // namespace clipglass::cli
