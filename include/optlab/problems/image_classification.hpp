// SPDX-License-Identifier: MIT
// A network (nn/network.hpp) classifying labelled images (data/dataset.hpp, Fashion-MNIST by
// default), trained on cross-entropy or MSE, its metric the accuracy: the lecture's MLP, the
// softmax regression and the convolutional network of problems/catalogue.hpp. The
// datasets are referenced, not copied: several problems (one per run of a comparison) share
// one copy of the images.
#pragma once

#include <functional>
#include <memory>
#include <vector>
#include <string>

#include "optlab/data/dataset.hpp"
#include "optlab/data/sampler.hpp"
#include "optlab/nn/network.hpp"
#include "optlab/problems/problem.hpp"

namespace optlab {

struct ClassificationData {
    const Dataset* train = nullptr;
    const Dataset* test = nullptr;
    const Dataset* validation = nullptr;  // none when nullptr
    std::size_t classes = 10;

    /// *this; throws InvalidArgument naming `who` when the training or test split is missing.
    const ClassificationData& checked(const std::string& who) const;
    /// Bytes of the splits' pixels and labels.
    std::uint64_t bytes() const;
};

class ImageClassification final : public Problem {
  public:
    /// A network of `spec` for batches of up to `max_batch` rows, its weights drawn by
    /// `init` from Rng(seed) and its dropout from Rng(seed + 2). Throws InvalidArgument when
    /// the network's inputs or outputs do not fit the data, naming both.
    ImageClassification(const nn::NetSpec& spec, const Init& init, ClassificationData data,
                      std::size_t max_batch, std::uint64_t seed);
    /// Any network on cross-entropy: `build` adds its layers for the images' features (in
    /// order, channels-last: data/dataset.hpp), the last giving one output per class.
    ImageClassification(const std::function<void(nn::Network<float>::Builder&)>& build, const Init& init,
                        ClassificationData data, std::size_t max_batch, std::uint64_t seed);

    ParamStore<float>& store() override { return net_.store(); }
    std::string_view metric_name() const override { return "accuracy"; }
    std::string describe() const override;
    std::size_t train_examples() const override { return data_.train->count; }
    std::size_t max_batch() const override { return net_.max_batch(); }
    BatchResult train_batch(std::span<const std::uint32_t> batch, bool backward) override;
    Evaluation evaluate(Split split) override;
    bool has_validation() const override { return data_.validation != nullptr; }
    std::vector<std::pair<std::string, std::vector<float>*>> buffers() override { return net_.buffers(); }
    std::vector<std::pair<std::string, Rng*>> generators() override;
    std::uint64_t data_bytes() const override;
    std::uint64_t model_bytes() const override;

    nn::Network<float>& network() { return net_; }

  private:
    void start(const Init& init, std::uint64_t seed);  // weights from Rng(seed)

    nn::Network<float> net_;
    ClassificationData data_;
    std::vector<std::uint8_t> labels_;      // the batch's labels
    InOrder in_order_;                      // evaluation reads the splits in order
};

}  // namespace optlab
