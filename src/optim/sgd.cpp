// SPDX-License-Identifier: MIT
// SGD / Momentum / NAG; the formulas are in sgd.hpp and docs/optimizers.md#sgd.
#include "optlab/optim/sgd.hpp"

namespace optlab {

SgdOptions SgdOptions::defaults(Convention c) {
    SgdOptions o;
    o.convention = c;
    if (c != Convention::torch) o.lr = 0.01;  // Keras SGD() and the book's SGD(lr=0.01)
    return o;
}

template <class T>
void Sgd<T>::validate(const SgdOptions& o) {
    check_non_negative(kName, "lr", o.lr);
    check_non_negative(kName, "momentum", o.momentum);
    check_unit_closed(kName, "dampening", o.dampening);
    check_non_negative(kName, "weight_decay", o.weight_decay);
    if (o.nesterov && (o.momentum <= 0.0 || o.dampening != 0.0)) {
        throw InvalidArgument(std::string(kName) +
                              ": nesterov requires momentum > 0 and dampening = 0 (got momentum " +
                              to_string(HyperValue(o.momentum)) + ", dampening " +
                              to_string(HyperValue(o.dampening)) + ")");
    }
    if (o.convention != Convention::torch && o.dampening != 0.0) {
        throw_invalid(kName, "dampening", o.dampening,
                      "0 under the keras and book conventions, which have no dampening");
    }
}

template <class T>
void Sgd<T>::step_group(std::size_t g) {
    const SgdOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    const T lr = T(o.lr), mu = T(o.momentum), wd = T(o.weight_decay);
    const T sign = o.maximize ? T(-1) : T(1);
    const bool nesterov = o.nesterov;

    if (this->convention_ == Convention::torch) {
        if (o.momentum == 0.0) {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                for (std::size_t i = begin; i < end; ++i) {
                    const T d = sign * grad[i] + wd * p[i];  // g ← ±g + λθ
                    p[i] = p[i] + (-lr) * d;                 // θ ← θ − γg
                }
            });
            return;
        }
        // NOTE: PyTorch starts the buffer at the first gradient itself, without dampening.
        const bool first = this->groups_[g].scalars["momentum_buffer"] == 0.0;
        this->groups_[g].scalars["momentum_buffer"] = 1.0;
        T* b = this->state("momentum_buffer");
        const T keep = T(1.0 - o.dampening);
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                T d = sign * grad[i] + wd * p[i];          // g ← ±g + λθ
                b[i] = first ? d : b[i] * mu + keep * d;  // b ← μb + (1−τ)g
                d = nesterov ? d + mu * b[i] : b[i];      // g ← g + μb  or  g ← b
                p[i] = p[i] + (-lr) * d;                  // θ ← θ − γg
            }
        });
        return;
    }

    // keras and book: the velocity form, v holds −γ·(torch's buffer).
    // Keras applies weight decay decoupled (θ ← θ − γλθ) before every optimizer's update; the
    // book adds λθ to the gradient.
    const bool keras = this->convention_ == Convention::keras;
    const T decay = T(o.lr * o.weight_decay);
    const T wd_grad = keras ? T(0) : wd;
    if (o.momentum == 0.0) {
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                if (keras) p[i] = p[i] - p[i] * decay;         // θ ← θ − γλθ
                const T d = sign * grad[i] + wd_grad * p[i];  // g ← ±g (+ λθ, book)
                p[i] = p[i] - lr * d;                         // θ ← θ − γg
            }
        });
        return;
    }
    T* v = this->state("momentum_buffer");
    const bool book = this->convention_ == Convention::book;
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            if (keras) p[i] = p[i] - p[i] * decay;         // θ ← θ − γλθ
            const T d = sign * grad[i] + wd_grad * p[i];  // g ← ±g (+ λθ, book)
            if (!nesterov) {
                v[i] = mu * v[i] - lr * d;  // v ← μv − γg
                p[i] = p[i] + v[i];         // θ ← θ + v
            } else if (book) {
                // The book's corrected Nesterov (2021), in its own order:
                // W += μ²v; W −= (1+μ)γg; v ← μv − γg  (equal to θ + μv_new − γg)
                p[i] = p[i] + mu * mu * v[i];
                p[i] = p[i] - (1 + mu) * lr * d;
                v[i] = v[i] * mu - lr * d;
            } else {
                v[i] = mu * v[i] - lr * d;          // v ← μv − γg
                p[i] = p[i] + (mu * v[i] - lr * d);  // θ ← θ + μv − γg
            }
        }
    });
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace optlab
