// SPDX-License-Identifier: MIT
// A multilayer perceptron built from a spec such as "784-100-100-100-100-10": Linear layers
// with an activation between them (optionally BatchNorm before and Dropout after each
// activation), and a loss on the last layer's outputs:
//   cross_entropy  softmax + cross-entropy, averaged over the batch, computed through
//                  log-softmax (z − logsumexp z) as torch.nn.CrossEntropyLoss does;
//                  dL/dz = (softmax(z) − onehot)/B
//   mse            mean over all B·C outputs of (z − onehot)²; dL/dz = 2(z − onehot)/(B·C)
//   binary_cross_entropy  on logits against targets t in [0, 1] (an autoencoder's pixels),
//                  mean over all B·C outputs of max(z, 0) − z·t + log(1 + e^−|z|), the stable
//                  form of torch.nn.BCEWithLogitsLoss; dL/dz = (σ(z) − t)/(B·C)
// Every parameter lives in one ParamStore ("layer1.weight", "layer1.bias", "bn1.weight", ...),
// so the optimizer's step is one pass over all of them. Activation buffers are allocated once
// for the largest batch: no allocation per step.
// Forward and backward run on optlab's threads (parallel.hpp), each taking a share of the
// batch's rows (of the features, in BatchNorm; of W's rows, for dW), with one OpenBLAS thread
// per caller: forward() and backward() set OpenBLAS to one thread while they run and restore
// the caller's setting when they return.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "optlab/core/aligned.hpp"
#include "optlab/core/param_store.hpp"
#include "optlab/core/rng.hpp"
#include "optlab/init/initializers.hpp"
#include "optlab/nn/layers.hpp"

namespace optlab::nn {

enum class Loss { cross_entropy, mse, binary_cross_entropy };

struct NetSpec {
    std::vector<std::size_t> sizes;         // inputs, hidden..., classes
    Activation activation = Activation::relu;
    double leaky_slope = 0.01;              // for leaky_relu
    bool batchnorm = false;                 // BatchNorm after each hidden Linear
    double dropout = 0.0;                   // Dropout after each hidden activation
    Loss loss = Loss::cross_entropy;

    /// "784-100-10"
    std::string sizes_string() const;
};

/// Parses "784-100-10": at least two sizes, each 1..1 000 000, at most 10^9 parameters.
std::vector<std::size_t> parse_net_sizes(std::string_view spec);
Activation parse_activation(std::string_view name);
std::string_view to_string(Activation a);
Nonlinearity nonlinearity_of(Activation a);
Loss parse_loss(std::string_view name);
std::string_view to_string(Loss l);

template <class T>
class Network {
  public:
    /// What a network's layers are built with: its store, its largest batch and its dropout
    /// generator; add() appends a layer, features() is the width the next one takes.
    class Builder {
      public:
        ParamStore<T>& store() { return net_.store_; }
        std::size_t max_batch() const { return net_.max_batch_; }
        Rng& dropout_rng() { return net_.dropout_rng_; }
        std::size_t features() const;
        template <class L>
        L& add(std::unique_ptr<L> layer) {
            L& added = *layer;
            net_.layers_.push_back(std::move(layer));
            return added;
        }

      private:
        friend class Network;
        explicit Builder(Network& net) : net_(net) {}
        Network& net_;
    };

    /// The multilayer perceptron of `spec`.
    Network(const NetSpec& spec, std::size_t max_batch, std::uint64_t dropout_seed = 0);
    /// Any layers in sequence: `build` adds them, the first taking `in_features` per row;
    /// `loss` on the last one's outputs.
    Network(std::size_t in_features, Loss loss, std::size_t max_batch,
            const std::function<void(Builder&)>& build, std::uint64_t dropout_seed = 0);

    const NetSpec& spec() const { return spec_; }
    ParamStore<T>& store() { return store_; }
    const ParamStore<T>& store() const { return store_; }
    std::size_t in_features() const { return spec_.sizes.front(); }
    std::size_t num_classes() const { return spec_.sizes.back(); }
    std::size_t max_batch() const { return max_batch_; }
    const std::vector<std::unique_ptr<Layer<T>>>& layers() const { return layers_; }

    /// Linear weights from `weights`, biases zero, BatchNorm γ = 1 and β = 0.
    void init(const Init& weights, Rng& rng);

    /// Runs the layers on `rows` rows of x (rows × in_features); returns the outputs
    /// (rows × classes). rows <= max_batch.
    const T* forward(const T* x, std::size_t rows, bool training);
    /// The first layer's input buffer (max_batch × in_features): gather a batch straight into
    /// it and forward(input(), ...) skips its copy (one batch-sized buffer fewer).
    T* input() { return acts_[0].data(); }
    /// The outputs of layer i (0-based) from the last forward (rows × its features).
    const T* activations(std::size_t i) const { return acts_.at(i + 1).data(); }
    /// The loss of the last forward against `labels` (each < classes), averaged.
    double loss(const std::uint8_t* labels, std::size_t rows);
    /// Back-propagates the last loss(), adding every parameter's gradient to the store.
    void backward(const std::uint8_t* labels, std::size_t rows);
    /// The loss of the last forward against `targets` (rows × outputs, each in [0, 1] for
    /// binary cross-entropy), averaged over every output; and its back-propagation.
    double loss(const T* targets, std::size_t rows);
    void backward(const T* targets, std::size_t rows);
    /// How many of the last forward's rows have their largest output at the label.
    std::size_t count_correct(const std::uint8_t* labels, std::size_t rows) const;

    /// Non-parameter state to checkpoint: BatchNorm running statistics, by name
    /// ("bn1.running_mean", ...).
    std::vector<std::pair<std::string, std::vector<T>*>> buffers();
    Rng& dropout_rng() { return dropout_rng_; }
    /// One line per layer.
    std::string describe() const;
    /// Bytes of the activation buffers (inputs, outputs and their gradients, at max_batch rows).
    std::size_t activation_bytes() const;

  private:
    // Allocates the activation buffers for the layers added and groups them into runs.
    void finish();
    void backward_layers(std::size_t rows);

    NetSpec spec_;
    std::size_t max_batch_;
    ParamStore<T> store_;
    Rng dropout_rng_;
    std::vector<std::unique_ptr<Layer<T>>> layers_;
    // Each buffer starts on a cache line, so row shares at multiples of row_grain_ do too.
    std::vector<AlignedVector<T>> acts_;   // acts_[0] input, acts_[i+1] output of layer i
    std::vector<AlignedVector<T>> grads_;  // dL/d acts_[i]
    std::vector<T> probs_;               // softmax (cross-entropy) or σ (binary cross-entropy) of the outputs
    std::vector<double> row_losses_;     // each row's loss, added up in row order by loss()
    // Layers run in parallel regions, a run of them per region: [first, last) forward,
    // [last, first) backward (from last − 1 down to first).
    std::vector<std::pair<std::size_t, std::size_t>> forward_runs_, backward_runs_;
    std::vector<std::size_t> forward_chunks_;  // per forward run: rows a part takes at a time (0: all)
    std::size_t row_grain_ = 1;  // rows per share boundary: whole cache lines in every buffer
};

extern template class Network<float>;
extern template class Network<double>;

}  // namespace optlab::nn
