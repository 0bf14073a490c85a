// SPDX-License-Identifier: MIT
// NovoGrad; the formula is in novograd.hpp and docs/optimizers.md#novograd.
#include "optlab/optim/novograd.hpp"

#include <cmath>

#include "tensor_blocks.hpp"

namespace optlab {

NovogradOptions NovogradOptions::defaults(Convention c) {
    NovogradOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Novograd<T>::validate(const NovogradOptions& o) {
    check_adam_family(kName, o);
    check_non_negative(kName, o.eps_root);
}

namespace {

template <class T>
struct NovogradScalars {
    T sign, wd, neg_lr, beta1;  // ±1; λ; −γ; β1
};

// Second pass over [begin, end) of one tensor, whose denominator √(ν + ε_root) + ε is `denom`.
template <class T, bool kFirst, bool kDecay>
void novograd_step(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                   T* __restrict m, const NovogradScalars<T>& s, T denom) {
    for (std::size_t i = begin; i < end; ++i) {
        T a = (s.sign * grad[i]) / denom;                      // a = g/(√(ν + ε_root) + ε)
        if constexpr (kDecay) a = a + s.wd * p[i];             //   + λθ
        if constexpr (kFirst) {
            m[i] = a;                                          // m ← a at the first step
        } else {
            m[i] = s.beta1 * m[i] + a;                         // m ← β1·m + a
        }
        p[i] = p[i] + s.neg_lr * m[i];                         // θ ← θ + (−γ)·m
    }
}

}  // namespace

template <class T>
void Novograd<T>::step_group(std::size_t g) {
    const NovogradOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    const bool first = this->groups_[g].step == 1;
    if (blocks_.size() <= g) blocks_.resize(g + 1);
    std::vector<Block>& blocks = blocks_[g];
    const auto& tensors = this->group_tensors(g);
    if (blocks.empty()) blocks = tensor_blocks::make_blocks<Block>(this->store_, tensors);
    if (nu_.empty()) nu_.assign(this->store_.tensors().size(), T(0));
    // First pass: Σg² per block ((±g)² = g²), then per tensor in block order.
    block_sums_.resize(std::max(block_sums_.size(), blocks.size()));
    auto sums = [&](std::size_t first_block, std::size_t last_block) {
        for (std::size_t k = first_block; k < last_block; ++k) {
            block_sums_[k] = tensor_blocks::sum_of_squares(grad + blocks[k].begin, blocks[k].end - blocks[k].begin);
        }
    };
    tensor_blocks::for_blocks(blocks.size(), sums);
    tensor_blocks::add_by_tensor(blocks, block_sums_, 1, tensors.size(), tensor_sums_);
    // Per tensor, in the parameters' dtype: ‖g‖ rounded from its float64 sum, then squared
    // (Optax: jnp.linalg.norm(g) ** 2), and ν.
    const T beta2 = T(o.betas[1]), one_minus_beta2 = T(1.0 - o.betas[1]);
    const T eps = T(o.eps), eps_root = T(o.eps_root);
    denominators_.resize(tensors.size());
    for (std::size_t k = 0; k < tensors.size(); ++k) {
        const T norm = T(std::sqrt(tensor_sums_[k]));
        T& nu = nu_[tensors[k]];
        nu = first ? norm * norm                                       // ν ← ‖g‖² at the first step
                   : one_minus_beta2 * (norm * norm) + beta2 * nu;     // ν ← (1−β2)·‖g‖² + β2·ν
        denominators_[k] = std::sqrt(nu + eps_root) + eps;             // √(ν + ε_root) + ε
    }
    const NovogradScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = T(o.weight_decay),
        .neg_lr = T(-o.lr),
        .beta1 = T(o.betas[0]),
    };
    with_flags(
        [&]<bool kFirst, bool kDecay>() {
            auto step = [&](std::size_t first_block, std::size_t last_block) {
                for (std::size_t k = first_block; k < last_block; ++k) {
                    novograd_step<T, kFirst, kDecay>(blocks[k].begin, blocks[k].end, p, grad, m, s,
                                                     denominators_[blocks[k].tensor]);
                }
            };
            tensor_blocks::for_blocks(blocks.size(), step);
        },
        first, o.weight_decay != 0.0);
}

template <class T>
std::size_t Novograd<T>::state_bytes() const {
    return Base::state_bytes() + nu_.size() * sizeof(T);
}

template <class T>
OptimizerState<T> Novograd<T>::state_dict() const {
    OptimizerState<T> s = Base::state_dict();
    for (std::size_t g = 0; g < this->groups_.size(); ++g) {
        if (this->groups_[g].step == 0) continue;  // ν exists from a group's first step on
        for (std::size_t index : this->groups_[g].tensors) {
            s.buffers.push_back({this->store_.info(index).name, "exp_avg_sq", {}, {nu_[index]}});
        }
    }
    return s;
}

template <class T>
void Novograd<T>::load_state_dict(const OptimizerState<T>& s) {
    // ν is checked here, before anything changes; the rest is the base's.
    OptimizerState<T> rest = s;
    rest.buffers.clear();
    std::vector<T> loaded(this->store_.tensors().size(), T(0));
    std::vector<bool> seen(loaded.size(), false);
    for (const auto& b : s.buffers) {
        if (b.buffer != "exp_avg_sq") {
            rest.buffers.push_back(b);
            continue;
        }
        if (!this->store_.contains(b.param)) {
            throw StateMismatch("optimizer state: tensor '" + b.param + "' (buffer exp_avg_sq) is not in the model");
        }
        if (!b.shape.empty() || b.data.size() != 1) {
            throw StateMismatch("optimizer state: tensor '" + b.param +
                                "' buffer exp_avg_sq is one number per tensor (a 0-d tensor), not " +
                                std::to_string(b.data.size()));
        }
        const std::size_t index = this->store_.index_of(b.param);
        loaded[index] = b.data[0];
        seen[index] = true;
    }
    for (std::size_t g = 0; g < s.groups.size() && g < this->groups_.size(); ++g) {
        if (s.groups[g].step == 0) continue;
        for (std::size_t index : this->groups_[g].tensors) {
            if (!seen[index]) {
                throw StateMismatch("optimizer state: tensor '" + this->store_.info(index).name +
                                    "' has stepped but has no exp_avg_sq (NovoGrad's ν)");
            }
        }
    }
    Base::load_state_dict(rest);  // refuses, changing nothing, what does not fit
    nu_ = std::move(loaded);
}

template class Novograd<float>;
template class Novograd<double>;

}  // namespace optlab
