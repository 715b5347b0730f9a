#include "coordinator/ga/det_math.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace clipglass::ga {
namespace {

// ln 2 = kLn2Hi + kLn2Lo; kLn2Hi has 21 trailing zero bits, so k * kLn2Hi is exact for |k| < 2^20.
constexpr double kLn2Hi = 0x1.62e42feep-1;
constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;
constexpr double kInvLn2 = 0x1.71547652b82fep+0;
constexpr double kSqrtHalf = 0x1.6a09e667f3bcdp-1;

// 1 / (2n + 1) and 1 / n!, each rounded once (by the compiler, IEEE division).
constexpr auto kInvOdd = [] {
  std::array<double, 11> a{};
  for (int n = 0; n < 11; ++n) a[n] = 1.0 / (2 * n + 1);
  return a;
}();
constexpr auto kInvFactorial = [] {
  std::array<double, 14> a{};
  double f = 1.0;  // n! is exact in a double up to 18!
  for (int n = 0; n < 14; ++n) {
    if (n > 0) f *= n;
    a[n] = 1.0 / f;
  }
  return a;
}();

}  // namespace

double DetLog(double x) {
  if (std::isnan(x) || x < 0.0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return -std::numeric_limits<double>::infinity();
  if (std::isinf(x)) return x;
  // x = m * 2^k with m in [sqrt(1/2), sqrt(2)), read off the bits (subnormals scaled first).
  int k = 0;
  if (x < 0x1p-1022) {
    x *= 0x1p54;
    k = -54;
  }
  const uint64_t bits = std::bit_cast<uint64_t>(x);
  k += static_cast<int>(bits >> 52) - 1022;
  double m =
      std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3fe0000000000000ULL);  // [0.5, 1)
  if (m < kSqrtHalf) {
    m *= 2.0;
    --k;
  }
  // log(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1) / (m + 1), |s| <= 0.1716.
  const double f = m - 1.0;  // exact (Sterbenz)
  const double s = f / (m + 1.0);
  const double z = s * s;
  // Terms to z^10 (the next is < 1e-18 relative). Estrin's scheme: short dependency chains.
  const auto& c = kInvOdd;
  const double z2 = z * z;
  const double z4 = z2 * z2;
  const double z8 = z4 * z4;
  const double p = ((c[0] + c[1] * z) + z2 * (c[2] + c[3] * z)) +
                   z4 * ((c[4] + c[5] * z) + z2 * (c[6] + c[7] * z)) +
                   z8 * ((c[8] + c[9] * z) + z2 * c[10]);
  const double log_m = 2.0 * s * p;
  const double kd = static_cast<double>(k);
  return kd * kLn2Hi + (log_m + kd * kLn2Lo);
}

double DetExp(double x) {
  if (std::isnan(x)) return x;
  if (x > 709.782712893384) return std::numeric_limits<double>::infinity();
  if (x < -745.2) return 0.0;
  // x = k ln2 + r, |r| <= ln2 / 2; e^x = 2^k e^r.
  // Round to nearest (even) by the 1.5 * 2^52 trick: exact for |x / ln2| < 2^51.
  const double kd = (x * kInvLn2 + 0x1.8p52) - 0x1.8p52;
  const double r = (x - kd * kLn2Hi) - kd * kLn2Lo;
  // Taylor series of e^r to degree 13 (remainder < 5e-18 for |r| <= 0.347).
  const auto& c = kInvFactorial;
  const double r2 = r * r;
  const double r4 = r2 * r2;
  const double r8 = r4 * r4;
  double p = ((c[0] + c[1] * r) + r2 * (c[2] + c[3] * r)) +
             r4 * ((c[4] + c[5] * r) + r2 * (c[6] + c[7] * r)) +
             r8 * (((c[8] + c[9] * r) + r2 * (c[10] + c[11] * r)) + r4 * (c[12] + c[13] * r));
  // Scale by 2^k exactly; results below the normal range take two steps (one rounding).
  int k = static_cast<int>(kd);
  if (k < -1021) {
    p *= 0x1p-1000;
    k += 1000;
  } else if (k > 1023) {
    p *= 2.0;
    k -= 1;
  }
  return p * std::bit_cast<double>(static_cast<uint64_t>(k + 1023) << 52);
}

double DetPow(double x, double y) {
  if (y == 0.0) return 1.0;
  if (x == 0.0) return y > 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  if (x == 1.0) return 1.0;
  return DetExp(y * DetLog(x));
}

}  // namespace clipglass::ga
