// SPDX-License-Identifier: MIT
// The layers of a multilayer perceptron, on batches stored row-major (rows × features).
// Parameters and their gradients live in the network's ParamStore, so one optimizer step
// updates every layer in a single fused pass; layers hold views into it.
//
//   Linear       y = x·W + b            W: (in, out) row-major, b: (out)   (the book's layout)
//   ReLU         y = max(0, x)
//   LeakyReLU    y = x > 0 ? x : slope·x
//   Sigmoid      y = 1/(1 + e^−x)
//   Tanh         y = tanh x
//   BatchNorm    y = γ·(x − μ_B)/√(σ²_B + ε) + β in training (batch statistics, biased σ²),
//                running averages μ ← (1−m)μ + m·μ_B, σ² ← (1−m)σ² + m·σ²_B·B/(B−1)
//                used in evaluation (torch.nn.BatchNorm1d, momentum m = 0.1, ε = 1e-5)
//   Dropout      y = x·mask/(1−p), mask ~ Bernoulli(1−p), in training only (inverted dropout)
// Gradient matrices products run through CBLAS (OpenBLAS).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "optlab/core/parallel.hpp"
#include "optlab/core/param_store.hpp"
#include "optlab/core/rng.hpp"
#include "optlab/init/initializers.hpp"

namespace optlab::nn {

template <class T>
class Layer {
  public:
    virtual ~Layer() = default;
    virtual std::string name() const = 0;
    virtual std::size_t out_features() const = 0;

    /// y ← f(x) for `rows` rows; `training` selects batch statistics and dropout.
    void forward(const T* x, T* y, std::size_t rows, bool training) {
        check_batch(rows, training);
        forward_part(x, y, rows, training, Part{});
    }
    /// Accumulates parameter gradients and, when dx is not null, writes dL/dx.
    /// x and y are what forward() read and wrote for these rows.
    void backward(const T* x, const T* y, const T* dy, T* dx, std::size_t rows) {
        backward_part(x, y, dy, dx, rows, Part{});
    }

    // The same work split between optlab's threads (parallel_run): each part does its share,
    // and the parts of one call together do what forward() or backward() does. A layer splits
    // by rows where it can (Part::share_rows), else as its work allows; the network runs
    // consecutive row-split layers in one region, since each part then only reads rows it wrote.

    /// Draws the layer's parameters: weights from `weights`, biases and shifts their fixed
    /// values (Network::init calls each layer in order, so the draws follow the layers).
    virtual void init(const Init& /*weights*/, Rng& /*rng*/) {}
    /// Bytes the layer keeps for backward beside the network's activation buffers.
    virtual std::size_t activation_bytes() const { return 0; }

    /// Throws what forward() would refuse; called before a region, where nothing may throw.
    virtual void check_batch(std::size_t /*rows*/, bool /*training*/) const {}
    /// Throws where the network's input is not what this layer takes (called on the first
    /// layer only: token ids for an Embedding).
    virtual void check_input(const T* /*x*/, std::size_t /*rows*/) const {}
    virtual void forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) = 0;
    virtual void backward_part(const T* x, const T* y, const T* dy, T* dx, std::size_t rows, Part part) = 0;
    /// forward_part reads only its part's rows of x and writes only those rows of y.
    virtual bool forward_by_rows() const { return false; }
    /// backward_part reads only its part's rows of x, y and dy (parameter gradients aside).
    virtual bool backward_by_rows() const { return false; }
    /// backward_part writes exactly its part's rows of dx.
    virtual bool dx_by_rows() const { return false; }
};

template <class T>
class Linear final : public Layer<T> {
  public:
    /// Adds "<prefix>.weight" (in, out) and "<prefix>.bias" (out) to `store`.
    Linear(ParamStore<T>& store, const std::string& prefix, std::size_t in, std::size_t out);
    std::string name() const override { return "Linear(" + std::to_string(in_) + ", " + std::to_string(out_) + ")"; }
    std::size_t out_features() const override { return out_; }
    /// W from `weights` as an (in, out) matrix, b zero.
    void init(const Init& weights, Rng& rng) override;
    /// y = x·W + b on the part's rows.
    void forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) override;
    /// dW and db sum over every row, so each part takes a share of W's rows (and of b) over
    /// the whole batch; dx = dy·Wᵀ on the part's rows.
    void backward_part(const T* x, const T* y, const T* dy, T* dx, std::size_t rows, Part part) override;
    bool forward_by_rows() const override { return true; }
    bool dx_by_rows() const override { return true; }
    std::size_t weight_index() const { return weight_; }
    std::size_t bias_index() const { return bias_; }

  private:
    ParamStore<T>& store_;
    std::size_t in_, out_, weight_, bias_;
};

enum class Activation { relu, leaky_relu, sigmoid, tanh };

template <class T>
class ActivationLayer final : public Layer<T> {
  public:
    ActivationLayer(Activation kind, std::size_t features, double slope = 0.01)
        : kind_(kind), features_(features), slope_(T(slope)) {}
    std::string name() const override;
    std::size_t out_features() const override { return features_; }
    void forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) override;
    void backward_part(const T* x, const T* y, const T* dy, T* dx, std::size_t rows, Part part) override;
    bool forward_by_rows() const override { return true; }
    bool backward_by_rows() const override { return true; }
    bool dx_by_rows() const override { return true; }

  private:
    Activation kind_;
    std::size_t features_;
    T slope_;
};

template <class T>
class BatchNorm final : public Layer<T> {
  public:
    /// Adds "<prefix>.weight" (γ, ones) and "<prefix>.bias" (β, zeros) to `store`.
    BatchNorm(ParamStore<T>& store, const std::string& prefix, std::size_t features,
              std::size_t max_rows, double momentum = 0.1, double eps = 1e-5);
    std::string name() const override { return "BatchNorm(" + std::to_string(features_) + ")"; }
    std::size_t out_features() const override { return features_; }
    /// γ = 1, β = 0, running mean 0 and variance 1.
    void init(const Init& weights, Rng& rng) override;
    std::size_t activation_bytes() const override { return xhat_.size() * sizeof(T); }
    void check_batch(std::size_t rows, bool training) const override;
    /// Each feature's statistics span every row: parts split the features.
    void forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) override;
    void backward_part(const T* x, const T* y, const T* dy, T* dx, std::size_t rows, Part part) override;
    std::vector<T>& running_mean() { return running_mean_; }
    std::vector<T>& running_var() { return running_var_; }
    const std::string& prefix() const { return prefix_; }

  private:
    ParamStore<T>& store_;
    std::string prefix_;
    std::size_t features_, gamma_, beta_;
    T momentum_, eps_;
    std::vector<T> running_mean_, running_var_;
    std::vector<T> xhat_, inv_std_;  // saved by the training forward for backward
};

template <class T>
class Dropout final : public Layer<T> {
  public:
    Dropout(std::size_t features, std::size_t max_rows, double p, Rng& rng);
    std::string name() const override;
    std::size_t out_features() const override { return features_; }
    /// Part 0 draws the whole mask: one random stream in element order, whatever the threads.
    void forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) override;
    void backward_part(const T* x, const T* y, const T* dy, T* dx, std::size_t rows, Part part) override;
    bool backward_by_rows() const override { return true; }
    bool dx_by_rows() const override { return true; }
    std::size_t activation_bytes() const override { return mask_.size() * sizeof(T); }

  private:
    std::size_t features_;
    double p_;
    Rng& rng_;
    std::vector<T> mask_;  // 0 or 1/(1−p), per element of the last training forward
};

}  // namespace optlab::nn
