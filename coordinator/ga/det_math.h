// log, exp and pow written in plain double arithmetic, so the GA's operators give the same bits on
// every IEEE-754 machine. glibc picks different code paths per CPU (e.g. __ieee754_pow_fma on
// FMA machines), so std::pow is not a safe base for "the same seed gives the same populations on
// any machine". Accuracy: a few ULP (tested against std::), which is plenty for the operators.
// Requires that the compiler does not contract a * b + c into an FMA (ISO C++ mode, the project's
// -std=c++20 without GNU extensions, sets -ffp-contract=off on GCC).
//
// Ref: Cody & Waite 1980 (argument reduction with ln 2 split in two); Tang 1989; the ln2 split
// constants are fdlibm's.
#pragma once

namespace clipglass::ga {

// Natural logarithm; log(0) = -inf, log(x < 0) = NaN, log(inf) = inf.
double DetLog(double x);
// e^x; overflows to inf above ~709.78, underflows to 0 below ~-745.
double DetExp(double x);
// x^y for x >= 0 (the only case the operators use): exp(y * log(x)); pow(0, y > 0) = 0,
// pow(0, y < 0) = inf, pow(x, 0) = 1; NaN for x < 0.
double DetPow(double x, double y);

}  // namespace clipglass::ga
