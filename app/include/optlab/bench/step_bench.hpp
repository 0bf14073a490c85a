// SPDX-License-Identifier: MIT
// Measuring an optimizer step against the memory bandwidth the same process measures.
//
// An optimizer step is memory-bound: Adam reads p, g, m, v and writes p, m, v — 28 bytes per
// float32 parameter — and does a handful of flops on them. So a step is timed next to a kernel
// of its own shape (it reads the same number of arrays and writes the same ones back, every
// written array also read, so there is no write-allocate traffic) and next to STREAM triad
// (a = b + s·c, counted as 12 bytes per float32). The three are timed in interleaved rounds
// (at least 7, and until each has been sampled for `sample_seconds`) and the fastest sample of each
// counts. On a shared machine whose bandwidth drifts, the fastest of more samples is faster:
// compare two programs only with the same sampling time on each side.
#pragma once

#include <cstddef>
#include <string>

#include "optlab/optim/registry.hpp"

namespace optlab {

struct StepBenchResult {
    std::string optimizer;
    std::size_t params = 0;
    int threads = 0;
    double ns_per_param = 0;
    double bytes_per_param = 0;        // what the default step must read and write
    double gbps = 0;                   // bytes_per_param / ns_per_param
    double bandwidth_gbps = 0;         // the kernel of the optimizer's shape
    double fraction_of_bandwidth = 0;  // gbps / bandwidth_gbps
    double triad_gbps = 0;             // STREAM triad
    double step_ns = 0;                // one whole step, in nanoseconds (latency of small steps)
    std::string simd;                  // the instruction set the kernels ran with (simd.hpp)
};

/// Times `optimizer`'s default float32 step over `params` parameters on `threads` threads,
/// sampling each kernel for at least `sample_seconds` (> 0).
StepBenchResult bench_step(const std::string& optimizer, std::size_t params, int threads,
                           double sample_seconds = 0.2);

/// Whether bench_step has a comparison kernel of this shape (every registered optimizer's
/// traffic must have one: registry_test checks).
bool has_shape_kernel(StepTraffic shape);

/// The extra pass a wrapper adds to a step ("lookahead", synchronising every step, or "ema"):
/// the wrapped SGD step minus the plain one, against a kernel of the pass's shape (EMA reads p
/// and e and writes e; Lookahead reads and writes p and φ). `optimizer` is "sgd+<kind>".
StepBenchResult bench_wrapper(const std::string& kind, std::size_t params, int threads,
                              double sample_seconds = 0.2);

/// Muon's float32 step on one rows×cols matrix: its Newton–Schulz flops per second beside the
/// rate of the same GEMMs (same shapes, same BLAS, same threads) timed by this binary.
struct MuonBenchResult {
    std::size_t rows = 0, cols = 0;
    int threads = 0;
    double step_ms = 0;
    double flops = 0;               // the Newton–Schulz products' flops as Muon computes them (syrk, symm)
    double gemm_formula_flops = 0;  // the same products written as gemms (torch's addmm)
    double gflops = 0;              // flops / step time
    double effective_gflops = 0;    // gemm_formula_flops / step time
    double gemm_gflops = 0;         // the products as bare sgemms, same shapes: the machine's rate
    double fraction_of_gemm = 0;    // gflops / gemm_gflops
};
MuonBenchResult bench_muon(std::size_t rows, std::size_t cols, int threads, double sample_seconds = 0.5);

/// One JSON object with every field.
std::string to_json(const StepBenchResult& r);
std::string to_json(const MuonBenchResult& r);

}  // namespace optlab
