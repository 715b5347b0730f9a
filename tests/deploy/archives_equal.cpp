// archives_equal A.h5 B.h5: exits 0 when two sweep archives hold the same results bit for bit
// (states, statistics, snapshots, fronts, final individuals; not wall times or provenance), else
// prints the differences and exits 1. The Slurm test compares a requeued sweep with an
// uninterrupted one through it.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "results/archive.h"
#include "tests/coordinator/runtime/archive_compare.h"

namespace {

std::string archive_a;
std::string archive_b;

TEST(ArchivesEqual, SameResults) {
  clipglass::StatusOr<clipglass::results::SweepRecord> a =
      clipglass::results::ReadArchive(archive_a);
  ASSERT_TRUE(a.ok()) << a.status().message();
  clipglass::StatusOr<clipglass::results::SweepRecord> b =
      clipglass::results::ReadArchive(archive_b);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(a->state, b->state);
  clipglass::testing::ExpectSameResults(*a, *b);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: archives_equal A.h5 B.h5\n");
    return 2;
  }
  archive_a = argv[1];
  archive_b = argv[2];
  return RUN_ALL_TESTS() == 0 ? 0 : 1;
}
