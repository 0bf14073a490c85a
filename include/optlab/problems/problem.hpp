// SPDX-License-Identifier: MIT
// A training problem: what a training loop needs from whatever it trains — a model whose
// parameters live in one ParamStore, training examples the loop names by index (a sampler
// picks them), a loss to descend and a metric to report on held-out data. The loop knows
// nothing else about it: an MLP on images, a convolutional network or a language model plug in
// the same way. The 2-D test functions of functions2d.hpp are the other kind of problem here,
// the lecture's pictures.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "optlab/core/param_store.hpp"
#include "optlab/core/rng.hpp"

namespace optlab {

/// One batch's outcome: its mean loss, and its metric summed over its examples (e.g. correct
/// predictions), so sums over an epoch average correctly.
struct BatchResult {
    double loss = 0;
    double metric_sum = 0;
};

/// A held-out split's mean loss and metric.
struct Evaluation {
    double loss = 0;
    double metric = 0;
};

enum class Split { validation, test };

class Problem {
  public:
    virtual ~Problem() = default;

    /// The parameters and their gradients: what the optimizer updates.
    virtual ParamStore<float>& store() = 0;
    /// The metric evaluate() reports, e.g. "accuracy".
    virtual std::string_view metric_name() const = 0;
    /// One line: the model and its size, for logs.
    virtual std::string describe() const = 0;

    /// Training examples the sampler draws from, and the largest batch train_batch takes.
    virtual std::size_t train_examples() const = 0;
    virtual std::size_t max_batch() const = 0;
    /// Forward pass in training mode on the training examples `batch`; with `backward`, also
    /// adds dL/dθ to the store's gradients.
    virtual BatchResult train_batch(std::span<const std::uint32_t> batch, bool backward) = 0;
    /// Mean loss and metric over a held-out split, in evaluation mode.
    virtual Evaluation evaluate(Split split) = 0;
    virtual bool has_validation() const = 0;

    /// State besides the parameters that training changes and a checkpoint must keep, by name
    /// (BatchNorm's running statistics).
    virtual std::vector<std::pair<std::string, std::vector<float>*>> buffers() = 0;
    /// Generators the model draws from in training (dropout's masks), by name.
    virtual std::vector<std::pair<std::string, Rng*>> generators() = 0;
    /// Bytes of the data and of the model (parameters, gradients, activations) held in memory.
    virtual std::uint64_t data_bytes() const = 0;
    virtual std::uint64_t model_bytes() const = 0;
};

}  // namespace optlab
