// Loaded model components (a CLIP, a generator, a discriminator) shared between the model sets
// that use them: StyleGAN2_ffhq_d and StyleGAN2_ffhq_nod share G and CLIP, and every config of a
// sweep usually shares one CLIP. The pool holds weak references, so a component lives exactly as
// long as some resident model set holds it, and counts the bytes of the live ones.
//
// Thread-compatible (the evaluator calls it from one thread at a time). No LibTorch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace clipglass::worker {

class ComponentPool {
 public:
  // The live component registered under `id`, or null. REQUIRES: it was added as a T.
  template <typename T>
  std::shared_ptr<T> Find(const std::string& id) const {
    auto it = entries_.find(id);
    if (it == entries_.end()) return nullptr;
    return std::static_pointer_cast<T>(it->second.component.lock());
  }

  // Registers a freshly loaded component of `bytes` (its parameters in the compute dtype).
  template <typename T>
  void Add(const std::string& id, const std::shared_ptr<T>& component, uint64_t bytes) {
    entries_[id] = Entry{
        std::static_pointer_cast<void>(std::const_pointer_cast<std::remove_const_t<T>>(component)),
        bytes};
  }

  bool IsLive(const std::string& id) const {
    auto it = entries_.find(id);
    return it != entries_.end() && !it->second.component.expired();
  }

  // Bytes of every component still held by someone; forgets the others.
  uint64_t LiveBytes() {
    uint64_t total = 0;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.component.expired()) {
        it = entries_.erase(it);
      } else {
        total += it->second.bytes;
        ++it;
      }
    }
    return total;
  }

 private:
  struct Entry {
    std::weak_ptr<void> component;
    uint64_t bytes = 0;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace clipglass::worker
