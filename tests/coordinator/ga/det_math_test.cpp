#include "coordinator/ga/det_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "coordinator/ga/rng.h"

namespace clipglass::ga {
namespace {

// Distance in units in the last place between two finite doubles of the same sign.
int64_t Ulps(double a, double b) {
  int64_t ia, ib;
  std::memcpy(&ia, &a, sizeof a);
  std::memcpy(&ib, &b, sizeof b);
  return ia > ib ? ia - ib : ib - ia;
}

TEST(DetMathTest, LogIsWithinFourUlpsOfTheLibrary) {
  Rng rng(1);
  int64_t worst = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = std::exp((rng.Uniform() - 0.5) * 1380.0);  // 1e-300 .. 1e300
    const double mine = DetLog(x);
    const double ref = std::log(x);
    if (std::fabs(ref) < 1e-300) continue;
    if (std::signbit(mine) != std::signbit(ref)) {
      EXPECT_NEAR(mine, ref, 1e-15);
      continue;
    }
    worst = std::max(worst, Ulps(mine, ref));
  }
  EXPECT_LE(worst, 4);
  // Around 1, where cancellation would hurt a naive method.
  for (double x : {1.0 - 1e-12, 1.0 + 1e-12, 0.999, 1.001, 0.75, 1.4}) {
    EXPECT_NEAR(DetLog(x), std::log(x),
                4 * std::numeric_limits<double>::epsilon() * std::fabs(std::log(x)));
  }
}

TEST(DetMathTest, ExpIsWithinFourUlpsOfTheLibrary) {
  Rng rng(2);
  int64_t worst = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = (rng.Uniform() - 0.5) * 1400.0;  // -700 .. 700
    worst = std::max(worst, Ulps(DetExp(x), std::exp(x)));
  }
  EXPECT_LE(worst, 4);
}

TEST(DetMathTest, PowOverTheOperatorsRanges) {
  Rng rng(3);
  double worst = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = rng.Uniform() * 2.0 + 1e-12;          // bases in (0, 2]
    const double y = (rng.Uniform() - 0.5) * 2.0 * 101.0;  // +-(eta + 1), 1 / (eta + 1)
    const double ref = std::pow(x, y);
    if (!std::isfinite(ref) || ref == 0.0 || ref > 1e300 || ref < 1e-300) continue;
    worst = std::max(worst, std::fabs(DetPow(x, y) - ref) / ref);
  }
  EXPECT_LT(worst, 1e-13);
}

TEST(DetMathTest, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(DetLog(0.0), -inf);
  EXPECT_EQ(DetLog(inf), inf);
  EXPECT_TRUE(std::isnan(DetLog(-1.0)));
  EXPECT_EQ(DetLog(1.0), 0.0);
  EXPECT_EQ(DetExp(0.0), 1.0);
  EXPECT_EQ(DetExp(-inf), 0.0);
  EXPECT_EQ(DetExp(inf), inf);
  EXPECT_EQ(DetExp(-800.0), 0.0);
  EXPECT_EQ(DetPow(0.0, 0.25), 0.0);
  EXPECT_EQ(DetPow(0.0, -4.0), inf);
  EXPECT_EQ(DetPow(0.3, 0.0), 1.0);
  EXPECT_EQ(DetPow(1.0, -16.0), 1.0);
  EXPECT_GT(DetExp(-744.0), 0.0);  // subnormal results survive
}

}  // namespace
}  // namespace clipglass::ga
