// SPDX-License-Identifier: MIT
// Labelled image data in memory, and the MNIST-layout folders it comes from: four IDX files
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte, each plain or with ".gz" (Fashion-MNIST from Debian's
// dataset-fashion-mnist, MNIST's own files, or any data in that layout). Pixels are scaled to
// [0, 1] by dividing by 255.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "optlab/core/rng.hpp"

namespace optlab {

struct Dataset {
    // count × features, row-major, as stored in the file (0..255): kept as bytes, a quarter of
    // the memory of floats (as torchvision keeps MNIST); gather_batch scales each batch to [0, 1].
    std::vector<std::uint8_t> pixels;
    std::vector<std::uint8_t> labels;  // count, each < classes
    std::size_t count = 0;
    std::size_t features = 0;

    /// Moves `n` samples, chosen by a permutation drawn from `rng`, into a new Dataset
    /// (a validation split); 0 < n < count.
    Dataset split_off(std::size_t n, Rng& rng);
};

struct TrainTest {
    Dataset train, test;
    std::size_t classes = 10;
    std::filesystem::path folder;
};

/// Where Debian's dataset-fashion-mnist installs its files.
inline const std::filesystem::path kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// Reads images and labels from two IDX files: images u8 of rank >= 2 (count × ...), labels
/// u8 of rank 1, the same count, every label < classes. Errors name the file and the field.
Dataset load_idx_pair(const std::filesystem::path& images, const std::filesystem::path& labels,
                      std::size_t classes = 10);
/// Reads the four standard files from `folder` (each plain or .gz).
TrainTest load_mnist_folder(const std::filesystem::path& folder, std::size_t classes = 10);
/// `name` is "fashion-mnist" (Debian's folder); throws naming the package if it is missing.
TrainTest load_named_dataset(const std::string& name);

/// Fills x (rows × features) with the samples order[begin, begin + rows), each pixel p as the
/// float p / 255, and y with their labels.
void gather_batch(const Dataset& data, const std::vector<std::uint32_t>& order, std::size_t begin,
                  std::size_t rows, float* x, std::uint8_t* y);
/// The same for the samples listed in `samples` (one row each).
void gather_batch(const Dataset& data, std::span<const std::uint32_t> samples, float* x,
                  std::uint8_t* y);

}  // namespace optlab
