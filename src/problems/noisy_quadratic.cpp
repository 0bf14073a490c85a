// SPDX-License-Identifier: MIT
#include "optlab/problems/noisy_quadratic.hpp"

#include <algorithm>
#include <cmath>

#include "optlab/core/rng.hpp"

namespace optlab {

namespace {

constexpr std::size_t D = NoisyQuadratic::kDim;

// A rotation drawn uniformly: Gram–Schmidt (modified, twice for accuracy) on the rows of a
// Gaussian matrix gives Q of a QR decomposition with a positive diagonal, which is Haar
// distributed (Mezzadri 2007).
std::vector<double> random_rotation(Rng& rng) {
    std::vector<double> r(D * D);
    for (double& v : r) v = rng.normal();
    for (std::size_t i = 0; i < D; ++i) {
        double* row = &r[i * D];
        for (int pass = 0; pass < 2; ++pass) {
            for (std::size_t j = 0; j < i; ++j) {
                const double* prev = &r[j * D];
                double dot = 0;
                for (std::size_t k = 0; k < D; ++k) dot += row[k] * prev[k];
                for (std::size_t k = 0; k < D; ++k) row[k] -= dot * prev[k];
            }
        }
        double norm = 0;
        for (std::size_t k = 0; k < D; ++k) norm += row[k] * row[k];
        norm = std::sqrt(norm);
        for (std::size_t k = 0; k < D; ++k) row[k] /= norm;
    }
    return r;
}

std::vector<double> points(std::uint64_t seed) {
    Rng rng(seed);
    std::vector<double> x(NoisyQuadratic::kPoints * D);
    for (double& v : x) v = rng.normal(0.0, 0.6);
    return x;
}

}  // namespace

NoisyQuadratic::NoisyQuadratic()
    : hessian_(D * D), train_(points(42)), test_(points(43)), validation_(points(44)), mean_(D), residual_(D) {
    store_.add("theta", {D});
    for (float& t : store_.params()) t = 1.0f;  // DeepOBS's start: θ = 1
    Rng rng(41);
    std::vector<double> eigenvalues(D);
    for (std::size_t i = 0; i < D; ++i) eigenvalues[i] = i < 90 ? rng.uniform(0.0, 1.0) : rng.uniform(30.0, 60.0);
    const std::vector<double> r = random_rotation(rng);
    for (std::size_t i = 0; i < D; ++i) {  // Q = Rᵀ diag(λ) R
        for (std::size_t j = 0; j < D; ++j) {
            double q = 0;
            for (std::size_t k = 0; k < D; ++k) q += r[k * D + i] * eigenvalues[k] * r[k * D + j];
            hessian_[i * D + j] = q;
        }
    }
    train_costs_.reserve(kPoints);
    (void)summarise(train_, &train_costs_);
    test_summary_ = summarise(test_, nullptr);
    validation_summary_ = summarise(validation_, nullptr);
}

std::string NoisyQuadratic::describe() const {
    return "noisy quadratic: θ ∈ R^100, ½(θ − x)ᵀQ(θ − x), 90 eigenvalues of Q in (0, 1) and 10 in (30, 60)";
}

// With c_b = ½ x_bᵀQx_b known for every point, the mean cost over any set of points B is
//   (1/|B|) Σ ½ (θ − x_b)ᵀQ(θ − x_b) = ½ θᵀQθ − θᵀQx̄_B + (1/|B|) Σ c_b
// (Q symmetric): two products with Q per batch or split instead of one per point.
double NoisyQuadratic::half_form(const double* a, const double* b) const {
    double sum = 0;
    for (std::size_t i = 0; i < D; ++i) {
        double qb = 0;
        for (std::size_t j = 0; j < D; ++j) qb += hessian_[i * D + j] * b[j];
        sum += a[i] * qb;
    }
    return 0.5 * sum;
}

NoisyQuadratic::Summary NoisyQuadratic::summarise(const std::vector<double>& pts, std::vector<double>* costs) const {
    Summary s{std::vector<double>(D, 0.0), 0.0};
    for (std::size_t b = 0; b < kPoints; ++b) {
        const double* x = &pts[b * D];
        const double c = half_form(x, x);
        if (costs) costs->push_back(c);
        s.mean_cost += c;
        for (std::size_t k = 0; k < D; ++k) s.mean[k] += x[k];
    }
    for (double& m : s.mean) m /= double(kPoints);
    s.mean_cost /= double(kPoints);
    return s;
}

double NoisyQuadratic::cost(const float* theta, const double* mean, double mean_cost) const {
    for (std::size_t k = 0; k < D; ++k) residual_[k] = double(theta[k]);
    return half_form(residual_.data(), residual_.data()) - 2.0 * half_form(residual_.data(), mean) + mean_cost;
}

BatchResult NoisyQuadratic::train_batch(std::span<const std::uint32_t> batch, bool backward) {
    const float* theta = store_.params().data();
    std::fill(mean_.begin(), mean_.end(), 0.0);
    double batch_cost = 0;
    for (const std::uint32_t b : batch) {
        const double* x = &train_[std::size_t(b) * D];
        for (std::size_t k = 0; k < D; ++k) mean_[k] += x[k];
        batch_cost += train_costs_[b];
    }
    const double rows = double(batch.size());
    for (double& m : mean_) m /= rows;
    const double loss = cost(theta, mean_.data(), batch_cost / rows);
    if (backward) {  // ∇ = Q(θ − x̄)
        for (std::size_t k = 0; k < D; ++k) residual_[k] = double(theta[k]) - mean_[k];
        float* grad = store_.grads().data();
        for (std::size_t i = 0; i < D; ++i) {
            double g = 0;
            for (std::size_t j = 0; j < D; ++j) g += hessian_[i * D + j] * residual_[j];
            grad[i] += float(g);
        }
    }
    return {loss, loss * rows};
}

double NoisyQuadratic::loss_at(const float* theta, const std::vector<double>& pts) const {
    const Summary s = summarise(pts, nullptr);
    return cost(theta, s.mean.data(), s.mean_cost);
}

Evaluation NoisyQuadratic::evaluate(Split split) {
    const Summary& s = split == Split::test ? test_summary_ : validation_summary_;
    const double loss = cost(store_.params().data(), s.mean.data(), s.mean_cost);
    return {loss, loss};
}

std::uint64_t NoisyQuadratic::data_bytes() const { return (train_.size() + test_.size() + validation_.size()) * sizeof(double); }

std::uint64_t NoisyQuadratic::model_bytes() const {
    return 2 * D * sizeof(float) + (hessian_.size() + 2 * D) * sizeof(double);
}

}  // namespace optlab
