// SPDX-License-Identifier: MIT
#include "optlab/data/dataset.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "optlab/core/error.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/core/simd.hpp"
#include "optlab/data/idx.hpp"

namespace optlab {

Dataset Dataset::split_off(std::size_t n, Rng& rng) {
    if (n == 0 || n >= count) {
        throw InvalidArgument("validation: " + std::to_string(n) + " samples of " +
                              std::to_string(count) + " (expected 1.." + std::to_string(count - 1) + ")");
    }
    std::vector<std::uint32_t> order(count);
    std::iota(order.begin(), order.end(), 0u);
    for (std::size_t i = count - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    std::vector<bool> held(count, false);
    for (std::size_t i = 0; i < n; ++i) held[order[i]] = true;
    Dataset kept, out;
    kept.features = out.features = features;
    for (std::size_t i = 0; i < count; ++i) {
        Dataset& d = held[i] ? out : kept;
        d.pixels.insert(d.pixels.end(), pixels.begin() + std::ptrdiff_t(i * features),
                        pixels.begin() + std::ptrdiff_t((i + 1) * features));
        d.labels.push_back(labels[i]);
    }
    kept.count = kept.labels.size();
    out.count = out.labels.size();
    *this = std::move(kept);
    return out;
}

Dataset load_idx_pair(const std::filesystem::path& images, const std::filesystem::path& labels,
                      std::size_t classes) {
    IdxArray img = read_idx(images);
    const IdxArray lab = read_idx(labels);
    const std::string ip = images.string(), lp = labels.string();
    if (img.type != IdxType::u8) {
        throw IoError(ip + ": element type " + std::string(to_string(img.type)) +
                      " (expected u8 pixels, type code 0x08)");
    }
    if (img.dims.size() < 2) {
        throw IoError(ip + ": rank " + std::to_string(img.dims.size()) +
                      " (expected images: a count and at least one more dimension)");
    }
    if (lab.type != IdxType::u8 || lab.dims.size() != 1) {
        throw IoError(lp + ": " + std::string(to_string(lab.type)) + " of rank " +
                      std::to_string(lab.dims.size()) + " (expected u8 labels of rank 1)");
    }
    if (img.dims[0] != lab.dims[0]) {
        throw IoError(ip + " has " + std::to_string(img.dims[0]) + " images but " + lp + " has " +
                      std::to_string(lab.dims[0]) + " labels (expected the same count)");
    }
    Dataset d;
    d.count = img.dims[0];
    d.features = img.count() / d.count;
    for (std::size_t i = 0; i < lab.bytes.size(); ++i) {
        if (lab.bytes[i] >= classes) {
            throw IoError(lp + ": byte " + std::to_string(8 + i) + ": label " +
                          std::to_string(lab.bytes[i]) + " of sample " + std::to_string(i) +
                          " (expected 0.." + std::to_string(classes - 1) + ")");
        }
    }
    d.labels = lab.bytes;
    d.pixels = std::move(img.bytes);
    return d;
}

namespace {
std::filesystem::path find_file(const std::filesystem::path& folder, const std::string& name) {
    for (const std::string& candidate : {name, name + ".gz"}) {
        if (std::filesystem::exists(folder / candidate)) return folder / candidate;
    }
    throw IoError(folder.string() + ": has no " + name + " (nor " + name +
                  ".gz); expected the four MNIST-layout files train-images-idx3-ubyte, "
                  "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte");
}
}  // namespace

TrainTest load_mnist_folder(const std::filesystem::path& folder, std::size_t classes) {
    if (!std::filesystem::is_directory(folder)) {
        throw IoError(folder.string() + ": not a directory (expected a folder of MNIST-layout IDX files)");
    }
    TrainTest out;
    out.folder = folder;
    out.classes = classes;
    const std::filesystem::path train_images = find_file(folder, "train-images-idx3-ubyte");
    const std::filesystem::path test_images = find_file(folder, "t10k-images-idx3-ubyte");
    out.train = load_idx_pair(train_images, find_file(folder, "train-labels-idx1-ubyte"), classes);
    out.test = load_idx_pair(test_images, find_file(folder, "t10k-labels-idx1-ubyte"), classes);
    if (out.train.features != out.test.features) {
        throw IoError("the training and test images differ in shape: " + train_images.string() +
                      " has " + std::to_string(out.train.features) + " values per image, " +
                      test_images.string() + " has " + std::to_string(out.test.features) +
                      " (expected the same)");
    }
    return out;
}

TrainTest load_named_dataset(const std::string& name) {
    if (name == "fashion-mnist") {
        if (!std::filesystem::is_directory(kFashionMnistDir)) {
            throw IoError("dataset fashion-mnist: " + kFashionMnistDir.string() +
                          " is missing; install the Debian package dataset-fashion-mnist "
                          "(scripts/install-deps.sh does), or give --data DIR");
        }
        return load_mnist_folder(kFashionMnistDir);
    }
    throw InvalidArgument("dataset: unknown name '" + name +
                          "' (expected fashion-mnist, or --data DIR for any MNIST-layout folder)");
}

void gather_batch(const Dataset& data, const std::vector<std::uint32_t>& order, std::size_t begin,
                  std::size_t rows, float* x, std::uint8_t* y) {
    gather_batch(data, std::span<const std::uint32_t>(order).subspan(begin, rows), x, y);
}

void gather_batch(const Dataset& data, std::span<const std::uint32_t> samples, float* x,
                  std::uint8_t* y) {
    const std::size_t rows = samples.size();
    // Rows split between optlab's threads, each row's conversion compiled for the CPU's
    // vector width (simd.hpp); p / 255 is one exact IEEE division in every lane.
    const SimdTarget target = simd_target();
    const std::size_t features = data.features;
    auto convert = [&](std::size_t first, std::size_t last) {
        for (std::size_t r = first; r < last; ++r) {
            const std::size_t i = samples[r];
            const std::uint8_t* pixels = data.pixels.data() + i * features;
            float* row = x + r * features;
            for (std::size_t j = 0; j < features; ++j) row[j] = float(pixels[j]) / 255.0f;
            y[r] = data.labels[i];
        }
    };
    parallel_run([&](Part part) {
        const auto [first, last] = part.share(rows, line_grain(features * sizeof(float)));
        run_kernel(target, convert, first, last);
    });
}

}  // namespace optlab
