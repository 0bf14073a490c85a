// SPDX-License-Identifier: MIT
// What an autoencoder learned: fmnist-autoencoder (problems/autoencoder.hpp) trained briefly with
// Adam, then a few test images beside their reconstructions, and its reconstruction error
// beside that of the mean training image (the trivial baseline).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "optlab/data/dataset.hpp"
#include "optlab/language/language.hpp"

namespace optlab::experiment {

struct ReconstructionSpec {
    std::int64_t iterations = 469;  // one epoch of batch 128
    std::size_t batch = 128, images = 8;
    double lr = 1e-3;
    std::uint64_t seed = 1;
    int threads = 0;  // 0: as set
};

struct ReconstructionResult {
    std::vector<float> originals, reconstructions;  // images × 784, in [0, 1]
    std::size_t images = 0, height = 28, width = 28;
    double test_error = 0;        // mean squared error per pixel over the test set
    double mean_image_error = 0;  // the same for the mean training image
};

ReconstructionResult run_reconstructions(const ReconstructionSpec& spec, const TrainTest& data);
/// Writes <stem>.csv (image, row, kind, pixels...) and <stem>.png/.svg: originals above,
/// reconstructions below.
void write_reconstructions(const std::filesystem::path& stem, const ReconstructionResult& r, Lang lang = Lang::en);

}  // namespace optlab::experiment
