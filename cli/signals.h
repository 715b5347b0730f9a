// Ctrl-C and SIGTERM as a request to stop cleanly (checkpoint, drain) rather than a kill.
#pragma once

#include <functional>

namespace clipglass::cli {

// Installs SIGINT/SIGTERM handlers that call `on_signal` from a watcher thread (so it may take
// locks and do I/O) when the first signal arrives. A second signal exits at once with status 130.
void StopOnSignals(std::function<void()> on_signal);

}  // namespace clipglass::cli
