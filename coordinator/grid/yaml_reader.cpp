#include "coordinator/grid/yaml_reader.h"

#include <charconv>
#include <cmath>

#include "common/file_util.h"

namespace clipglass::grid::internal {
namespace {

FileLocation FromMark(const std::string& path, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {path, 1, 1};
  return {path, mark.line + 1, mark.column + 1};
}

// yaml-cpp tags a quoted scalar "!" and a plain one "?".
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::string Shorten(const std::string& s) {
  constexpr size_t kMax = 40;
  return s.size() <= kMax ? s : s.substr(0, kMax) + "...";
}

}  // namespace

StatusOr<YamlDocument> YamlDocument::Load(const std::string& path) {
  StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return InvalidArgumentError(text.status().message());
  return Parse(path, *text);
}

StatusOr<YamlDocument> YamlDocument::Parse(const std::string& path, const std::string& text) {
  try {
    YAML::Node root = YAML::Load(text);
    return YamlDocument(path, text, root);
  } catch (const YAML::Exception& e) {
    return ErrorAt(FromMark(path, e.mark), "YAML syntax error: " + e.msg);
  }
}

FileLocation YamlDocument::Locate(const YAML::Node& node) const {
  return FromMark(path_, node.Mark());
}

std::string DescribeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return IsQuoted(node) ? "the string \"" + Shorten(node.Scalar()) + "\""
                            : "'" + Shorten(node.Scalar()) + "'";
    default:
      return "nothing";
  }
}

Status NodeToInt(const YamlDocument& doc, const YAML::Node& node, std::string_view what,
                 int64_t* out) {
  const auto fail = [&] {
    return doc.Error(node, std::string(what) + " must be an integer, got " + DescribeNode(node));
  };
  if (!node.IsScalar() || IsQuoted(node)) return fail();
  std::string_view s = node.Scalar();
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return doc.Error(node, std::string(what) + " is out of range: " + node.Scalar());
  }
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return fail();
  *out = value;
  return Status::Ok();
}

Status NodeToDouble(const YamlDocument& doc, const YAML::Node& node, std::string_view what,
                    double* out) {
  const auto fail = [&] {
    return doc.Error(node, std::string(what) + " must be a number, got " + DescribeNode(node));
  };
  if (!node.IsScalar() || IsQuoted(node)) return fail();
  std::string_view s = node.Scalar();
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || !std::isfinite(value)) {
    return fail();
  }
  *out = value;
  return Status::Ok();
}

Status NodeToBool(const YamlDocument& doc, const YAML::Node& node, std::string_view what,
                  bool* out) {
  if (node.IsScalar() && !IsQuoted(node)) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") {
      *out = true;
      return Status::Ok();
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      *out = false;
      return Status::Ok();
    }
  }
  return doc.Error(node, std::string(what) + " must be true or false, got " + DescribeNode(node));
}

Status NodeToString(const YamlDocument& doc, const YAML::Node& node, std::string_view what,
                    std::string* out) {
  if (!node.IsScalar()) {
    return doc.Error(node, std::string(what) + " must be a string, got " + DescribeNode(node));
  }
  *out = node.Scalar();
  return Status::Ok();
}

Status ExpectList(const YamlDocument& doc, const YAML::Node& node, std::string_view what) {
  if (node.IsSequence()) return Status::Ok();
  return doc.Error(node, std::string(what) + " must be a list, got " + DescribeNode(node));
}

StatusOr<MapReader> MapReader::Open(const YamlDocument& doc, const YAML::Node& node,
                                    std::string what, const std::vector<std::string>& known) {
  if (!node.IsMap()) {
    return doc.Error(node, what + " must be a map, got " + DescribeNode(node));
  }
  MapReader reader;
  reader.doc_ = &doc;
  reader.node_ = node;
  reader.what_ = std::move(what);
  for (auto it = node.begin(); it != node.end(); ++it) {
    // The iterator hands out a temporary pair: copy the nodes (they are handles).
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      return doc.Error(key, "keys of " + reader.what_ + " must be names, got " + DescribeNode(key));
    }
    const std::string& name = key.Scalar();
    if (const Entry* first = reader.Find(name)) {
      return doc.Error(key, "duplicate key '" + name + "' in " + reader.what_ + " (first at line " +
                                std::to_string(doc.Locate(first->key_node).line) + ")");
    }
    bool is_known = false;
    for (const std::string& k : known) is_known = is_known || k == name;
    if (!is_known) {
      const std::string hint = DidYouMean(name, known);
      return doc.Error(key, "unknown key '" + name + "' in " + reader.what_ +
                                (hint.empty() ? " (known keys: " + JoinNames(known) + ")" : hint));
    }
    reader.entries_.push_back({name, key, value});
  }
  return reader;
}

const MapReader::Entry* MapReader::Find(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

FileLocation MapReader::Where(std::string_view key) const {
  const Entry* e = Find(key);
  if (e == nullptr) return location();
  // An empty value's mark is wherever the next token starts: point at the key instead.
  return doc_->Locate(e->value.IsNull() ? e->key_node : e->value);
}

Status MapReader::EmptyValue(std::string_view key, std::string_view expected) const {
  return ErrorAt(Where(key), Quoted(key) + " must be " + std::string(expected) + ", got nothing");
}

Status MapReader::Require(std::string_view key) const {
  if (Has(key)) return Status::Ok();
  return ErrorAt(location(), "missing key '" + std::string(key) + "' in " + what_);
}

Status MapReader::ReadInt(std::string_view key, int64_t* out) const {
  if (!Has(key)) return Status::Ok();
  if (Value(key).IsNull()) return EmptyValue(key, "an integer");
  return NodeToInt(*doc_, Value(key), Quoted(key), out);
}

Status MapReader::ReadDouble(std::string_view key, double* out) const {
  if (!Has(key)) return Status::Ok();
  if (Value(key).IsNull()) return EmptyValue(key, "a number");
  return NodeToDouble(*doc_, Value(key), Quoted(key), out);
}

Status MapReader::ReadBool(std::string_view key, bool* out) const {
  if (!Has(key)) return Status::Ok();
  if (Value(key).IsNull()) return EmptyValue(key, "true or false");
  return NodeToBool(*doc_, Value(key), Quoted(key), out);
}

Status MapReader::ReadString(std::string_view key, std::string* out) const {
  if (!Has(key)) return Status::Ok();
  if (Value(key).IsNull()) return EmptyValue(key, "a string");
  return NodeToString(*doc_, Value(key), Quoted(key), out);
}

Status MapReader::ReadInt(std::string_view key, std::optional<Located<int64_t>>* out) const {
  if (!Has(key)) return Status::Ok();
  Located<int64_t> located{0, Where(key)};
  CG_RETURN_IF_ERROR(ReadInt(key, &located.value));
  *out = located;
  return Status::Ok();
}

Status MapReader::ReadDouble(std::string_view key, std::optional<Located<double>>* out) const {
  if (!Has(key)) return Status::Ok();
  Located<double> located{0, Where(key)};
  CG_RETURN_IF_ERROR(ReadDouble(key, &located.value));
  *out = located;
  return Status::Ok();
}

Status MapReader::ReadBool(std::string_view key, std::optional<Located<bool>>* out) const {
  if (!Has(key)) return Status::Ok();
  Located<bool> located{false, Where(key)};
  CG_RETURN_IF_ERROR(ReadBool(key, &located.value));
  *out = located;
  return Status::Ok();
}

}  // namespace clipglass::grid::internal
