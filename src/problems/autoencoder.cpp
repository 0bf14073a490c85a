// SPDX-License-Identifier: MIT
#include "optlab/problems/autoencoder.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "optlab/core/error.hpp"

namespace optlab {

ImageAutoencoder::ImageAutoencoder(const std::vector<std::size_t>& widths, const Init& init,
                                   ClassificationData data, std::size_t max_batch, std::uint64_t seed)
    : net_(data.checked("autoencoder").train->features, nn::Loss::binary_cross_entropy, max_batch,
           [&](nn::Network<float>::Builder& add) {
               std::size_t in = add.features();
               for (std::size_t i = 0; i < widths.size(); ++i) {
                   add.add(std::make_unique<nn::Linear<float>>(add.store(), "layer" + std::to_string(i + 1), in,
                                                               widths[i]));
                   add.add(std::make_unique<nn::ActivationLayer<float>>(nn::Activation::relu, widths[i]));
                   in = widths[i];
               }
               add.add(std::make_unique<nn::Linear<float>>(add.store(), "layer" + std::to_string(widths.size() + 1),
                                                           in, data.train->features));
           },
           seed + 2),
      data_(data),
      labels_(max_batch),
      targets_(max_batch * data.train->features),
      in_order_(max_batch) {
    Rng init_rng(seed);
    net_.init(init, init_rng);
}

std::string ImageAutoencoder::describe() const {
    return "autoencoder " + net_.describe() + ", sigmoid output, binary cross-entropy; " +
           std::to_string(net_.store().num_parameters()) + " parameters";
}

double ImageAutoencoder::squared_error_sum(std::size_t rows) const {
    const float* z = net_.activations(net_.layers().size() - 1);
    double sum = 0;
    for (std::size_t i = 0; i < rows * net_.num_classes(); ++i) {
        const double d = 1.0 / (1.0 + std::exp(-double(z[i]))) - double(targets_[i]);
        sum += d * d;
    }
    return sum / double(net_.num_classes());  // per example: the mean over its pixels
}

BatchResult ImageAutoencoder::train_batch(std::span<const std::uint32_t> batch, bool backward) {
    const std::size_t rows = batch.size();
    gather_batch(*data_.train, batch, net_.input(), labels_.data());
    std::copy(net_.input(), net_.input() + rows * net_.in_features(), targets_.begin());
    net_.forward(net_.input(), rows, true);
    BatchResult r;
    r.loss = net_.loss(targets_.data(), rows);
    r.metric_sum = squared_error_sum(rows);
    if (backward) net_.backward(targets_.data(), rows);
    return r;
}

Evaluation ImageAutoencoder::evaluate(Split split) {
    const Dataset& data = split == Split::test ? *data_.test : *data_.validation;
    double loss = 0, error = 0;
    for (std::size_t begin = 0; begin < data.count; begin += net_.max_batch()) {
        const std::size_t rows = std::min(net_.max_batch(), data.count - begin);
        gather_batch(data, in_order_.rows(begin, rows), net_.input(),
                     labels_.data());
        std::copy(net_.input(), net_.input() + rows * net_.in_features(), targets_.begin());
        net_.forward(net_.input(), rows, false);
        loss += net_.loss(targets_.data(), rows) * double(rows);
        error += squared_error_sum(rows);
    }
    return {loss / double(data.count), error / double(data.count)};
}

std::vector<float> ImageAutoencoder::reconstruct(std::size_t first, std::size_t count) {
    count = std::min({count, net_.max_batch(), data_.test->count - std::min(first, data_.test->count)});
    std::vector<float> out(count * net_.num_classes());
    if (count == 0) return out;
    gather_batch(*data_.test, in_order_.rows(first, count), net_.input(),
                 labels_.data());
    const float* z = net_.forward(net_.input(), count, false);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = float(1.0 / (1.0 + std::exp(-double(z[i]))));
    return out;
}

std::uint64_t ImageAutoencoder::data_bytes() const { return data_.bytes(); }

std::uint64_t ImageAutoencoder::model_bytes() const {
    return 2 * net_.store().arena_size() * sizeof(float) + net_.activation_bytes() + targets_.size() * sizeof(float);
}

}  // namespace optlab
