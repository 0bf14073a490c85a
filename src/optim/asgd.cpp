// SPDX-License-Identifier: MIT
// ASGD; the formula is in asgd.hpp and docs/optimizers.md#asgd.
#include "optlab/optim/asgd.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

namespace optlab {

AsgdOptions AsgdOptions::defaults(Convention c) {
    AsgdOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Asgd<T>::validate(const AsgdOptions& o) {
    check_non_negative(kName, o.lr);  // torch checks lr and weight_decay only
    check_non_negative(kName, o.weight_decay);
    check_non_negative(kName, o.lambd);  // a negative λ grows η and θ without bound
    check_non_negative(kName, o.alpha);
    if (!std::isfinite(double(o.t0))) throw_invalid(kName, "t0", o.t0, "a finite number");
}

namespace {

// The bits of a float or double, for ax ← θ below (__builtin_bit_cast: emscripten's libc++ has
// no std::bit_cast).
template <class T>
using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

template <class T>
struct AsgdScalars {
    T sign;         // −1 with maximize
    T wd;           // coupled L2
    T decay_keep;   // 1 − λη
    T minus_eta;    // −η
    T mu;           // μ, the average's weight of θ
    Bits<T> none;   // 0, not known to the compiler (ax ← θ below)
};

template <class T, bool kDecay, bool kCopy>
void asgd(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
          T* __restrict ax, const AsgdScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        T g = s.sign * grad[i];                                   // ±g
        if constexpr (kDecay) g = g + s.wd * p[i];                // g ← g + wd·θ
        p[i] = p[i] * s.decay_keep;                               // θ ← θ(1 − λη)
        p[i] = p[i] + s.minus_eta * g;                            // θ ← θ − η·g
        if constexpr (kCopy) {
            // ax ← θ (μ = 1), bit for bit; ax is read, and none of its bits kept, so the pass
            // streams ax as a read-modify-write: a store-only stream ran at 53-72% of the
            // bandwidth here, the read-modify-write at 92% (docs/performance.md).
            const Bits<T> theta = __builtin_bit_cast(Bits<T>, p[i]), kept = __builtin_bit_cast(Bits<T>, ax[i]) & s.none;
            ax[i] = __builtin_bit_cast(T, theta | kept);
        } else {
            ax[i] = ax[i] + (p[i] - ax[i]) * s.mu;                // ax ← ax + (θ − ax)·μ
        }
    }
}

}  // namespace

template <class T>
void Asgd<T>::step_group(std::size_t g) {
    const AsgdOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* ax = this->state("ax");
    auto& scalars = this->groups_[g].scalars;
    const double t = double(this->groups_[g].step);
    if (t == 1) {  // torch's state at the first step: η = γ, μ = 1, in the parameters' dtype
        scalars["eta"] = double(T(o.lr));
        scalars["mu"] = 1.0;
    }
    const double eta = scalars.at("eta"), mu = scalars.at("mu");
    const AsgdScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = T(o.weight_decay),
        .decay_keep = T(1.0 - o.lambd * eta),
        .minus_eta = T(-eta),
        .mu = T(mu),
        .none = 0,
    };
    with_flags(
        [&]<bool kDecay, bool kCopy>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                asgd<T, kDecay, kCopy>(begin, end, p, grad, ax, s);
            });
        },
        o.weight_decay != 0.0, mu == 1.0);
    // The next step's η and μ, from this step's t and the lr the group holds now (torch's
    // Python floats, then tensors of the parameters' dtype).
    scalars["eta"] = double(T(o.lr / std::pow(1.0 + o.lambd * o.lr * t, o.alpha)));
    scalars["mu"] = double(T(1.0 / std::max(1.0, t - o.t0)));
}

template <class T>
void Asgd<T>::to_eval_point(std::size_t g) {
    if (this->groups_[g].step == 0) return;  // before the group's first step the average is θ
    T* p = this->store_.params().data();
    const T* ax = this->state("ax");
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) { std::copy(ax + begin, ax + end, p + begin); });
}

template class Asgd<float>;
template class Asgd<double>;

}  // namespace optlab
