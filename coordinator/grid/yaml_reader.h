// Strict, located reading of YAML for the grid and config loaders. Internal to clipglass_grid:
// no YAML::Node leaves this library.
//
// Every error is one line "file:line:column: message" (InvalidArgument). Scalars are strict:
// integers are decimal without a fraction, booleans are true/false, and a quoted '5' is a string.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "coordinator/grid/enum_names.h"
#include "coordinator/grid/file_location.h"
#include "coordinator/grid/suggest.h"

namespace clipglass::grid::internal {

// A value and where it was written.
template <typename T>
struct Located {
  T value{};
  FileLocation where;
};

// One parsed YAML file.
class YamlDocument {
 public:
  // Reads and parses `path`; a missing file or a syntax error is an InvalidArgument naming it.
  static StatusOr<YamlDocument> Load(const std::string& path);
  // Parses `text` as if read from `path`.
  static StatusOr<YamlDocument> Parse(const std::string& path, const std::string& text);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  const YAML::Node& root() const { return root_; }

  // Where `node` starts; the file's start when yaml-cpp has no mark for it.
  FileLocation Locate(const YAML::Node& node) const;
  Status Error(const YAML::Node& node, std::string_view message) const {
    return ErrorAt(Locate(node), message);
  }

 private:
  YamlDocument(std::string path, std::string text, YAML::Node root)
      : path_(std::move(path)), text_(std::move(text)), root_(std::move(root)) {}

  std::string path_;
  std::string text_;
  YAML::Node root_;
};

// "a list", "a map", "nothing" or "'text'": what the user wrote instead, for type errors.
std::string DescribeNode(const YAML::Node& node);

// Strict conversions of one node. `what` names it in the message ("'population'", "an item of
// axis 'seed'").
Status NodeToInt(const YamlDocument& doc, const YAML::Node& node, std::string_view what,
                 int64_t* out);
Status NodeToDouble(const YamlDocument& doc, const YAML::Node& node, std::string_view what,
                    double* out);
Status NodeToBool(const YamlDocument& doc, const YAML::Node& node, std::string_view what,
                  bool* out);
Status NodeToString(const YamlDocument& doc, const YAML::Node& node, std::string_view what,
                    std::string* out);
Status ExpectList(const YamlDocument& doc, const YAML::Node& node, std::string_view what);

template <typename E>
Status NodeToEnum(const YamlDocument& doc, const YAML::Node& node, std::string_view what,
                  std::span<const EnumName<E>> table, E* out) {
  std::string name;
  CG_RETURN_IF_ERROR(NodeToString(doc, node, what, &name));
  for (const auto& entry : table) {
    if (entry.name == name) {
      *out = entry.value;
      return Status::Ok();
    }
  }
  const std::vector<std::string> names = NamesOf(table);
  return doc.Error(node, std::string(what) + " must be one of " + JoinNames(names) + ", got '" +
                             name + "'" + DidYouMean(name, names));
}

// A map whose keys were checked once: all strings, none repeated, none unknown.
class MapReader {
 public:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };

  // Fails unless `node` is such a map. `what` names the map in messages ("the grid", "ga").
  static StatusOr<MapReader> Open(const YamlDocument& doc, const YAML::Node& node, std::string what,
                                  const std::vector<std::string>& known);

  const YamlDocument& doc() const { return *doc_; }
  const std::string& what() const { return what_; }
  const std::vector<Entry>& entries() const { return entries_; }
  FileLocation location() const { return doc_->Locate(node_); }

  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  const Entry* Find(std::string_view key) const;
  // REQUIRES: Has(key).
  const YAML::Node& Value(std::string_view key) const { return Find(key)->value; }
  // Where the key's value is written (the key itself when the value is empty).
  FileLocation Where(std::string_view key) const;

  // "missing key 'task' in the config" unless the key is present.
  Status Require(std::string_view key) const;

  // Each reader leaves `out` untouched when the key is absent.
  Status ReadInt(std::string_view key, int64_t* out) const;
  Status ReadDouble(std::string_view key, double* out) const;
  Status ReadBool(std::string_view key, bool* out) const;
  Status ReadString(std::string_view key, std::string* out) const;
  template <typename E>
  Status ReadEnum(std::string_view key, std::span<const EnumName<E>> table, E* out) const {
    if (!Has(key)) return Status::Ok();
    if (Value(key).IsNull()) return EmptyValue(key, "one of " + JoinNames(NamesOf(table)));
    return NodeToEnum(*doc_, Value(key), Quoted(key), table, out);
  }

  // Located variants for settings merged from several files.
  Status ReadInt(std::string_view key, std::optional<Located<int64_t>>* out) const;
  Status ReadDouble(std::string_view key, std::optional<Located<double>>* out) const;
  Status ReadBool(std::string_view key, std::optional<Located<bool>>* out) const;
  template <typename E>
  Status ReadEnum(std::string_view key, std::span<const EnumName<E>> table,
                  std::optional<Located<E>>* out) const {
    if (!Has(key)) return Status::Ok();
    Located<E> located{E{}, Where(key)};
    CG_RETURN_IF_ERROR(ReadEnum(key, table, &located.value));
    *out = located;
    return Status::Ok();
  }

 private:
  // "'key' must be <expected>, got nothing" at the key.
  Status EmptyValue(std::string_view key, std::string_view expected) const;
  static std::string Quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

  const YamlDocument* doc_ = nullptr;
  YAML::Node node_;
  std::string what_;
  std::vector<Entry> entries_;
};

}  // namespace clipglass::grid::internal
