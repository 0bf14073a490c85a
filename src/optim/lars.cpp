// SPDX-License-Identifier: MIT
// LARS; the formula is in lars.hpp and docs/optimizers.md#lars.
#include "optlab/optim/lars.hpp"

#include <cmath>

#include "tensor_blocks.hpp"

namespace optlab {

LarsOptions LarsOptions::defaults(Convention c) {
    LarsOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Lars<T>::validate(const LarsOptions& o) {
    check_non_negative(kName, o.lr);
    check_non_negative(kName, o.weight_decay);
    check_non_negative(kName, o.trust_coefficient);
    check_non_negative(kName, o.eps);
    check_non_negative(kName, o.momentum);  // (Optax checks none of these)
}

namespace {

using tensor_blocks::kLanes;

template <class T>
struct LarsScalars {
    T sign, wd, neg_lr, momentum;  // ±1; λ; −γ; μ
};

// u = ±g + λθ, as both passes compute it.
template <class T, bool kDecay>
inline T direction(T grad, T p, const LarsScalars<T>& s) {
    T u = s.sign * grad;
    if constexpr (kDecay) u = u + s.wd * p;  // u = ±g + λθ
    return u;
}

// First pass over one block: Σθ² and Σu² in float64 into sums[0..1], element j in running sum
// j mod 8, the eight added in a fixed tree (the same bits on any instruction set).
template <class T, bool kDecay>
void lars_sums(std::size_t begin, std::size_t end, const T* __restrict p, const T* __restrict grad,
               const LarsScalars<T>& s, double* sums) {
    double acc_p[kLanes] = {}, acc_u[kLanes] = {};
    std::size_t i = begin;
    for (; i + kLanes <= end; i += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) {
            const double u = double(direction<T, kDecay>(grad[i + k], p[i + k], s));
            acc_p[k] += double(p[i + k]) * double(p[i + k]);
            acc_u[k] += u * u;
        }
    }
    for (std::size_t k = 0; i < end; ++i, ++k) {
        const double u = double(direction<T, kDecay>(grad[i], p[i], s));
        acc_p[k] += double(p[i]) * double(p[i]);
        acc_u[k] += u * u;
    }
    auto tree = [](const double* a) { return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])); };
    sums[0] = tree(acc_p);  // ‖θ‖²
    sums[1] = tree(acc_u);  // ‖u‖²
}

// Second pass: the step, with the tensor's trust ratio r.
template <class T, bool kDecay, bool kNesterov>
void lars_step(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
               T* __restrict b, const LarsScalars<T>& s, T ratio) {
    for (std::size_t i = begin; i < end; ++i) {
        const T u = s.neg_lr * (direction<T, kDecay>(grad[i], p[i], s) * ratio);  // u = (−γ)·(u·r)
        b[i] = u + s.momentum * b[i];                                              // b ← u + μ·b
        if constexpr (kNesterov) {
            p[i] = p[i] + (u + s.momentum * b[i]);                                 // θ ← θ + (u + μ·b)
        } else {
            p[i] = p[i] + b[i];                                                    // θ ← θ + b
        }
    }
}

}  // namespace

template <class T>
void Lars<T>::step_group(std::size_t g) {
    const LarsOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* b = this->state("momentum_buffer");
    const LarsScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = T(o.weight_decay),
        .neg_lr = T(-o.lr),
        .momentum = T(o.momentum),
    };
    if (blocks_.size() <= g) blocks_.resize(g + 1);
    std::vector<Block>& blocks = blocks_[g];
    const auto& tensors = this->group_tensors(g);
    if (blocks.empty()) blocks = tensor_blocks::make_blocks<Block>(this->store_, tensors);
    ratios_.assign(tensors.size(), T(1));
    const bool decay = o.weight_decay != 0.0;
    if (o.trust_ratio_mask) {
        block_sums_.resize(std::max(block_sums_.size(), 2 * blocks.size()));
        with_flags(
            [&]<bool kDecay>() {
                auto sums = [&](std::size_t first, std::size_t last) {
                    for (std::size_t k = first; k < last; ++k) {
                        lars_sums<T, kDecay>(blocks[k].begin, blocks[k].end, p, grad, s, &block_sums_[2 * k]);
                    }
                };
                tensor_blocks::for_blocks(blocks.size(), sums);
            },
            decay);
        // Per tensor: r = η·‖θ‖/(‖u‖ + ε) in the parameters' dtype, each norm rounded to it from
        // its float64 sum, 1 where either is 0 (Optax's safe trust ratio).
        tensor_blocks::add_by_tensor(blocks, block_sums_, 2, tensors.size(), tensor_sums_);
        const T coefficient = T(o.trust_coefficient), eps = T(o.eps);
        for (std::size_t k = 0; k < tensors.size(); ++k) {
            const T param_norm = T(std::sqrt(tensor_sums_[2 * k]));
            const T update_norm = T(std::sqrt(tensor_sums_[2 * k + 1]));
            if (param_norm != T(0) && update_norm != T(0)) ratios_[k] = coefficient * param_norm / (update_norm + eps);
        }
    }
    with_flags(
        [&]<bool kDecay, bool kNesterov>() {
            auto step = [&](std::size_t first, std::size_t last) {
                for (std::size_t k = first; k < last; ++k) {
                    lars_step<T, kDecay, kNesterov>(blocks[k].begin, blocks[k].end, p, grad, b, s,
                                                    ratios_[blocks[k].tensor]);
                }
            };
            tensor_blocks::for_blocks(blocks.size(), step);
        },
        decay, bool(o.nesterov));
}

template class Lars<float>;
template class Lars<double>;

}  // namespace optlab
