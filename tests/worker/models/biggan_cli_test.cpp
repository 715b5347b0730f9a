// Runs the real `clipglass model-run biggan` on the tests/data/reference/biggan fixture and checks
// the images it writes, and that bad invocations fail with one line on stderr.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/testing/run_command.h"
#include "tests/testing/temp_dir.h"
#include "tests/worker/models/tensor_match.h"
#include "worker/weights/state_dict.h"

namespace clipglass {
namespace {

using ::clipglass::testing::AllClose;
using ::clipglass::testing::ReferencePath;
using ::clipglass::testing::TempDir;

constexpr double kTol = 1e-4;

// Runs `clipglass model-run biggan <args>` (args already shell-safe); stdout is dropped.
test_support::CommandResult ModelRunBigGan(const std::string& args) {
  return test_support::RunCommand(std::string(CLIPGLASS_BINARY) + " model-run biggan " + args +
                                  " --threads 1 >/dev/null");
}

at::Tensor Fixture(const std::string& file, const std::string& key) {
  auto dict = weights::LoadStateDict(ReferencePath("biggan/" + file + ".safetensors"));
  EXPECT_TRUE(dict.ok()) << dict.status().ToString();
  if (!dict.ok()) return at::Tensor();
  auto t = dict->Get(key);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : at::Tensor();
}

at::Tensor OutputImage(const std::string& path) {
  auto dict = weights::LoadStateDict(path);
  EXPECT_TRUE(dict.ok()) << dict.status().ToString();
  if (!dict.ok()) return at::Tensor();
  EXPECT_EQ(dict->tensors.size(), 1u);
  auto img = dict->Get("img");
  EXPECT_TRUE(img.ok()) << img.status().ToString();
  return img.ok() ? *img : at::Tensor();
}

TEST(BigGanModelRun, WritesTheReferenceImagesAtEachTruncation) {
  TempDir dir("biggan_cli");
  const std::string weights = ReferencePath("biggan/weights.safetensors");
  struct Case {
    std::string z, classes, truncation, expected;
  };
  for (const Case& c : {Case{"z_trunc0.4", "class_onehot", "0.4", "img_trunc0.4"},
                        Case{"z_trunc1.0", "class_onehot", "1.0", "img_trunc1.0"},
                        Case{"z_extra", "class_extra", "0.617", "img_extra"}}) {
    const std::string in = dir.File("in.safetensors");
    const std::string out = dir.File("out.safetensors");
    ASSERT_TRUE(weights::SaveSafetensors(
                    in, {{"z", Fixture("inputs", c.z)}, {"class", Fixture("inputs", c.classes)}})
                    .ok());
    const test_support::CommandResult run =
        ModelRunBigGan("--weights " + weights + " --inputs " + in + " --out " + out +
                       " --truncation " + c.truncation);
    ASSERT_EQ(run.exit_code, 0) << c.expected << ": " << run.err;
    EXPECT_TRUE(AllClose(OutputImage(out), Fixture("outputs", c.expected), kTol, kTol))
        << c.expected;
  }
}

TEST(BigGanModelRun, GenomeInputFollowsTheClipGlassMapping) {
  // Genes = (z, log class_extra): softmax gives class_extra back, so the image is img_extra.
  TempDir dir("biggan_cli");
  const at::Tensor genome =
      at::cat({Fixture("inputs", "z_extra"), Fixture("inputs", "class_extra").log()}, 1);
  const std::string in = dir.File("genome.safetensors");
  const std::string out = dir.File("out.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(in, {{"genome", genome.to(at::kDouble)}}).ok());
  const test_support::CommandResult run =
      ModelRunBigGan("--weights " + ReferencePath("biggan/weights.safetensors") + " --inputs " +
                     in + " --out " + out + " --truncation 0.617");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(AllClose(OutputImage(out), Fixture("outputs", "img_extra"), kTol, kTol));
}

void ExpectOneLineFailure(const test_support::CommandResult& run, const std::string& needle) {
  EXPECT_NE(run.exit_code, 0);
  ASSERT_FALSE(run.err.empty());
  EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << run.err;
  EXPECT_NE(run.err.find(needle), std::string::npos) << run.err;
}

TEST(BigGanModelRun, BadInvocationsFailWithOneLine) {
  TempDir dir("biggan_cli");
  const std::string weights = ReferencePath("biggan/weights.safetensors");
  const std::string out = dir.File("out.safetensors");
  const std::string in = dir.File("in.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(in, {{"z", Fixture("inputs", "z_trunc1.0")},
                                            {"class", Fixture("inputs", "class_onehot")}})
                  .ok());
  ExpectOneLineFailure(ModelRunBigGan("--weights " + weights + " --inputs " + in + " --out " + out +
                                      " --truncation 1.5"),
                       "truncation");

  const std::string no_class = dir.File("no_class.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(no_class, {{"z", Fixture("inputs", "z_trunc1.0")}}).ok());
  ExpectOneLineFailure(
      ModelRunBigGan("--weights " + weights + " --inputs " + no_class + " --out " + out), "class");

  const std::string short_z = dir.File("short_z.safetensors");
  ASSERT_TRUE(weights::SaveSafetensors(short_z, {{"z", at::zeros({3, 100})},
                                                 {"class", Fixture("inputs", "class_onehot")}})
                  .ok());
  ExpectOneLineFailure(
      ModelRunBigGan("--weights " + weights + " --inputs " + short_z + " --out " + out),
      "[3, 100]");

  ExpectOneLineFailure(ModelRunBigGan("--weights " + dir.File("missing.safetensors") +
                                      " --inputs " + in + " --out " + out),
                       "missing.safetensors");
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace clipglass
