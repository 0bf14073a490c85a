// SPDX-License-Identifier: MIT
// TensorFlow Playground's problems: a small network classifies points of the plane. The four
// classification sets of Playground's dataset.ts — two circles, XOR quadrants, two Gaussians,
// two spirals — with its noise and train/test split, drawn from optlab's generator, and an MLP
// on (x1, x2) (optionally x1², x2², x1·x2, sin x1, sin x2) with a tanh output unit and
// Playground's loss, ½(output − label)² with labels ±1. The problems `2d-circle`, `2d-xor`,
// `2d-gauss` and `2d-spiral` of the catalogue.
//
// The network is a handful of numbers, so it is computed with plain loops in float64 in one
// fixed order, and exp, sin and tanh are optlab's plain-arithmetic ones (core/plain_math.hpp):
// the explorable's WebAssembly engine compiles this same file, and a network trained in the
// page has, step for step, the losses `optlab train` logs (docs/explorable.md).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "optlab/data/sampler.hpp"
#include "optlab/optim/optimizer.hpp"
#include "optlab/problems/problem.hpp"

namespace optlab {

/// Points of the plane with labels ±1.
struct Points2d {
    std::vector<double> x1, x2, label;
    std::size_t size() const { return label.size(); }
};

/// The sets, by Playground's order: circle, xor, gauss, spiral.
std::span<const std::string_view> datasets_2d();
/// `count` points of a set as Playground's dataset.ts draws them (its Math.random replaced by
/// `rng`, its Gaussian by the polar method on plain::log), in its order: noise in [0, 0.5]
/// (Playground's slider over 100). Throws InvalidArgument for an unknown set.
Points2d draw_points_2d(std::string_view dataset, std::size_t count, double noise, Rng& rng);

/// The input features Playground offers, by optlab's names: x1, x2, x1sq (x1²), x2sq (x2²),
/// x1x2 (x1·x2), sinx1, sinx2.
std::span<const std::string_view> features_2d();

struct Classify2dSpec {
    std::string dataset = "circle";
    std::size_t points = 500;    // Playground's 500
    double noise = 0.0;          // 0 to 0.5
    double train_ratio = 0.5;    // of the points, for training (Playground's 50%)
    std::vector<std::string> features = {"x1", "x2"};
    std::vector<std::size_t> hidden = {4, 2};  // Playground's opening network
    std::string activation = "tanh";           // relu, tanh, sigmoid or linear
    std::string init = "xavier";               // an --init spec (init/initializers.hpp)
    double l2 = 0.0;                           // L2 penalty λ: adds λ·w to every weight's gradient
    std::uint64_t seed = 1;
    std::size_t max_batch = 10;

    /// Throws InvalidArgument naming the flag, the value and what was expected.
    void validate() const;
};

/// "8,8" → {8, 8}: 1 to 6 layers of 1 to 8 units, or InvalidArgument naming --hidden.
std::vector<std::size_t> parse_hidden_2d(std::string_view text);
/// "x1,x2,sinx1" → its names, each one of features_2d() once, or InvalidArgument naming --features.
std::vector<std::string> parse_features_2d(std::string_view text);

class Classify2d final : public Problem {
  public:
    explicit Classify2d(const Classify2dSpec& spec);

    ParamStore<float>& store() override { return store_; }
    std::string_view metric_name() const override { return "accuracy"; }
    std::string describe() const override;
    std::size_t train_examples() const override { return train_.size(); }
    std::size_t max_batch() const override { return spec_.max_batch; }
    BatchResult train_batch(std::span<const std::uint32_t> batch, bool backward) override;
    Evaluation evaluate(Split split) override;
    bool has_validation() const override { return false; }
    std::vector<std::pair<std::string, std::vector<float>*>> buffers() override { return {}; }
    std::vector<std::pair<std::string, Rng*>> generators() override { return {}; }
    std::uint64_t data_bytes() const override;
    std::uint64_t model_bytes() const override;

    /// The network's output, in (−1, 1), at every point of an nx × ny grid over [x0, x1] ×
    /// [y0, y1], row by row from y0 (the page's heat map). nx, ny >= 2.
    void output_grid(double x0, double x1, double y0, double y1, int nx, int ny, std::span<double> out);
    const Points2d& train_points() const { return train_; }
    const Points2d& test_points() const { return test_; }
    const Classify2dSpec& spec() const { return spec_; }

  private:
    enum class Act { relu, tanh, sigmoid, linear };
    void features_of(double x1, double x2, double* f) const;
    void load_weights();                     // the store's floats → w_
    double forward(const double* input);     // fills a_, returns the output
    void backward(double d_output);          // adds dL/dθ of one example to g_
    Evaluation mean_over(const Points2d& points);

    Classify2dSpec spec_;
    Act act_;
    std::vector<std::size_t> sizes_;         // features, hidden..., 1
    std::vector<std::size_t> feature_index_; // each input's position in features_2d()
    Points2d train_, test_;
    std::vector<double> train_features_, test_features_;  // points × features, row by row
    ParamStore<float> store_;
    std::vector<std::size_t> w_at_, b_at_;   // each layer's weight (in, out) and bias in w_
    std::vector<double> w_, g_;              // the parameters in float64, and a batch's gradient
    std::vector<std::size_t> a_at_;          // each layer's activations in a_ (layer 0: input)
    std::vector<double> a_, delta_;
};

/// A 2-D problem trained step by step exactly as `optlab train --problem 2d-…` trains it: the
/// optimizer made as a run makes it (make_model_optimizer, no wrapper), the run's sampler
/// (every training point once an epoch, in an order drawn from the seed + 3), and per step
/// zero_grad, the batch's loss and gradient, the update, then the test loss at the optimizer's
/// evaluation point. The explorable's networks are these; tests/problems/classify2d_test.cpp
/// checks one against `optlab train`'s run log.
class Classify2dRun {
  public:
    /// Throws InvalidArgument for a bad spec, optimizer name or hyper-parameter.
    Classify2dRun(const Classify2dSpec& spec, std::string_view optimizer, const HyperParams& hyper,
                  Convention convention);

    struct Losses {
        double train = 0;  // the batch's loss before the step (the run log's loss)
        double test = 0;   // the test set's after it
    };
    /// One step. Once the loss or a gradient is not finite the run stops there, as `optlab
    /// train` does (--nonfinite error): no update, and false from then on.
    bool step(Losses& out);
    std::int64_t steps() const { return steps_; }
    bool stopped() const { return !stop_reason_.empty(); }
    const std::string& stop_reason() const { return stop_reason_; }
    Classify2d& problem() { return problem_; }
    /// The hyper-parameters the optimizer runs with (its group 0's).
    HyperParams hyper() const { return optimizer_->hyper(0); }

  private:
    Classify2d problem_;
    std::unique_ptr<Optimizer<float>> optimizer_;
    ShuffledSampler sampler_;
    std::int64_t batch_in_epoch_ = 0, steps_ = 0;
    std::string stop_reason_;
};

}  // namespace optlab
