// SPDX-License-Identifier: MIT
// A quotient x/d whose divisor is fixed for a whole pass (LAMB's bias corrections, Adafactor's
// max(mean(r), ε1)), bit for bit as the division, for the optimizers' loops (private to src/).
//
// In float32, x/d is float(double(x)·r) with r = 1/d rounded to float64: a multiplication
// instead of a division. It is exact for every float32 x — zeros, subnormals, infinities, a
// quotient past the largest float — and every normal d < 2 (and any normal d whose quotients
// stay out of the subnormals), because a float32 quotient is never near a rounding boundary of
// float32. With x = X·2^a, d = D·2^b (X, D integers below 2^24, D ≥ 2^23) and a boundary
// m = (2M+1)·2^c (c = the quotient's exponent − 24, or −150 among the subnormals),
// x/d − m = (X·2^a − (2M+1)·D·2^(b+c)) / (D·2^b) is a multiple of 2^min(a, b+c)/(D·2^b), and
// not 0: x/d = m would need x to have a significand of 25 bits or, among the subnormals with
// d < 2, a bit below 2^-149. So |x/d − m| > 2^-49·|x/d|, while the float64 product
// double(x)·r is within (2^-53 + 2^-53 + 2^-106)·|x/d| < 2^-51·|x/d| of x/d: the two are on
// the same side of every boundary and round to the same float. lamb_test checks it against the
// division on every bias correction of the tested betas (a sample of numerators each) and, in a
// DISABLED_ test, on all 2^32 numerators of some of them.
//
// float64 keeps the division: there is no wider type to multiply in, and Markstein's
// correction (q = x·r; q' = q + fma(−q, d, x)·r) is exact only under a condition on each
// divisor, needs fused multiply-adds (the baseline x86-64 copy of the kernels has none) and a
// fallback where the quotient is subnormal.
#pragma once

#include <limits>
#include <type_traits>

namespace optlab {

/// Whether x/d may be computed as by_reciprocal(x, inverse_of(d)) for every x of type T.
template <class T>
bool reciprocal_exact(T d) {
    return std::is_same_v<T, float> && d > T(0) && d < T(2) && d >= std::numeric_limits<T>::min();
}

/// 1/d in float64. d goes through memory on purpose: GCC 12, vectorising the computation of
/// LAMB's two bias corrections, divided 1 by 1 − β^t as it was before its cast to float
/// (double(float(y)) folded to y), and the quotients came out an ulp off.
template <class T>
double inverse_of(T d) {
    volatile T stored = d;
    return 1.0 / double(stored);
}

/// x/d as float(double(x)·r), r = inverse_of(d); only where reciprocal_exact(d).
inline float by_reciprocal(float x, double inverse) { return float(double(x) * inverse); }

}  // namespace optlab
