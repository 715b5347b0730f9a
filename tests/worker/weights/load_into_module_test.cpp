// LoadIntoModule on a small module with nested names: exact match, missing, unexpected, wrong
// shape, ignored patterns, and that a failed load leaves the module untouched.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "worker/weights/state_dict.h"

namespace clipglass::weights {
namespace {

struct BlockImpl : torch::nn::Module {
  BlockImpl() {
    fc = register_module("fc", torch::nn::Linear(3, 2));
    register_buffer("running", torch::zeros({2}));
  }
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Block);

struct NetImpl : torch::nn::Module {
  NetImpl() {
    embed = register_parameter("embed", torch::zeros({4, 3}));
    blocks = register_module("blocks", torch::nn::ModuleList(Block(), Block()));
    register_buffer("steps", torch::zeros({}, torch::kLong));
  }
  at::Tensor embed;
  torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(Net);

StateDict MatchingDict() {
  StateDict dict;
  dict.source = "net.safetensors";
  dict.tensors["embed"] = torch::arange(12, torch::kFloat).reshape({4, 3});
  for (const char* b : {"blocks.0.", "blocks.1."}) {
    dict.tensors[std::string(b) + "fc.weight"] = torch::full({2, 3}, 0.5);
    dict.tensors[std::string(b) + "fc.bias"] = torch::full({2}, -1.0);
    dict.tensors[std::string(b) + "running"] = torch::full({2}, 7.0);
  }
  dict.tensors["steps"] = torch::tensor(42, torch::kLong);
  return dict;
}

TEST(LoadIntoModuleTest, CopiesParametersAndBuffersByNestedName) {
  Net net;
  ASSERT_TRUE(LoadIntoModule(*net, MatchingDict()).ok());
  EXPECT_TRUE(net->embed.equal(torch::arange(12, torch::kFloat).reshape({4, 3})));
  auto block = net->blocks[1]->as<BlockImpl>();
  EXPECT_TRUE(block->fc->bias.equal(torch::full({2}, -1.0)));
  EXPECT_TRUE(block->named_buffers()["running"].equal(torch::full({2}, 7.0)));
  EXPECT_EQ(net->named_buffers()["steps"].item<int64_t>(), 42);
  EXPECT_TRUE(net->embed.requires_grad());  // still a trainable parameter
}

TEST(LoadIntoModuleTest, MissingKeyIsNamed) {
  Net net;
  StateDict dict = MatchingDict();
  dict.tensors.erase("blocks.1.fc.bias");
  Status s = LoadIntoModule(*net, dict);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("1 missing key(s) 'blocks.1.fc.bias'"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("net.safetensors"), std::string::npos);
}

TEST(LoadIntoModuleTest, UnexpectedKeyIsNamedUnlessIgnored) {
  Net net;
  StateDict dict = MatchingDict();
  dict.tensors["blocks.0.attn.bias"] = torch::ones({1, 1, 4, 4});
  dict.tensors["blocks.1.attn.bias"] = torch::ones({1, 1, 4, 4});
  Status s = LoadIntoModule(*net, dict);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("2 unexpected key(s) 'blocks.0.attn.bias', 'blocks.1.attn.bias'"),
            std::string::npos)
      << s.message();
  // A whole-key match: a pattern matching only part of the key does not ignore it.
  EXPECT_FALSE(LoadIntoModule(*net, dict, {"attn\\.bias"}).ok());
  EXPECT_TRUE(LoadIntoModule(*net, dict, {"blocks\\.[0-9]+\\.attn\\.bias"}).ok());
}

TEST(LoadIntoModuleTest, ManyMismatchesAreSummarisedOnOneLine) {
  Net net;
  StateDict dict;
  dict.source = "other.safetensors";
  for (int i = 0; i < 9; ++i) dict.tensors["x." + std::to_string(i)] = torch::zeros({1});
  Status s = LoadIntoModule(*net, dict);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("8 missing key(s)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("and 3 more"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("9 unexpected key(s) 'x.0'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("and 4 more"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
}

TEST(LoadIntoModuleTest, WrongShapeNamesKeyAndBothShapesAndLeavesModuleUntouched) {
  Net net;
  StateDict dict = MatchingDict();
  dict.tensors["blocks.0.fc.weight"] = torch::zeros({3, 2});
  Status s = LoadIntoModule(*net, dict);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'blocks.0.fc.weight' has shape [3, 2] in the checkpoint but [2, 3] "
                             "in the model"),
            std::string::npos)
      << s.message();
  EXPECT_TRUE(net->embed.equal(torch::zeros({4, 3})));  // nothing copied
}

TEST(LoadIntoModuleTest, InvalidIgnoredPatternIsAnError) {
  Net net;
  Status s = LoadIntoModule(*net, MatchingDict(), {"(unclosed"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("(unclosed"), std::string::npos);
}

TEST(LoadIntoModuleTest, ConvertsDtypeOnCopy) {
  Net net;
  StateDict dict = MatchingDict();
  dict.tensors["embed"] = dict.tensors["embed"].to(torch::kHalf);
  ASSERT_TRUE(LoadIntoModule(*net, dict).ok());
  EXPECT_EQ(net->embed.scalar_type(), torch::kFloat);
  EXPECT_TRUE(net->embed.equal(torch::arange(12, torch::kFloat).reshape({4, 3})));
}

}  // namespace
}  // namespace clipglass::weights
