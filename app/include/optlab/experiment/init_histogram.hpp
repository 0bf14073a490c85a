// SPDX-License-Identifier: MIT
// E3: the activations of 5 layers under different initial weights, as histograms — the
// lecture's argument for Xavier with sigmoid and tanh and for He with ReLU.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "optlab/language/language.hpp"

namespace optlab::experiment {

struct HistogramSpec {
    std::vector<std::string> activations = {"sigmoid", "tanh", "relu"};
    std::vector<std::string> inits = {"std=1", "std=0.01", "xavier", "he"};
    int layers = 5, nodes = 100, samples = 1000, bins = 30;
    std::uint64_t seed = 1;
};
struct LayerHistogram {
    std::string activation, init;
    int layer = 0;                  // 1-based
    double lo = 0, hi = 1;          // binning range: (0,1), tanh (−1,1)
    std::vector<std::size_t> counts;
    double mean = 0, std = 0, outside = 0;  // outside: fraction of values beyond [lo, hi]
};
/// E3: 1000 inputs N(0,1)^100 through 5 layers of 100 units, no bias; weights N(0, s²) with s
/// 1, 0.01, √(1/n) ("xavier", the book's) or √(2/n) ("he").
std::vector<LayerHistogram> run_init_histogram(const HistogramSpec& spec);
/// Writes <stem>.csv and one grid per activation: <stem>-<activation>.png/.svg.
void write_init_histogram(const std::filesystem::path& stem, const HistogramSpec& spec,
                          const std::vector<LayerHistogram>& result, Lang lang = Lang::en);

}  // namespace optlab::experiment
