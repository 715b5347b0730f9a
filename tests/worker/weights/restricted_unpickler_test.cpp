// The restricted unpickler on hand-made pickles: what a torch.save state dict holds is rebuilt,
// anything else is refused, and no truncation or corruption makes it crash.
#include "worker/weights/restricted_unpickler.h"

#include <gtest/gtest.h>

#include "tests/worker/weights/pickle_builder.h"

namespace clipglass::weights {
namespace {

namespace pk = testing::pickle;
using namespace std::string_literals;
using Kind = PickleNode::Kind;

std::string StateDictPickle() {
  // OrderedDict with a memoised storage reused by a second tensor, and _metadata set by BUILD.
  std::string p =
      pk::Proto() + pk::Dict({
                        {"a.weight", pk::Tensor("HalfStorage", "0", 6, 0, {2, 3}, {3, 1})},
                        {"a.bias", pk::Tensor("FloatStorage", "1", 2, 1, {1}, {1})},
                        {"n", pk::Tensor("LongStorage", "2", 1, 0, {}, {})},
                    });
  p += pk::Dict({{"_metadata", pk::Dict({{"", pk::Dict({{"version", pk::Int(1)}}, false)}})}},
                false) +
       "b";
  return p + pk::Stop();
}

TEST(RestrictedUnpicklerTest, RebuildsAStateDict) {
  auto pickle = Unpickle(StateDictPickle(), "sd.pt");
  ASSERT_TRUE(pickle.ok()) << pickle.status().ToString();
  const PickleNode* root = pickle->root;
  ASSERT_EQ(root->kind, Kind::kDict);
  ASSERT_EQ(root->entries.size(), 3u);
  EXPECT_EQ(root->entries[0].first->text, "a.weight");
  const PickleNode* w = root->entries[0].second;
  ASSERT_EQ(w->kind, Kind::kTensor);
  EXPECT_EQ(w->storage_type, "HalfStorage");
  EXPECT_EQ(w->storage_key, "0");
  EXPECT_EQ(w->storage_numel, 6);
  EXPECT_EQ(w->sizes, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w->strides, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(root->entries[1].second->storage_offset, 1);
  EXPECT_TRUE(root->entries[2].second->sizes.empty());  // 0-d
}

TEST(RestrictedUnpicklerTest, ParsesMemoAndSmallOpcodes) {
  // [1, -2, 300, 2**40, True, None, 1.5, 'x'] built with BINPUT/BINGET, APPENDS, LONG1, ...
  const std::string p = pk::Proto() +
                        "]q\x00(K\x01J\xfe\xff\xff\xffM\x2c\x01\x8a\x06\x00\x00\x00\x00"
                        "\x00\x01\x88NG\x3f\xf8\x00\x00\x00\x00\x00\x00\x8c\x01xh\x00"
                        "\x85\x30"
                        "e."s;
  auto pickle = Unpickle(p, "m.pkl");
  ASSERT_TRUE(pickle.ok()) << pickle.status().ToString();
  const auto& items = pickle->root->items;
  ASSERT_EQ(items.size(), 8u);
  EXPECT_EQ(items[0]->integer, 1);
  EXPECT_EQ(items[1]->integer, -2);
  EXPECT_EQ(items[2]->integer, 300);
  EXPECT_EQ(items[3]->integer, int64_t{1} << 40);
  EXPECT_TRUE(items[4]->boolean);
  EXPECT_EQ(items[5]->kind, Kind::kNone);
  EXPECT_EQ(items[6]->real, 1.5);
  EXPECT_EQ(items[7]->text, "x");
}

TEST(RestrictedUnpicklerTest, RefusesOtherGlobals) {
  for (const auto& [module, name] :
       std::vector<std::pair<std::string, std::string>>{{"os", "system"},
                                                        {"builtins", "eval"},
                                                        {"torch", "load"},
                                                        {"torch._utils", "_rebuild_qtensor"},
                                                        {"collections", "defaultdict"}}) {
    auto pickle =
        Unpickle(pk::Proto() + pk::Global(module, name) + pk::Tuple({pk::Str("x")}) + "R.", "evil");
    ASSERT_FALSE(pickle.ok()) << module << "." << name;
    EXPECT_EQ(pickle.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(pickle.status().message().find("'" + module + "." + name + "'"), std::string::npos)
        << pickle.status().message();
  }
}

TEST(RestrictedUnpicklerTest, RejectsMalformedInput) {
  const std::vector<std::string> bad = {
      "",                                                         // empty
      pk::Proto(),                                                // no STOP
      "t.",                                                       // TUPLE without MARK
      "\x80\x02(K\x01.",                                          // STOP with an open MARK
      "\x80\x02K\x01K\x02.",                                      // two values left
      "h\x05."s,                                                  // GET of an unset memo entry
      "\x80\x02X\xff\xff\xff\xff",                                // string longer than the input
      "\x80\x02K\x01s.",                                          // SETITEM on a short stack
      "\x80\x02]K\x01K\x02s.",                                    // SETITEM on a list
      "\x80\x02\x8a\x09" + std::string(9, '\1') + ".",            // LONG1 too wide
      "\x80\x02\xff.",                                            // unknown opcode
      pk::Proto() + pk::Global("torch", "FloatStorage") + ")R.",  // storage called directly
      pk::Proto() + pk::Tuple({pk::Str("storage")}) + "Q.",       // short persistent id
  };
  for (const std::string& input : bad) {
    auto pickle = Unpickle(input, "bad.pkl");
    EXPECT_FALSE(pickle.ok()) << ::testing::PrintToString(input);
    if (!pickle.ok()) {
      EXPECT_EQ(pickle.status().message().rfind("bad.pkl: ", 0), 0u) << pickle.status().message();
    }
  }
}

TEST(RestrictedUnpicklerTest, EveryTruncationFailsCleanly) {
  const std::string good = StateDictPickle();
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(Unpickle(good.substr(0, n), "t").ok()) << n;
  }
}

TEST(RestrictedUnpicklerTest, MemoCyclesDoNotCrash) {
  // l = []; l.append(l): the arena owns the nodes, so this is neither a leak nor a crash.
  auto pickle = Unpickle(
      "\x80\x02]q\x00h\x00"
      "a."s,
      "cycle");
  ASSERT_TRUE(pickle.ok()) << pickle.status().ToString();
  EXPECT_EQ(pickle->root->items.at(0), pickle->root);
}

}  // namespace
}  // namespace clipglass::weights
