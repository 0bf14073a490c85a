// SPDX-License-Identifier: MIT
// An autoencoder of images: 784-256-64-256-784, ReLU inside, a sigmoid output, trained on
// binary cross-entropy per pixel (the sigmoid folded into the loss, the stable form of
// torch.nn.BCEWithLogitsLoss) against the image itself, pixels in [0, 1]. Its metric is the
// reconstruction error: the mean squared difference per pixel between σ(output) and the image.
#pragma once

#include <vector>

#include "optlab/nn/network.hpp"
#include "optlab/problems/image_classification.hpp"

namespace optlab {

class ImageAutoencoder final : public Problem {
  public:
    /// `widths`: the hidden layers, e.g. {256, 64, 256}; weights by `init` from Rng(seed).
    ImageAutoencoder(const std::vector<std::size_t>& widths, const Init& init, ClassificationData data,
                     std::size_t max_batch, std::uint64_t seed);

    ParamStore<float>& store() override { return net_.store(); }
    std::string_view metric_name() const override { return "reconstruction_error"; }
    std::string describe() const override;
    std::size_t train_examples() const override { return data_.train->count; }
    std::size_t max_batch() const override { return net_.max_batch(); }
    BatchResult train_batch(std::span<const std::uint32_t> batch, bool backward) override;
    Evaluation evaluate(Split split) override;
    bool has_validation() const override { return data_.validation != nullptr; }
    std::vector<std::pair<std::string, std::vector<float>*>> buffers() override { return {}; }
    std::vector<std::pair<std::string, Rng*>> generators() override { return {}; }
    std::uint64_t data_bytes() const override;
    std::uint64_t model_bytes() const override;

    /// σ(output) for test images `first` .. first + count − 1, count × 784 (for the report).
    std::vector<float> reconstruct(std::size_t first, std::size_t count);

  private:
    double squared_error_sum(std::size_t rows) const;  // Σ over the batch's pixels

    nn::Network<float> net_;
    ClassificationData data_;
    std::vector<std::uint8_t> labels_;     // gathered and unused: an autoencoder has no labels
    std::vector<float> targets_;           // the batch's images, which are the targets
    InOrder in_order_;                     // evaluation reads the splits in order
};

}  // namespace optlab
