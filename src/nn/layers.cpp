// SPDX-License-Identifier: MIT
// The layers of nn/layers.hpp. Matrix products go to CBLAS; the rest are plain loops.
#include "optlab/nn/layers.hpp"

#include <algorithm>
#include <cmath>

#include "gemm.hpp"
#include "optlab/core/simd.hpp"
#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"

namespace optlab::nn {

namespace {

// tanh of a float, evaluated in double and rounded once — within an ulp of the correctly
// rounded value, as torch's (SLEEF's 1-ulp) tanh — with nothing but adds, multiplies, one
// division and selects, so a loop of it vectorises (libm's tanhf is a call per element, and
// was 70% of training the character language model). Below |x| = 0.5 the odd Taylor series to
// x^19 (the next term is under 1e-10 of tanh); above, (1 − e)/(1 + e) with e = e^(−2|x|),
// computed as (e^r)^64 with r = −2|x|/64 ∈ [−0.63, 0] (|x| clamped at 20, where tanh is 1 in
// float) and e^r by its Taylor series to r^12. NaN stays NaN.
inline float tanh_float(float xf) {
    const double x = xf;
    const double a = std::fabs(x);
    // Both branches are computed on clamped arguments, so both are finite (or NaN for NaN)
    // and the choice below is arithmetic: GCC keeps a loop with a branch in it scalar.
    const double as = std::min(a, 0.5), s = as * as;
    double p = -443861162.0 / 1856156927625.0;
    p = p * s + 6404582.0 / 10854718875.0;
    p = p * s - 929569.0 / 638512875.0;
    p = p * s + 21844.0 / 6081075.0;
    p = p * s - 1382.0 / 155925.0;
    p = p * s + 62.0 / 2835.0;
    p = p * s - 17.0 / 315.0;
    p = p * s + 2.0 / 15.0;
    p = p * s - 1.0 / 3.0;
    p = p * s + 1.0;
    const double small = as * p;
    const double r = std::min(a, 20.0) * (-2.0 / 64.0);
    double q = 1.0 / 479001600.0;  // 1/12!
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    q = q * r + 1.0;
    q = q * r + 1.0;
    q = q * q;  // squared six times: e^(64r) = e^(−2|x|)
    q = q * q;
    q = q * q;
    q = q * q;
    q = q * q;
    q = q * q;
    const double large = (1.0 - q) / (1.0 + q);
    const double w = a < 0.5 ? 0.0 : 1.0;  // exact either way: small·1 + large·0, or small·0 + large
    return float(std::copysign(small * (1.0 - w) + large * w, x));
}

}  // namespace

// ---- Linear ---------------------------------------------------------------------------------

template <class T>
Linear<T>::Linear(ParamStore<T>& store, const std::string& prefix, std::size_t in, std::size_t out)
    : store_(store), in_(in), out_(out) {
    if (in == 0 || out == 0) throw InvalidArgument("Linear " + prefix + ": sizes must be > 0");
    weight_ = store.add(prefix + ".weight", {in, out}, WeightLayout::in_out);
    bias_ = store.add(prefix + ".bias", {out});
}

template <class T>
void Linear<T>::init(const Init& weights, Rng& rng) {
    initialize(store_.view(weight_).param, in_, out_, weights, rng);
    for (T& b : store_.view(bias_).param) b = T(0);
}

template <class T>
void Linear<T>::forward_part(const T* x, T* y, std::size_t rows, bool, Part part) {
    const auto [r0, r1] = part.share_rows(rows);
    if (r0 == r1) return;
    const T* w = store_.view(weight_).param.data();
    const T* b = store_.view(bias_).param.data();
    for (std::size_t r = r0; r < r1; ++r) std::copy(b, b + out_, y + r * out_);  // y ← b
    gemm(false, false, r1 - r0, out_, in_, T(1), x + r0 * in_, in_, w, out_, T(1), y + r0 * out_,
         out_);  // y += x·W
}

template <class T>
void Linear<T>::backward_part(const T* x, const T*, const T* dy, T* dx, std::size_t rows, Part part) {
    T* dw = store_.view(weight_).grad.data();
    T* db = store_.view(bias_).grad.data();
    // Each element of dW sums over the whole batch in one product, whatever the split, so
    // it is the same sum on any number of threads. Shares of W's rows and of b are whole cache
    // lines counted from the tensor's start (the arena packs tensors without padding, so a
    // tensor itself may start mid-line: at most one line is shared at each boundary).
    if (const auto [i0, i1] = part.share(in_, line_grain(out_ * sizeof(T))); i0 < i1) {
        gemm(true, false, i1 - i0, out_, rows, T(1), x + i0, in_, dy, out_, T(1), dw + i0 * out_,
             out_);  // dW += xᵀ·dy, rows i0..i1 of dW
    }
    const auto [j0, j1] = part.share(out_, line_grain(sizeof(T)));
    for (std::size_t r = 0; r < rows; ++r) {  // db += Σ dy
        for (std::size_t j = j0; j < j1; ++j) db[j] += dy[r * out_ + j];
    }
    if (!dx) return;
    if (const auto [r0, r1] = part.share_rows(rows); r0 < r1) {
        const T* w = store_.view(weight_).param.data();
        gemm(false, true, r1 - r0, in_, out_, T(1), dy + r0 * out_, out_, w, out_, T(0), dx + r0 * in_,
             in_);  // dx = dy·Wᵀ
    }
}

// ---- activations ----------------------------------------------------------------------------

template <class T>
std::string ActivationLayer<T>::name() const {
    switch (kind_) {
        case Activation::relu: return "ReLU";
        case Activation::leaky_relu: return "LeakyReLU(" + format_number(double(slope_)) + ")";
        case Activation::sigmoid: return "Sigmoid";
        case Activation::tanh: return "Tanh";
    }
    return "?";
}

template <class T>
void ActivationLayer<T>::forward_part(const T* x, T* y, std::size_t rows, bool, Part part) {
    const auto [r0, r1] = part.share_rows(rows);
    const std::size_t n = (r1 - r0) * features_;
    x += r0 * features_;
    y += r0 * features_;
    switch (kind_) {
        case Activation::relu:
            // written so that NaN passes through, as torch.relu lets it
            for (std::size_t i = 0; i < n; ++i) y[i] = x[i] < T(0) ? T(0) : x[i];
            break;
        case Activation::leaky_relu:
            for (std::size_t i = 0; i < n; ++i) y[i] = x[i] > T(0) ? x[i] : slope_ * x[i];
            break;
        case Activation::sigmoid:
            for (std::size_t i = 0; i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
            break;
        case Activation::tanh:
            if constexpr (std::is_same_v<T, float>) {
                auto kernel = [&](std::size_t b, std::size_t e) {
                    for (std::size_t i = b; i < e; ++i) y[i] = tanh_float(x[i]);
                };
                run_kernel(simd_target(), kernel, 0, n);
            } else {
                for (std::size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
            }
            break;
    }
}

template <class T>
void ActivationLayer<T>::backward_part(const T* x, const T* y, const T* dy, T* dx, std::size_t rows,
                                       Part part) {
    if (!dx) return;
    const auto [r0, r1] = part.share_rows(rows);
    const std::size_t n = (r1 - r0) * features_;
    const std::size_t first = r0 * features_;
    x += first;
    y += first;
    dy += first;
    dx += first;
    switch (kind_) {
        // dy is loaded before the choice: a load inside `? :` is one GCC may not execute
        // unconditionally, and the loop would stay scalar.
        case Activation::relu:  // the book's mask: x <= 0 passes nothing back
            for (std::size_t i = 0; i < n; ++i) {
                const T g = dy[i];
                dx[i] = x[i] > T(0) ? g : T(0);
            }
            break;
        case Activation::leaky_relu:
            for (std::size_t i = 0; i < n; ++i) {
                const T g = dy[i];
                dx[i] = x[i] > T(0) ? g : slope_ * g;
            }
            break;
        case Activation::sigmoid:  // σ' = y(1 − y)
            for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (T(1) - y[i]);
            break;
        case Activation::tanh:  // tanh' = 1 − y²
            for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * (T(1) - y[i] * y[i]);
            break;
    }
}

// ---- BatchNorm ------------------------------------------------------------------------------

template <class T>
BatchNorm<T>::BatchNorm(ParamStore<T>& store, const std::string& prefix, std::size_t features,
                        std::size_t max_rows, double momentum, double eps)
    : store_(store),
      prefix_(prefix),
      features_(features),
      momentum_(T(momentum)),
      eps_(T(eps)),
      running_mean_(features, T(0)),
      running_var_(features, T(1)),
      xhat_(max_rows * features),
      inv_std_(features) {
    gamma_ = store.add(prefix + ".weight", {features});
    beta_ = store.add(prefix + ".bias", {features});
    for (T& g : store.view(gamma_).param) g = T(1);
}

template <class T>
void BatchNorm<T>::init(const Init&, Rng&) {
    for (T& g : store_.view(gamma_).param) g = T(1);
    for (T& b : store_.view(beta_).param) b = T(0);
    std::fill(running_mean_.begin(), running_mean_.end(), T(0));
    std::fill(running_var_.begin(), running_var_.end(), T(1));
}

template <class T>
void BatchNorm<T>::check_batch(std::size_t rows, bool training) const {
    if (training && rows < 2) {
        throw InvalidArgument("BatchNorm " + prefix_ +
                              ": a training batch needs at least 2 rows (got " +
                              std::to_string(rows) + ")");
    }
}

template <class T>
void BatchNorm<T>::forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) {
    const T* gamma = store_.view(gamma_).param.data();
    const T* beta = store_.view(beta_).param.data();
    const std::size_t f = features_;
    const auto [j0, j1] = part.share(f);
    if (!training) {
        for (std::size_t j = j0; j < j1; ++j) {
            const T inv = T(1) / std::sqrt(running_var_[j] + eps_);
            for (std::size_t r = 0; r < rows; ++r) {
                y[r * f + j] = gamma[j] * (x[r * f + j] - running_mean_[j]) * inv + beta[j];
            }
        }
        return;
    }
    for (std::size_t j = j0; j < j1; ++j) {
        double mean = 0, var = 0;  // accumulated in double: batch statistics of float data
        for (std::size_t r = 0; r < rows; ++r) mean += double(x[r * f + j]);
        mean /= double(rows);
        for (std::size_t r = 0; r < rows; ++r) {
            const double d = double(x[r * f + j]) - mean;
            var += d * d;
        }
        var /= double(rows);  // biased, for normalising
        const T inv = T(1.0 / std::sqrt(var + double(eps_)));
        inv_std_[j] = inv;
        for (std::size_t r = 0; r < rows; ++r) {
            const T xh = (x[r * f + j] - T(mean)) * inv;
            xhat_[r * f + j] = xh;
            y[r * f + j] = gamma[j] * xh + beta[j];
        }
        running_mean_[j] = (T(1) - momentum_) * running_mean_[j] + momentum_ * T(mean);
        running_var_[j] = (T(1) - momentum_) * running_var_[j] +
                          momentum_ * T(var * double(rows) / double(rows - 1));  // unbiased
    }
}

template <class T>
void BatchNorm<T>::backward_part(const T*, const T*, const T* dy, T* dx, std::size_t rows, Part part) {
    const T* gamma = store_.view(gamma_).param.data();
    T* dgamma = store_.view(gamma_).grad.data();
    T* dbeta = store_.view(beta_).grad.data();
    const std::size_t f = features_;
    const auto [j0, j1] = part.share(f);
    for (std::size_t j = j0; j < j1; ++j) {
        T sum_dy = 0, sum_dy_xhat = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            sum_dy += dy[r * f + j];
            sum_dy_xhat += dy[r * f + j] * xhat_[r * f + j];
        }
        dgamma[j] += sum_dy_xhat;  // dγ = Σ dy·x̂
        dbeta[j] += sum_dy;        // dβ = Σ dy
        if (!dx) continue;
        // dx = γ/(B·σ)·(B·dy − Σdy − x̂·Σ(dy·x̂))
        const T scale = gamma[j] * inv_std_[j] / T(rows);
        for (std::size_t r = 0; r < rows; ++r) {
            dx[r * f + j] = scale * (T(rows) * dy[r * f + j] - sum_dy - xhat_[r * f + j] * sum_dy_xhat);
        }
    }
}

// ---- Dropout --------------------------------------------------------------------------------

template <class T>
Dropout<T>::Dropout(std::size_t features, std::size_t max_rows, double p, Rng& rng)
    : features_(features), p_(p), rng_(rng), mask_(max_rows * features) {
    if (!(p >= 0.0 && p < 1.0)) throw_invalid("dropout", "p", p, "0 <= p < 1");
}

template <class T>
std::string Dropout<T>::name() const {
    return "Dropout(" + format_number(p_) + ")";
}

template <class T>
void Dropout<T>::forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) {
    if (part.index != 0) return;
    const std::size_t n = rows * features_;
    if (!training || p_ == 0.0) {
        std::copy(x, x + n, y);
        return;
    }
    const T keep = T(1.0 / (1.0 - p_));
    for (std::size_t i = 0; i < n; ++i) {
        mask_[i] = rng_.uniform() >= p_ ? keep : T(0);
        y[i] = x[i] * mask_[i];
    }
}

template <class T>
void Dropout<T>::backward_part(const T*, const T*, const T* dy, T* dx, std::size_t rows, Part part) {
    if (!dx) return;
    const auto [r0, r1] = part.share_rows(rows);
    const std::size_t first = r0 * features_, n = (r1 - r0) * features_;
    dy += first;
    dx += first;
    const T* mask = mask_.data() + first;
    if (p_ == 0.0) {
        std::copy(dy, dy + n, dx);
        return;
    }
    for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * mask[i];
}

template class Linear<float>;
template class Linear<double>;
template class ActivationLayer<float>;
template class ActivationLayer<double>;
template class BatchNorm<float>;
template class BatchNorm<double>;
template class Dropout<float>;
template class Dropout<double>;

}  // namespace optlab::nn
