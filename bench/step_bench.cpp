// SPDX-License-Identifier: MIT
// Every optimizer's step beside the memory bandwidth the same binary measures
// (optlab/bench/step_bench.hpp), at 1M and 16M float32 parameters; then the passes Lookahead
// and weight EMA add; then Muon, bound by its matrix products, beside the GEMM rate:
//
//   optlab_bench_step [--params N[,N...]] [--threads T] [--optimizers a,b,...]
//                     [--muon RxC[,RxC...]] [--json]
//   (OPTLAB_SIMD=baseline|avx2|avx512 picks the kernels' instruction set; --optimizers none
//   skips the memory-bound part, --muon none the matrices)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "optlab/bench/step_bench.hpp"
#include "optlab/core/simd.hpp"
#include "optlab/optim/registry.hpp"

namespace {
std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto comma = s.find(',', start);
        out.push_back(s.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}
}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes = {std::size_t{1} << 20, std::size_t{1} << 24};
    std::vector<std::string> names;
    for (const auto& o : optlab::optimizers()) {
        if (!o.matrices_only) names.emplace_back(o.name);  // Muon: its own table below
    }
    std::vector<std::string> muon_shapes = {"1024x1024", "4096x1024"};
    int threads = 2;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "optlab_bench_step: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--params") {
            sizes.clear();
            for (const auto& s : split(value())) sizes.push_back(std::stoull(s));
        } else if (arg == "--threads") {
            threads = std::stoi(value());
        } else if (arg == "--optimizers") {
            names = split(value());
            if (names == std::vector<std::string>{"none"}) names.clear();
        } else if (arg == "--muon") {
            muon_shapes = split(value());
            if (muon_shapes == std::vector<std::string>{"none"}) muon_shapes.clear();
        } else if (arg == "--json") {
            json = true;
        } else {
            std::fprintf(stderr, "usage: optlab_bench_step [--params N,...] [--threads T] [--optimizers a,b|none] "
                                 "[--muon RxC,...|none] [--json]\n");
            return arg == "--help" ? 0 : 2;
        }
    }
    if (!json) {
        std::printf("optimizer step vs memory bandwidth, float32, %d threads, %s kernels (fastest of interleaved rounds)\n",
                    threads, std::string(optlab::to_string(optlab::simd_target())).c_str());
        std::printf("%-9s %10s %8s %9s %10s %8s %11s %8s %9s %8s\n", "optimizer", "params", "bytes/p", "ns/param",
                    "step us", "GB/s", "shape GB/s", "of shape", "triad GB/s", "of triad");
    }
    for (std::size_t n : sizes) {
        for (const auto& name : names) {
            const optlab::StepBenchResult r = optlab::bench_step(name, n, threads);
            if (json) {
                std::printf("%s\n", optlab::to_json(r).c_str());
            } else {
                std::printf("%-9s %10zu %8.0f %9.3f %10.2f %8.2f %11.2f %7.0f%% %10.2f %7.0f%%\n", name.c_str(), n,
                            r.bytes_per_param, r.ns_per_param, r.step_ns / 1000, r.gbps, r.bandwidth_gbps,
                            100.0 * r.fraction_of_bandwidth, r.triad_gbps, 100.0 * r.gbps / r.triad_gbps);
            }
            std::fflush(stdout);
        }
        if (names.empty()) continue;
        for (const char* kind : {"lookahead", "ema"}) {
            const optlab::StepBenchResult r = optlab::bench_wrapper(kind, n, threads);
            if (json) {
                std::printf("%s\n", optlab::to_json(r).c_str());
            } else {
                std::printf("%-9s %10zu %8.0f %9.3f %10.2f %8.2f %11.2f %7.0f%%   (the wrapper's pass: wrapped step - sgd step)\n",
                            kind, n, r.bytes_per_param, r.ns_per_param, r.step_ns / 1000, r.gbps, r.bandwidth_gbps,
                            100.0 * r.fraction_of_bandwidth);
            }
            std::fflush(stdout);
        }
    }
    if (!muon_shapes.empty() && !json) {
        std::printf("\nmuon step vs sgemm on the same shapes, float32, %d threads (its Newton-Schulz flops / step time;\n"
                    "effective: the flops of the same products written as gemms, as torch does)\n", threads);
        std::printf("%-11s %10s %10s %10s %11s %8s\n", "matrix", "step ms", "GFLOP/s", "effective", "GEMM GFLOP/s",
                    "of GEMM");
    }
    for (const auto& shape : muon_shapes) {
        const auto x = shape.find('x');
        if (x == std::string::npos) {
            std::fprintf(stderr, "optlab_bench_step: --muon %s is not RxC\n", shape.c_str());
            return 2;
        }
        const optlab::MuonBenchResult r =
            optlab::bench_muon(std::stoull(shape.substr(0, x)), std::stoull(shape.substr(x + 1)), threads);
        if (json) {
            std::printf("%s\n", optlab::to_json(r).c_str());
        } else {
            std::printf("%-11s %10.2f %10.1f %10.1f %11.1f %7.0f%%\n", shape.c_str(), r.step_ms, r.gflops,
                        r.effective_gflops, r.gemm_gflops, 100.0 * r.fraction_of_gemm);
        }
        std::fflush(stdout);
    }
    return 0;
}
