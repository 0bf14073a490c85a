// SPDX-License-Identifier: MIT
// A noisy quadratic with a deep-learning-like Hessian, after DeepOBS's `quadratic_deep`
// (Schneider et al. 2019): θ ∈ R^100 starts at 1, and a batch of "data" points x_b costs
//
//   L(θ) = (1/B) Σ_b ½ (θ − x_b)ᵀ Q (θ − x_b),   ∇L = Q (θ − x̄)
//
// with Q = Rᵀ diag(λ) R, 90 eigenvalues λ drawn from U(0, 1) and 10 from U(30, 60) (most
// directions flat, a few steep, as reported for networks), R a rotation drawn uniformly (the
// QR decomposition of a Gaussian matrix, signs fixed), and 1000 training, 1000 test and 1000
// validation points x ~ N(0, 0.6²·I) (DeepOBS has no validation set; the suite tunes on it). Q and the points are fixed properties of the problem, drawn from optlab's
// generator with fixed seeds whatever the run's --seed (DeepOBS fixes NumPy's 42 and 43; the
// numbers differ, the distributions are the same). The metric is the test loss; its minimum,
// at θ = mean of the test points, is ≈ ½·0.36·tr(Q).
#pragma once

#include <vector>

#include "optlab/problems/problem.hpp"

namespace optlab {

class NoisyQuadratic final : public Problem {
  public:
    static constexpr std::size_t kDim = 100, kPoints = 1000;

    NoisyQuadratic();
    ParamStore<float>& store() override { return store_; }
    std::string_view metric_name() const override { return "loss"; }
    std::string describe() const override;
    std::size_t train_examples() const override { return kPoints; }
    std::size_t max_batch() const override { return kPoints; }
    BatchResult train_batch(std::span<const std::uint32_t> batch, bool backward) override;
    Evaluation evaluate(Split split) override;
    bool has_validation() const override { return true; }
    std::vector<std::pair<std::string, std::vector<float>*>> buffers() override { return {}; }
    std::vector<std::pair<std::string, Rng*>> generators() override { return {}; }
    std::uint64_t data_bytes() const override;
    std::uint64_t model_bytes() const override;

    /// The loss at θ over the points of a split (1000 × 100, row-major).
    double loss_at(const float* theta, const std::vector<double>& points) const;
    const std::vector<double>& hessian() const { return hessian_; }
    const std::vector<double>& test_points() const { return test_; }

  private:
    struct Summary {
        std::vector<double> mean;  // x̄
        double mean_cost;          // the mean of ½ xᵀQx
    };
    double half_form(const double* a, const double* b) const;  // ½ aᵀQb
    Summary summarise(const std::vector<double>& pts, std::vector<double>* costs) const;
    double cost(const float* theta, const double* mean, double mean_cost) const;

    ParamStore<float> store_;
    std::vector<double> hessian_;      // Q, kDim × kDim
    std::vector<double> train_, test_, validation_;  // kPoints × kDim each
    std::vector<double> train_costs_;   // ½ x_bᵀQx_b of every training point
    Summary test_summary_, validation_summary_;
    std::vector<double> mean_;              // the batch's mean point
    mutable std::vector<double> residual_;  // θ, or θ − x̄
};

}  // namespace optlab
