// SPDX-License-Identifier: MIT
#include "optlab/core/plain_math.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace optlab::plain {

namespace {

// ln 2 = kLn2Hi + kLn2Lo, kLn2Hi with its low 32 bits zero, so k·kLn2Hi is exact for |k| < 2^20
// (fdlibm's split).
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kLog2e = 1.44269504088896338700e+00;
// 2π = kTwoPiHi + kTwoPiLo.
constexpr double kTwoPiHi = 6.28318530717958623200e+00;
constexpr double kTwoPiLo = 2.44929359829470635445e-16;

// Series coefficients, computed by the compiler from exact integers (each division rounded as
// IEEE 754 says, as every compiler does): a multiplication per term where the loop would
// divide, which is most of the cost of a network's forward pass.
struct Coefficients {
    double inverse_factorial[32];  // 1/n!
    double inverse_odd[26];        // 1/(2n + 1)
};
constexpr Coefficients make_coefficients() {
    Coefficients c{};
    double factorial = 1;
    for (int n = 0; n < 32; ++n) {
        if (n > 0) factorial *= n;  // exact up to 22!, then rounded, each step the same everywhere
        c.inverse_factorial[n] = 1.0 / factorial;
    }
    for (int n = 0; n < 26; ++n) c.inverse_odd[n] = 1.0 / double(2 * n + 1);
    return c;
}
constexpr Coefficients kC = make_coefficients();

}  // namespace

double exp(double x) {
    if (x != x) return x;
    if (x > 709.782712893384) return std::numeric_limits<double>::infinity();
    if (x < -745.1332191019412) return 0.0;
    const double k = std::floor(x * kLog2e + 0.5);
    const double r = (x - k * kLn2Hi) - k * kLn2Lo;
    // Σ r^n/n! for n = 0..13 (the rest below 2^−55 of the sum for |r| ≤ ln2/2) by Estrin's
    // scheme: pairs, then pairs of pairs, so the products do not wait on each other in a chain
    // as Horner's would (this exp is most of a network's forward pass in the page).
    const double* c = kC.inverse_factorial;
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double s0 = (c[0] + c[1] * r) + (c[2] + c[3] * r) * r2;
    const double s1 = (c[4] + c[5] * r) + (c[6] + c[7] * r) * r2;
    const double s2 = (c[8] + c[9] * r) + (c[10] + c[11] * r) * r2;
    const double s3 = c[12] + c[13] * r;
    const double p = (s0 + s1 * r4) + (s2 + s3 * r4) * r8;
    // ·2^k: exact, by the exponent's bits where 2^k is a normal double, else in two factors.
    const int e = int(k);
    if (e >= -1022 && e <= 1023) {
        const std::uint64_t bits = std::uint64_t(e + 1023) << 52;
        double two_to_e;
        std::memcpy(&two_to_e, &bits, sizeof two_to_e);  // (emscripten's libc++ has no std::bit_cast)
        return p * two_to_e;
    }
    const int half = e / 2;
    return std::ldexp(std::ldexp(p, half), e - half);
}

double log(double x) {
    if (x != x || x < 0) return std::numeric_limits<double>::quiet_NaN();
    if (x == 0) return -std::numeric_limits<double>::infinity();
    if (x == std::numeric_limits<double>::infinity()) return x;
    int e = 0;
    double m = std::frexp(x, &e);  // x = m·2^e, m in [0.5, 1)
    if (m < 0.70710678118654752440) {
        m *= 2.0;
        --e;
    }
    const double s = (m - 1.0) / (m + 1.0), s2 = s * s;  // |s| ≤ 0.1716, s² ≤ 0.0295
    // atanh(s)/s = Σ s^(2n)/(2n + 1) for n = 0..12.
    double p = kC.inverse_odd[12];
    for (int n = 11; n >= 0; --n) p = kC.inverse_odd[n] + s2 * p;
    const double de = double(e);
    return de * kLn2Hi + (2.0 * s * p + de * kLn2Lo);
}

double sin(double x) {
    if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
    const double k = std::floor(x / (kTwoPiHi + kTwoPiLo) + 0.5);
    const double r = (x - k * kTwoPiHi) - k * kTwoPiLo, r2 = r * r;
    // Σ (−1)^n r^(2n+1)/(2n+1)! for n = 0..15, by Horner in r².
    double p = kC.inverse_factorial[31];
    for (int n = 14; n >= 0; --n) p = kC.inverse_factorial[2 * n + 1] - p * r2;
    return r * p;
}

double tanh(double x) {
    if (x != x) return x;
    const double a = std::fabs(x);
    double t;
    if (a > 20.0) {
        t = 1.0;  // 1 − tanh(20) < 2^−56
    } else if (a < 0.5) {
        const double a2 = a * a;
        double sinh = kC.inverse_factorial[19], cosh = kC.inverse_factorial[18];  // sinh(a)/a and cosh(a), to a^18
        for (int n = 8; n >= 0; --n) {
            sinh = kC.inverse_factorial[2 * n + 1] + sinh * a2;
            cosh = kC.inverse_factorial[2 * n] + cosh * a2;
        }
        t = a * sinh / cosh;
    } else {
        const double e = exp(-2.0 * a);
        t = (1.0 - e) / (1.0 + e);
    }
    return x < 0 ? -t : t;
}

double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

}  // namespace optlab::plain
