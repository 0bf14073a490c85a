// SPDX-License-Identifier: MIT
// Lion; the formula is in lion.hpp and docs/optimizers.md#lion.
#include "optlab/optim/lion.hpp"

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

LionOptions LionOptions::defaults(Convention c) {
    LionOptions o;
    o.convention = c;
    if (c == Convention::keras) o.lr = 1e-3;  // Keras' Lion default
    return o;
}

template <class T>
void Lion<T>::validate(const LionOptions& o) {
    check_non_negative(kName, o.lr);
    if (o.convention == Convention::keras) {
        // Keras: beta_1 in (0, 1] ("otherwise the optimizer degenerates to SignSGD")
        if (!(o.betas[0] > 0.0 && o.betas[0] <= 1.0)) {
            throw_invalid(kName, "betas[0]", o.betas[0], "0 < value <= 1 under the keras convention");
        }
        check_unit_open(kName, "betas[1]", o.betas[1]);
    } else {
        check_betas(kName, o.betas);
    }
    check_non_negative(kName, o.weight_decay);
}

namespace {

template <class T>
struct LionScalars {
    T sign, lr, wd;
    T beta1, one_minus_beta1, beta2, one_minus_beta2;
};

template <class T>
void lion(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
          T* __restrict m, const LionScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i];
        const T c = s.beta1 * m[i] + s.one_minus_beta1 * g;         // c = β1·m + (1−β1)·g
        const T sign_c = T(c > T(0)) - T(c < T(0));                 // sign(c), 0 at 0
        p[i] = p[i] - s.lr * (sign_c + s.wd * p[i]);                // θ ← θ − γ(sign(c) + λθ)
        m[i] = s.beta2 * m[i] + s.one_minus_beta2 * g;              // m ← β2·m + (1−β2)·g
    }
}

}  // namespace

template <class T>
void Lion<T>::step_group(std::size_t g) {
    const LionOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    const LionScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .lr = T(o.lr),
        .wd = T(o.weight_decay),
        .beta1 = T(o.betas[0]),
        .one_minus_beta1 = T(1.0 - o.betas[0]),
        .beta2 = T(o.betas[1]),
        .one_minus_beta2 = T(1.0 - o.betas[1]),
    };
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        lion<T>(begin, end, p, grad, m, s);
    });
}

template class Lion<float>;
template class Lion<double>;

}  // namespace optlab
