// SPDX-License-Identifier: MIT
#include "optlab/problems/image_classification.hpp"

#include <algorithm>
#include <numeric>

#include "optlab/core/error.hpp"

namespace optlab {

namespace {

// The network's first and last sizes against the data's, before anything is allocated.
const nn::NetSpec& check_fits(const nn::NetSpec& spec, const ClassificationData& data) {
    data.checked("classification");
    const std::string net = spec.sizes_string();
    if (spec.sizes.front() != data.train->features) {
        throw InvalidArgument("net '" + net + "': takes " + std::to_string(spec.sizes.front()) +
                              " inputs, the data has " + std::to_string(data.train->features) +
                              " values per image");
    }
    if (spec.sizes.back() != data.classes) {
        throw InvalidArgument("net '" + net + "': has " + std::to_string(spec.sizes.back()) +
                              " outputs, the data has " + std::to_string(data.classes) + " classes");
    }
    return spec;
}

}  // namespace

const ClassificationData& ClassificationData::checked(const std::string& who) const {
    if (!train || !test) throw InvalidArgument(who + ": no training or test data");
    return *this;
}

std::uint64_t ClassificationData::bytes() const {
    std::uint64_t n = 0;
    for (const Dataset* d : {train, test, validation}) {
        if (d) n += d->pixels.size() + d->labels.size();
    }
    return n;
}

ImageClassification::ImageClassification(const nn::NetSpec& spec, const Init& init,
                                     ClassificationData data, std::size_t max_batch,
                                     std::uint64_t seed)
    : net_(check_fits(spec, data), max_batch, seed + 2), data_(data), labels_(max_batch), in_order_(max_batch) {
    start(init, seed);
}

ImageClassification::ImageClassification(const std::function<void(nn::Network<float>::Builder&)>& build,
                                         const Init& init, ClassificationData data, std::size_t max_batch,
                                         std::uint64_t seed)
    : net_(data.checked("classification").train->features, nn::Loss::cross_entropy, max_batch, build, seed + 2),
      data_(data),
      labels_(max_batch),
      in_order_(max_batch) {
    if (net_.num_classes() != data.classes) {
        throw InvalidArgument("network " + net_.describe() + ": has " + std::to_string(net_.num_classes()) +
                              " outputs, the data has " + std::to_string(data.classes) + " classes");
    }
    start(init, seed);
}

void ImageClassification::start(const Init& init, std::uint64_t seed) {
    Rng init_rng(seed);
    net_.init(init, init_rng);
    }

std::string ImageClassification::describe() const {
    return "network " + net_.describe() + "; " + std::to_string(net_.store().num_parameters()) +
           " parameters";
}

BatchResult ImageClassification::train_batch(std::span<const std::uint32_t> batch, bool backward) {
    const std::size_t rows = batch.size();
    // Gathered straight into the network's input buffer: no batch-sized copy.
    gather_batch(*data_.train, batch, net_.input(), labels_.data());
    net_.forward(net_.input(), rows, true);
    BatchResult r;
    r.loss = net_.loss(labels_.data(), rows);
    r.metric_sum = double(net_.count_correct(labels_.data(), rows));
    if (backward) net_.backward(labels_.data(), rows);
    return r;
}

Evaluation ImageClassification::evaluate(Split split) {
    const Dataset& data = split == Split::test ? *data_.test : *data_.validation;
    double loss = 0;
    std::size_t correct = 0;
    for (std::size_t begin = 0; begin < data.count; begin += net_.max_batch()) {
        const std::size_t rows = std::min(net_.max_batch(), data.count - begin);
        gather_batch(data, in_order_.rows(begin, rows),
                     net_.input(), labels_.data());
        net_.forward(net_.input(), rows, false);
        loss += net_.loss(labels_.data(), rows) * double(rows);
        correct += net_.count_correct(labels_.data(), rows);
    }
    return {loss / double(data.count), double(correct) / double(data.count)};
}

std::vector<std::pair<std::string, Rng*>> ImageClassification::generators() {
    return {{"dropout", &net_.dropout_rng()}};
}

std::uint64_t ImageClassification::data_bytes() const { return data_.bytes(); }

std::uint64_t ImageClassification::model_bytes() const {
    return 2 * net_.store().arena_size() * sizeof(float) + net_.activation_bytes();
}

}  // namespace optlab
