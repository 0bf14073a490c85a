// SPDX-License-Identifier: MIT
// Signum; the formula is in signum.hpp and docs/optimizers.md#signum.
#include "optlab/optim/signum.hpp"

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

SignumOptions SignumOptions::defaults(Convention c) {
    SignumOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Signum<T>::validate(const SignumOptions& o) {
    check_non_negative(kName, o.lr);
    check_unit_open(kName, o.beta);  // (Optax checks nothing: β = 1 would keep m at 0)
}

namespace {

template <class T>
struct SignumScalars {
    T sign, neg_lr;            // ±1; −γ
    T beta, one_minus_beta;    // β, 1−β
};

template <class T>
void signum(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
            T* __restrict m, const SignumScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i];
        m[i] = s.one_minus_beta * g + s.beta * m[i];                // m ← (1−β)·g + β·m
        const T sign_m = T(m[i] > T(0)) - T(m[i] < T(0));           // sign(m), 0 at 0
        p[i] = p[i] + s.neg_lr * sign_m;                            // θ ← θ + (−γ)·sign(m)
    }
}

}  // namespace

template <class T>
void Signum<T>::step_group(std::size_t g) {
    const SignumOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    const SignumScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .neg_lr = T(-o.lr),
        .beta = T(o.beta),
        .one_minus_beta = T(1.0 - o.beta),
    };
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        signum<T>(begin, end, p, grad, m, s);
    });
}

template class Signum<float>;
template class Signum<double>;

}  // namespace optlab
