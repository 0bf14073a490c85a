// SPDX-License-Identifier: MIT
// Lion; the formula is in lion.hpp and docs/optimizers.md#lion.
#include "optlab/optim/lion.hpp"

namespace optlab {

LionOptions LionOptions::defaults(Convention c) {
    LionOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Lion<T>::validate(const LionOptions& o) {
    check_non_negative(kName, "lr", o.lr);
    check_betas(kName, o.betas);
    check_non_negative(kName, "weight_decay", o.weight_decay);
}

template <class T>
void Lion<T>::step_group(std::size_t g) {
    const LionOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    const T sign = o.maximize ? T(-1) : T(1);
    const T lr = T(o.lr), wd = T(o.weight_decay);
    const T beta1 = T(o.betas[0]), one_minus_beta1 = T(1.0 - o.betas[0]);
    const T beta2 = T(o.betas[1]), one_minus_beta2 = T(1.0 - o.betas[1]);
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            const T d = sign * grad[i];
            const T c = beta1 * m[i] + one_minus_beta1 * d;           // c = β1·m + (1−β1)·g
            const T s = T(c > T(0)) - T(c < T(0));                    // sign(c), 0 at 0
            p[i] = p[i] - lr * (s + wd * p[i]);                       // θ ← θ − γ(sign(c) + λθ)
            m[i] = beta2 * m[i] + one_minus_beta2 * d;                // m ← β2·m + (1−β2)·g
        }
    });
}

template class Lion<float>;
template class Lion<double>;

}  // namespace optlab
