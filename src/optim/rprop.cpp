// SPDX-License-Identifier: MIT
// Rprop; the formula is in rprop.hpp and docs/optimizers.md#rprop.
#include "optlab/optim/rprop.hpp"

#include <algorithm>
#include <cmath>

namespace optlab {

RpropOptions RpropOptions::defaults(Convention c) {
    RpropOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Rprop<T>::validate(const RpropOptions& o) {
    check_non_negative(kName, o.lr);
    // torch: 0 < etaminus < 1 < etaplus
    if (!(o.etas[0] > 0.0 && o.etas[0] < 1.0)) throw_invalid(kName, "etas[0]", o.etas[0], "0 < value < 1");
    if (!(o.etas[1] > 1.0) || !std::isfinite(o.etas[1])) {
        throw_invalid(kName, "etas[1]", o.etas[1], "a finite number > 1");
    }
    // torch checks nothing here; a floor above the ceiling would leave clamp's order to decide.
    check_non_negative(kName, "step_sizes[0]", o.step_sizes[0]);
    if (!(o.step_sizes[1] >= o.step_sizes[0]) || !std::isfinite(o.step_sizes[1])) {
        throw_invalid(kName, "step_sizes[1]", o.step_sizes[1], "a finite number >= step_sizes[0]");
    }
}

namespace {

template <class T>
struct RpropScalars {
    T sign;                         // −1 with maximize
    T etaminus, etaplus, one;       // η−, η+, 1: Δ's factor by the sign of g·g_prev
    T step_min, step_max;           // Δmin, Δmax
};

template <class T>
void rprop(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
           T* __restrict prev, T* __restrict step, const RpropScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i];                                // ±g
        const T product = g * prev[i];                               // g·g_prev
        T eta = product > T(0) ? s.etaplus : s.one;                  // η = η+ where g·g_prev > 0,
        eta = product < T(0) ? s.etaminus : eta;                     //     η− where < 0, else 1
        T delta = step[i] * eta;                                     // Δ ← clamp(Δη, Δmin, Δmax)
        delta = delta < s.step_min ? s.step_min : delta;
        delta = s.step_max < delta ? s.step_max : delta;
        step[i] = delta;
        const T g_used = eta == s.etaminus ? T(0) : g;               // g ← 0 where η = η−
        const T sign_g = T(g_used > T(0)) - T(g_used < T(0));        // sign(g), 0 at 0
        p[i] = p[i] + (T(-1) * sign_g) * delta;                      // θ ← θ − sign(g)·Δ
        prev[i] = g_used;                                            // g_prev ← g
    }
}

}  // namespace

template <class T>
void Rprop<T>::step_group(std::size_t g) {
    const RpropOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* prev = this->state("prev");
    T* step = this->state("step_size");
    if (this->groups_[g].step == 1) {  // Δ starts at the lr, at the group's first step
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
            std::fill(step + begin, step + end, T(o.lr));
        });
    }
    const RpropScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .etaminus = T(o.etas[0]),
        .etaplus = T(o.etas[1]),
        .one = T(1),
        .step_min = T(o.step_sizes[0]),
        .step_max = T(o.step_sizes[1]),
    };
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        rprop<T>(begin, end, p, grad, prev, step, s);
    });
}

template class Rprop<float>;
template class Rprop<double>;

}  // namespace optlab
