// SPDX-License-Identifier: MIT
#include "cmd_optimizers.hpp"

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "optimizer_flags.hpp"
#include "optlab/io/hyper_json.hpp"
#include "optlab/bench/step_bench.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/core/simd.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/problems/functions2d.hpp"

namespace optlab::cli {

namespace {

// The registry as one JSON object per optimizer, for scripts (bench/step_vs_torch.py).
std::string registry_json(Convention c) {
    nlohmann::json all = nlohmann::json::array();
    for (const OptimizerInfo& o : optimizers()) {
        all.push_back({{"name", o.name},
                       {"label", o.label},
                       {"summary", o.summary},
                       {"defaults", nlohmann::json::parse(hyper_to_json(o.defaults(c)))},
                       {"buffers", std::vector<std::string>(o.buffers.begin(), o.buffers.end())},
                       {"bytes_per_param", o.traffic.bytes_per_param(4)},
                       {"matrices_only", o.matrices_only},
                       {"learning_rate_free", o.learning_rate_free},
                       {"needs_closure", o.needs_closure},
                       {"beyond_diagonal", o.beyond_diagonal}});
    }
    return all.dump();
}

}  // namespace

void setup_optimizers(CLI::App& app, int& exit_code) {
    auto convention = std::make_shared<std::string>("torch");
    auto json = std::make_shared<bool>(false);
    CLI::App* sub = app.add_subcommand(
        "optimizers", "List the optimizers with their hyper-parameters' defaults");
    sub->add_option("--convention", *convention, "torch, keras or book")
        ->check(CLI::IsMember({"torch", "keras", "book"}))
        ->capture_default_str();
    sub->add_flag("--json", *json, "One JSON array: name, label, summary, defaults, buffers, bytes_per_param, and the flags matrices_only, "
                  "learning_rate_free, needs_closure, beyond_diagonal");
    sub->callback([convention, json, &exit_code] {
        const Convention c = parse_convention(*convention);
        exit_code = 0;
        if (*json) {
            std::cout << registry_json(c) << std::endl;
            return;
        }
        std::string out;
        for (const OptimizerInfo& o : optimizers()) {
            out += fmt::format("{:<9} {}\n", o.name, o.summary);
            std::string defaults;
            for (const auto& [key, value] : o.defaults(c)) {
                defaults += fmt::format(" {}={}", key, to_string(value));
            }
            out += fmt::format("          defaults ({}):{}\n", *convention, defaults);
            std::string state;
            for (auto b : o.buffers) state += (state.empty() ? "" : ", ") + std::string(b);
            out += fmt::format("          state: {}; a float32 step moves {} bytes per parameter\n",
                               state.empty() ? "none" : state, o.traffic.bytes_per_param(4));
        }
        std::cout << out;
        exit_code = 0;
    });
}

void setup_bench(CLI::App& app, int& exit_code) {
    CLI::App* bench = app.add_subcommand("bench", "Measure this machine");
    bench->require_subcommand(1);
    struct Flags {
        std::string optimizer = "adam";
        std::size_t params = std::size_t{1} << 24;
        int threads = 0;
        bool json = false;
        std::string simd;
        double seconds = 0.2;
    };
    auto f = std::make_shared<Flags>();
    CLI::App* step = bench->add_subcommand(
        "step", "Time one optimizer's float32 step beside the memory bandwidth of a kernel of its shape and STREAM triad");
    step->add_option("--optimizer", f->optimizer, "Optimizer")->check(CLI::IsMember(optimizer_choices()))->capture_default_str();
    step->add_option("--params", f->params, "Parameters")->check(CLI::Range(std::size_t(1), std::size_t(1) << 31))->capture_default_str();
    step->add_option("--threads", f->threads, "Threads (default: all cores)")->check(CLI::Range(1, 1024));
    step->add_option("--seconds", f->seconds,
                     "Least time each kernel is sampled; the fastest sample counts, so compare runs of equal time")
        ->check(CLI::Range(0.001, 3600.0))
        ->capture_default_str();
    step->add_flag("--json", f->json, "The last line is one JSON object");
    step->add_option("--simd", f->simd, "Instruction set of the kernels (default: the best this CPU has)")
        ->check(CLI::IsMember({"baseline", "avx2", "avx512"}));
    step->callback([f, &exit_code] {
        if (!f->simd.empty()) set_simd_target(*parse_simd_target(f->simd));
        const StepBenchResult r = bench_step(f->optimizer, f->params, f->threads > 0 ? f->threads : num_threads(), f->seconds);
        if (f->json) {
            std::cout << to_json(r) << std::endl;
        } else {
            std::cout << fmt::format(
                "{} step, {} float32 parameters, {} threads, {}: {:.3f} ns/parameter ({:.2f} µs a step), "
                "{:.2f} GB/s ({} bytes/parameter) = {:.0f}% of the {:.2f} GB/s a kernel of its shape reaches "
                "({:.0f}% of STREAM triad's {:.2f} GB/s)\n",
                r.optimizer, r.params, r.threads, r.simd, r.ns_per_param, r.step_ns / 1000, r.gbps,
                r.bytes_per_param, 100 * r.fraction_of_bandwidth, r.bandwidth_gbps, 100 * r.gbps / r.triad_gbps,
                r.triad_gbps);
        }
        exit_code = 0;
    });
}

void setup_functions(CLI::App& app, int& exit_code) {
    CLI::App* sub = app.add_subcommand("functions", "List the 2-D test functions");
    sub->callback([&exit_code] {
        std::string out;
        for (const auto& f : functions_2d()) {
            out += fmt::format("{:<13} f(x,y) = {}\n              {}\n              start ({}, {})",
                               f.name, f.formula, f.note, f.start[0], f.start[1]);
            if (f.minima.empty()) {
                out += ", no minimum (unbounded below)\n";
            } else {
                out += fmt::format(", minimum {} at", f.minimum_value);
                for (const auto& m : f.minima) out += fmt::format(" ({}, {})", m[0], m[1]);
                out += "\n";
            }
        }
        std::cout << out;
        exit_code = 0;
    });
}

}  // namespace optlab::cli
