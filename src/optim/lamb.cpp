// SPDX-License-Identifier: MIT
// LAMB; the formula is in lamb.hpp and docs/optimizers.md#lamb.
#include "optlab/optim/lamb.hpp"

#include <cmath>
#include <type_traits>

#include "optlab/optim/optimizer_impl.hpp"
#include "known_divisor.hpp"
#include "tensor_blocks.hpp"

namespace optlab {

LambOptions LambOptions::defaults(Convention c) {
    LambOptions o;
    o.convention = c;
    if (c == Convention::keras) o.eps = 1e-7;  // Keras' Lamb epsilon
    return o;
}

template <class T>
void Lamb<T>::validate(const LambOptions& o) {
    check_adam_family(kName, o);
    check_non_negative(kName, o.eps_root);
}

namespace {

// The norms are sums over blocks (tensor_blocks.hpp), each block's in a fixed order, then the
// blocks' sums in order: the same bits on any number of threads and any instruction set.
using tensor_blocks::sum_of_squares;

template <class T>
struct LambScalars {
    T sign, wd;                                 // ±1; λ
    T beta1, beta2, one_minus_beta1, one_minus_beta2;
    T bias_correction1, bias_correction2;       // 1−β1^t, 1−β2^t
    double inverse1, inverse2;                  // 1/(1−β1^t), 1/(1−β2^t) in float64 (float32 only)
    T eps, eps_root, neg_lr;                    // ε, ε_root, −γ
};

// x/d for a bias correction d (≤ 1): by a float64 reciprocal in float32, the division's bits
// (known_divisor.hpp); the division in float64.
template <class T>
inline T divide_by(T x, T divisor, double inverse) {
    if constexpr (std::is_same_v<T, float>) {
        return by_reciprocal(x, inverse);
    } else {
        (void)inverse;
        return x / divisor;
    }
}

// u for element i from the moments already updated: m̂/(√(v̂ + ε_root) + ε) + λθ.
template <class T>
inline T direction(T m, T v, T p, const LambScalars<T>& s) {
    const T m_hat = divide_by(m, s.bias_correction1, s.inverse1);  // m̂ = m/(1−β1^t)
    const T v_hat = divide_by(v, s.bias_correction2, s.inverse2);  // v̂ = v/(1−β2^t)
    return m_hat / (std::sqrt(v_hat + s.eps_root) + s.eps) + s.wd * p;  // u = m̂/(√v̂+ε) + λθ
}

// First pass over [begin, end): the moments and u, kept in `dir` for the second pass (one
// division and square root per element, not two: the step is bound by them), then the sums of
// θ² and u² into sums[0..1] while the block is in the cache, element j in running sum
// (j − begin) mod 8.
template <class T>
void lamb_moments(std::size_t begin, std::size_t end, const T* __restrict p,
                  const T* __restrict grad, T* __restrict m, T* __restrict v, T* __restrict dir,
                  const LambScalars<T>& s, double* sums) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i];
        m[i] = s.one_minus_beta1 * g + s.beta1 * m[i];           // m ← (1−β1)·g + β1·m
        v[i] = s.one_minus_beta2 * (g * g) + s.beta2 * v[i];     // v ← (1−β2)·g² + β2·v
        dir[i] = direction(m[i], v[i], p[i], s);                 // u
    }
    const std::size_t n = end - begin;
    sums[0] = sum_of_squares(p + begin, n);                      // ‖θ‖²
    sums[1] = sum_of_squares(dir + begin, n);                    // ‖u‖²
}

// Second pass: θ ← θ + (−γ)·(r·u).
template <class T>
void lamb_apply(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict dir, T neg_lr,
                T ratio) {
    for (std::size_t i = begin; i < end; ++i) p[i] = p[i] + neg_lr * (dir[i] * ratio);  // θ ← θ − γ·(r·u)
}

}  // namespace

template <class T>
void Lamb<T>::step_group(std::size_t g) {
    const LambOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_sq");
    const double t = double(this->groups_[g].step);
    const T bias_correction1 = T(1.0 - std::pow(o.betas[0], t)), bias_correction2 = T(1.0 - std::pow(o.betas[1], t));
    const LambScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = T(o.weight_decay),
        .beta1 = T(o.betas[0]),
        .beta2 = T(o.betas[1]),
        .one_minus_beta1 = T(1.0 - o.betas[0]),
        .one_minus_beta2 = T(1.0 - o.betas[1]),
        .bias_correction1 = bias_correction1,
        .bias_correction2 = bias_correction2,
        .inverse1 = inverse_of(bias_correction1),
        .inverse2 = inverse_of(bias_correction2),
        .eps = T(o.eps),
        .eps_root = T(o.eps_root),
        .neg_lr = T(-o.lr),
    };
    if (blocks_.size() <= g) blocks_.resize(g + 1);
    std::vector<LambBlock>& blocks = blocks_[g];
    const auto& tensors = this->group_tensors(g);
    if (blocks.empty()) blocks = tensor_blocks::make_blocks<LambBlock>(this->store_, tensors);
    block_sums_.resize(std::max(block_sums_.size(), 2 * blocks.size()));
    directions_.resize(this->store_.arena_size());  // by arena offset; allocated at the first step
    T* dir = directions_.data();
    auto moments = [&](std::size_t first, std::size_t last) {
        for (std::size_t b = first; b < last; ++b) {
            lamb_moments<T>(blocks[b].begin, blocks[b].end, p, grad, m, v, dir, s, &block_sums_[2 * b]);
        }
    };
    tensor_blocks::for_blocks(blocks.size(), moments);
    // Per tensor: r = ‖θ‖/‖u‖, 1 where either is 0 (Optax's safe trust ratio). The blocks'
    // sums are added in block order: the same on any number of threads.
    tensor_blocks::add_by_tensor(blocks, block_sums_, 2, tensors.size(), tensor_sums_);
    ratios_.resize(tensors.size());
    for (std::size_t k = 0; k < tensors.size(); ++k) {
        const double pn = std::sqrt(tensor_sums_[2 * k]), un = std::sqrt(tensor_sums_[2 * k + 1]);
        ratios_[k] = pn == 0.0 || un == 0.0 ? 1.0 : pn / un;
    }
    auto apply = [&](std::size_t first, std::size_t last) {
        for (std::size_t b = first; b < last; ++b) {
            lamb_apply<T>(blocks[b].begin, blocks[b].end, p, dir, s.neg_lr, T(ratios_[blocks[b].tensor]));
        }
    };
    tensor_blocks::for_blocks(blocks.size(), apply);
}

template class Lamb<float>;
template class Lamb<double>;

}  // namespace optlab
