// SPDX-License-Identifier: MIT
// DoG; the formula is in dog.hpp and docs/optimizers.md#dog.
#include "optlab/optim/dog.hpp"

#include <algorithm>
#include <cmath>

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

DogOptions DogOptions::defaults(Convention c) {
    DogOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Dog<T>::validate(const DogOptions& o) {
    // The reference's checks: lr > 0 (optlab: >= 0), weight_decay >= 0, and init_eta > 0 when
    // given, else reps_rel > 0.
    check_non_negative(kName, o.lr);
    check_non_negative(kName, o.weight_decay);
    check_non_negative(kName, o.eps);
    if (!std::isnan(o.init_eta)) {
        if (!(o.init_eta > 0.0) || !std::isfinite(double(o.init_eta))) {
            throw_invalid(kName, "init_eta", o.init_eta, "none or a finite number > 0");
        }
    } else if (!(o.reps_rel > 0.0) || !std::isfinite(double(o.reps_rel))) {
        throw_invalid(kName, "reps_rel", o.reps_rel, "a finite number > 0 (or init_eta given)");
    }
}

namespace {

template <class T, bool kDecay>
inline T decayed(T grad, T p, T sign, T wd) {
    T g = sign * grad;
    if constexpr (kDecay) g = g + wd * p;
    return g;
}

// One chunk's sums: sums[0] = Σθ² (the first step) or Σ(θ − x0)², sums[1] = Σg².
template <class T, bool kDecay, bool kFirst>
void dog_sums(std::size_t begin, std::size_t end, const T* __restrict p, const T* __restrict grad,
              const T* __restrict x0, T sign, T wd, double* sums) {
    const std::size_t n = end - begin;
    sums[0] = lane_sum(n, [&](std::size_t j) {
        const std::size_t i = begin + j;
        const double x = kFirst ? double(p[i]) : double(T(p[i] - x0[i]));  // θ, or θ − x0 in T
        return x * x;
    });
    sums[1] = lane_sum(n, [&](std::size_t j) {
        const double g = double(decayed<T, kDecay>(grad[begin + j], p[begin + j], sign, wd));
        return g * g;
    });
}

template <class T, bool kDecay>
void dog_step(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad, T sign, T wd,
              T minus_eta) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = decayed<T, kDecay>(grad[i], p[i], sign, wd);        // ±g + λθ
        p[i] = p[i] + minus_eta * g;                                     // θ ← θ + (−η)·g
    }
}

}  // namespace

template <class T>
void Dog<T>::step_group(std::size_t g) {
    const DogOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* x0 = this->state("init_buffer");
    auto& scalars = this->groups_[g].scalars;
    const bool first = this->groups_[g].step == 1;
    if (first) {  // x0: the group's parameters at its first step
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) { std::copy(p + begin, p + end, x0 + begin); });
    }
    const T sign = o.maximize ? T(-1) : T(1), wd = T(o.weight_decay);
    std::array<double, 2> sums{};
    with_flags(
        [&]<bool kDecay, bool kFirst>() {
            sums = this->template sum_chunks<2>(g, [&](std::size_t begin, std::size_t end, double* out) {
                dog_sums<T, kDecay, kFirst>(begin, end, p, grad, x0, sign, wd, out);
            });
        },
        o.weight_decay > 0.0, first);
    // r̄, G and η as the reference's 0-dim tensors of the parameters' dtype.
    const T norm = T(std::sqrt(sums[0])), squares = T(sums[1]);
    T rbar, big_g;
    if (first) {
        const T reps_rel = std::isnan(o.init_eta) ? T(o.reps_rel) : T(0);  // init_eta: reps_rel is 0
        rbar = reps_rel * (T(1) + norm);                                  // r̄ = reps_rel·(1 + ‖θ‖)
        big_g = squares + T(o.eps);                                       // G = Σg² + ε
    } else {
        rbar = std::max(T(scalars.at("rbar")), norm);                     // r̄ ← max(r̄, ‖θ − x0‖)
        big_g = T(scalars.at("G")) + squares;                             // G ← G + Σg²
    }
    if (!(big_g > T(0))) {
        throw Error(std::string(kName) + ": G, the summed squared gradients plus eps, is " + std::to_string(double(big_g)) +
                    " (DoG needs it > 0: give eps > 0)");
    }
    scalars["rbar"] = double(rbar);
    scalars["G"] = double(big_g);
    T eta = T(o.lr) * rbar / std::sqrt(big_g);                            // η = γ·r̄/√G
    if (first && !std::isnan(o.init_eta)) eta = eta * T(0) + T(o.init_eta);
    with_flags(
        [&]<bool kDecay>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                dog_step<T, kDecay>(begin, end, p, grad, sign, wd, -eta);
            });
        },
        o.weight_decay > 0.0);
}

template class Dog<float>;
template class Dog<double>;

}  // namespace optlab
