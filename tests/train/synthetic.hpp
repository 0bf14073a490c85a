// SPDX-License-Identifier: MIT
// A small, learnable stand-in for Fashion-MNIST: 16-pixel "images" whose label lights two
// pixels, over noise. Written as MNIST-layout IDX files when the test needs a folder.
#pragma once

#include <filesystem>

#include "optlab/core/rng.hpp"
#include "optlab/data/dataset.hpp"
#include "optlab/data/idx.hpp"

namespace optlab::test {

inline Dataset synthetic(std::size_t count, std::uint64_t seed, std::vector<std::uint8_t>* raw = nullptr) {
    Rng rng(seed);
    Dataset d;
    d.count = count;
    d.features = 16;
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint8_t label = std::uint8_t(rng.below(10));
        d.labels.push_back(label);
        for (std::size_t j = 0; j < 16; ++j) {
            unsigned v = unsigned(rng.below(90));
            if (j == label) v += 160;
            if (j == (label + 3u) % 16) v += 100;
            v = std::min(v, 255u);
            if (raw) raw->push_back(std::uint8_t(v));
            d.pixels.push_back(std::uint8_t(v));
        }
    }
    return d;
}

inline TrainTest synthetic_split(std::size_t train, std::size_t test, std::uint64_t seed = 1) {
    TrainTest t;
    t.train = synthetic(train, seed);
    t.test = synthetic(test, seed + 100);
    return t;
}

/// Writes train/t10k image and label files (gzip) into `dir`.
inline void write_synthetic_folder(const std::filesystem::path& dir, std::size_t train, std::size_t test) {
    std::filesystem::create_directories(dir);
    for (auto [name, count, seed] : {std::tuple{"train", train, 1ull}, std::tuple{"t10k", test, 101ull}}) {
        std::vector<std::uint8_t> pixels;
        const Dataset d = synthetic(count, seed, &pixels);
        IdxArray images, labels;
        images.dims = {std::uint32_t(count), 4, 4};
        images.bytes = pixels;
        labels.dims = {std::uint32_t(count)};
        labels.bytes = d.labels;
        write_idx(dir / (std::string(name) + "-images-idx3-ubyte.gz"), images, true);
        write_idx(dir / (std::string(name) + "-labels-idx1-ubyte"), labels, false);
    }
}

}  // namespace optlab::test
