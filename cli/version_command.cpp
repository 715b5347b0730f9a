#include <cstdio>

#include "cli/commands.h"

namespace clipglass::cli {

void AddVersionCommand(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("version", "Print the program version");
  sub->callback([] { std::printf("clipglass %s\n", CLIPGLASS_VERSION); });
}

}  // namespace clipglass::cli
