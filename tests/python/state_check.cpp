// SPDX-License-Identifier: MIT
// The C++ side of the Python package's cross-language tests (test_state.py): runs an optimizer
// over a small store for some steps exactly as the tests do from Python — the same tensors, the
// same start, the same gradients, all exact binary fractions — loading and saving the same
// optimizer-state files and raw parameter dumps, so a Python run and a C++ run can be compared
// bit for bit and continued from each other's files.
//
//   optlab_python_check OPTIMIZER float32|float64 STEPS [--from K] [--convention C]
//       [--lookahead K,ALPHA] [--ema DECAY] [--swa-start N --swa-lr X [--swa-anneal-epochs N]
//       [--swa-anneal-strategy S]] [--params-in RAW] [--load STATE] [--save STATE] [--params-out RAW]
//
// Tensors: w (3, 4) and b (4,) — w (3, 4) and v (4, 2) for an optimizer of matrices only.
// Start:   p[i] = ((5i) mod 7 − 3) / 4 over the arena (or RAW, float32/64 little-endian).
// Step k (k = K+1 ... K+STEPS): g[i] = ((7i + 3k) mod 11 − 5) / 8, then step().
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "optlab/io/optimizer_state.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/optim/wrappers.hpp"

namespace {

struct Args {
    std::string optimizer, dtype;
    long long steps = 0, from = 0;
    std::string convention = "torch", lookahead, params_in, load, save, params_out;
    std::optional<double> ema, swa_lr;
    std::optional<long long> swa_start, swa_anneal_epochs;
    std::optional<std::string> swa_anneal_strategy;
};

template <class T>
int run(const Args& a) {
    using namespace optlab;
    ParamStore<T> store;
    store.add("w", {3, 4});
    if (optimizer_info(a.optimizer).matrices_only) {
        store.add("v", {4, 2});
    } else {
        store.add("b", {4});
    }
    std::span<T> p = store.params();
    if (!a.params_in.empty()) {
        std::ifstream in(a.params_in, std::ios::binary);
        in.read(reinterpret_cast<char*>(p.data()), std::streamsize(p.size_bytes()));
        if (!in) throw IoError(a.params_in + ": cannot read " + std::to_string(p.size_bytes()) + " bytes");
    } else {
        for (std::size_t i = 0; i < p.size(); ++i) p[i] = T(double(long((5 * i) % 7) - 3) / 4);
    }
    auto opt = wrap(make_optimizer<T>(a.optimizer, store, HyperParams{}, parse_convention(a.convention)),
                    parse_wrapping(a.lookahead, a.ema,
                                   swa_from_flags(a.swa_start, a.swa_lr, a.swa_anneal_epochs, a.swa_anneal_strategy)));
    if (!a.load.empty()) load_optimizer_state(a.load, *opt);
    std::span<T> g = store.grads();
    for (long long k = a.from + 1; k <= a.from + a.steps; ++k) {
        for (std::size_t i = 0; i < g.size(); ++i) g[i] = T(double(long((7 * i + 3 * k) % 11) - 5) / 8);
        opt->step();
    }
    if (!a.save.empty()) save_optimizer_state(a.save, *opt);
    if (!a.params_out.empty()) {
        std::ofstream out(a.params_out, std::ios::binary);
        out.write(reinterpret_cast<const char*>(p.data()), std::streamsize(p.size_bytes()));
        if (!out) throw IoError(a.params_out + ": cannot write");
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: optlab_python_check OPTIMIZER float32|float64 STEPS [--from K] [--convention C] "
                     "[--lookahead K,ALPHA] [--ema DECAY] [--swa-start N --swa-lr X [--swa-anneal-epochs N] "
                     "[--swa-anneal-strategy S]] [--params-in RAW] [--load STATE] [--save STATE] [--params-out RAW]\n";
        return 2;
    }
    Args a;
    a.optimizer = argv[1];
    a.dtype = argv[2];
    a.steps = std::atoll(argv[3]);
    for (int i = 4; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--from") a.from = std::atoll(value.c_str());
        else if (flag == "--convention") a.convention = value;
        else if (flag == "--lookahead") a.lookahead = value;
        else if (flag == "--ema") a.ema = std::atof(value.c_str());
        else if (flag == "--swa-start") a.swa_start = std::atoll(value.c_str());
        else if (flag == "--swa-lr") a.swa_lr = std::atof(value.c_str());
        else if (flag == "--swa-anneal-epochs") a.swa_anneal_epochs = std::atoll(value.c_str());
        else if (flag == "--swa-anneal-strategy") a.swa_anneal_strategy = value;
        else if (flag == "--params-in") a.params_in = value;
        else if (flag == "--load") a.load = value;
        else if (flag == "--save") a.save = value;
        else if (flag == "--params-out") a.params_out = value;
        else {
            std::cerr << "optlab_python_check: unknown flag " << flag << "\n";
            return 2;
        }
    }
    try {
        return a.dtype == "float64" ? run<double>(a) : run<float>(a);
    } catch (const std::exception& e) {
        std::cerr << "optlab_python_check: " << e.what() << "\n";
        return 1;
    }
}
