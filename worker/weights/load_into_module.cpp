// Strict loading by name: everything is checked before anything is copied, so a failed load
// leaves the module untouched.
#include <torch/nn/module.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "worker/weights/state_dict.h"

namespace clipglass::weights {
namespace {

constexpr size_t kKeysInMessage = 5;

std::string ShapeString(const at::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

std::string FirstFew(const std::vector<std::string>& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size() && i < kKeysInMessage; ++i) {
    out += (i ? ", '" : "'") + keys[i] + "'";
  }
  if (keys.size() > kKeysInMessage) {
    out += " and " + std::to_string(keys.size() - kKeysInMessage) + " more";
  }
  return out;
}

}  // namespace

Status LoadIntoModule(torch::nn::Module& module, const StateDict& dict,
                      const std::vector<std::string>& ignored) {
  std::vector<std::regex> patterns;
  for (const std::string& pattern : ignored) {
    try {
      patterns.emplace_back(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return InvalidArgumentError("invalid ignored-key pattern '" + pattern + "': " + e.what());
    }
  }
  std::vector<std::pair<std::string, at::Tensor>> targets;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    targets.emplace_back(item.key(), item.value());
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    targets.emplace_back(item.key(), item.value());
  }

  std::vector<std::string> missing;
  std::set<std::string> expected;
  for (const auto& [name, target] : targets) {
    expected.insert(name);
    const auto it = dict.tensors.find(name);
    if (it == dict.tensors.end()) {
      missing.push_back(name);
    } else if (it->second.sizes() != target.sizes()) {
      return InvalidArgumentError(dict.source + ": '" + name + "' has shape " +
                                  ShapeString(it->second) + " in the checkpoint but " +
                                  ShapeString(target) + " in the model");
    }
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, tensor] : dict.tensors) {
    if (expected.count(name)) continue;
    bool skip = false;
    for (const std::regex& pattern : patterns) skip = skip || std::regex_match(name, pattern);
    if (!skip) unexpected.push_back(name);
  }
  if (!missing.empty() || !unexpected.empty()) {
    std::string message = dict.source + ": checkpoint does not match the model:";
    if (!missing.empty()) {
      message += " " + std::to_string(missing.size()) + " missing key(s) " + FirstFew(missing);
    }
    if (!unexpected.empty()) {
      message += std::string(missing.empty() ? "" : ";") + " " + std::to_string(unexpected.size()) +
                 " unexpected key(s) " + FirstFew(unexpected);
    }
    return InvalidArgumentError(message);
  }

  at::NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    try {
      target.copy_(dict.tensors.at(name));
    } catch (const std::exception& e) {  // e.g. a dtype LibTorch cannot convert
      std::string what = e.what();
      what.resize(std::min(what.find('\n'), what.size()));
      return InvalidArgumentError(dict.source + ": '" + name + "': " + what);
    }
  }
  return Status::Ok();
}

}  // namespace clipglass::weights
