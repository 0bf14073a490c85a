// SPDX-License-Identifier: MIT
// SOAP; the formula is in soap.hpp and docs/optimizers.md#soap.
//
// A tensor of dimensions (d_0, …, d_{K−1}) is multiplied along each dimension in turn as the
// reference's tensordot does: viewed as d_k × rest, it becomes restᵀ-major (rest × d_k) = Xᵀ·Q_k,
// which moves dimension k last; after K products the dimensions are back in order. A statistic
// is the same walk: at step k the tensor is d_k × rest, and L_k gains X·Xᵀ.
#include "optlab/optim/soap.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "../core/blas_threads.hpp"
#include "../core/linalg.hpp"
#include "matrix_ops.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

SoapOptions SoapOptions::defaults(Convention c) {
    SoapOptions o;  // the reference's, in every convention
    o.convention = c;
    return o;
}

template <class T>
void Soap<T>::validate(const SoapOptions& o) {
    check_non_negative(kName, o.lr);
    check_betas(kName, o.betas);
    if (!(o.shampoo_beta < 1.0)) throw_invalid(kName, "shampoo_beta", o.shampoo_beta, "below 1 (negative: betas[1])");
    check_non_negative(kName, o.eps);
    check_non_negative(kName, o.weight_decay);
    check_whole(kName, "precondition_frequency", o.precondition_frequency, 1);
    check_whole(kName, "max_precond_dim", o.max_precond_dim, 1);
}

template <class T>
std::size_t Soap<T>::Layout::matrix_elements() const {
    std::size_t n = 0;
    for (std::size_t k = 0; k < dims.size(); ++k) n += preconditioned[k] ? dims[k] * dims[k] : 0;
    return n;
}

template <class T>
typename Soap<T>::Layout Soap<T>::layout(const std::vector<std::size_t>& shape, const SoapOptions& o) {
    const auto max_dim = std::size_t(double(o.max_precond_dim));
    Layout l;
    if (shape.size() == 1) {
        l.dims = shape;
        l.preconditioned = {o.precondition_1d && shape[0] <= max_dim};
        return l;
    }
    if (o.merge_dims && !shape.empty()) {
        // The reference's merge_dims: neighbours multiplied while the product stays ≤ max.
        std::size_t current = 1;
        for (std::size_t d : shape) {
            if (current * d > max_dim) {
                if (current > 1) {
                    l.dims.push_back(current);
                    current = d;
                } else {
                    l.dims.push_back(d);
                    current = 1;
                }
            } else {
                current *= d;
            }
        }
        if (current > 1 || l.dims.empty()) l.dims.push_back(current);
    } else {
        l.dims = shape;
    }
    for (std::size_t d : l.dims) l.preconditioned.push_back(d <= max_dim);
    return l;
}

template <class T>
const typename Soap<T>::TensorState& Soap<T>::tensor_state(std::size_t index) const {
    static const TensorState kEmpty;
    return index < state_.size() ? state_[index] : kEmpty;
}

template <class T>
std::size_t Soap<T>::state_bytes() const {
    std::size_t n = Base::state_bytes();
    for (const TensorState& s : state_) n += (s.GG.size() + s.Q.size()) * sizeof(T);
    return n;
}

template <class T>
std::size_t Soap<T>::workspace_bytes() const {
    return (a_.size() + b_.size() + w_.size() + g_.size() + x_.size()) * sizeof(T) +
           (m64_.size() + v64_.size() + w64_.size() + tau_.size() + estimate_.size()) * sizeof(double);
}

// ---- the products ---------------------------------------------------------------------------

template <class T>
void Soap<T>::project(T* x, const Layout& l, const std::vector<T>& Q, bool back) {
    std::size_t n = 1;
    for (std::size_t d : l.dims) n *= d;
    if (l.matrix_elements() == 0) return;  // no basis: the reference's permutes give the tensor back
    std::copy(x, x + n, a_.data());
    std::size_t offset = 0;  // of Q_k in Q
    for (std::size_t k = 0; k < l.dims.size(); ++k) {
        const std::size_t d = l.dims[k], rest = n / d;
        if (l.preconditioned[k]) {
            // tensordot(X, Q_k, [[0],[0]]) = Xᵀ·Q_k;  back: tensordot(X, Q_k, [[0],[1]]) = Xᵀ·Q_kᵀ
            matrix_ops::gemm(true, back, rest, d, d, T(1), a_.data(), Q.data() + offset, T(0), b_.data());
            offset += d * d;
        } else {
            matrix_ops::transpose(d, rest, a_.data(), b_.data());  // the reference's permute
        }
        std::swap(a_, b_);
    }
    std::copy(a_.begin(), a_.begin() + std::ptrdiff_t(n), x);
}

template <class T>
void Soap<T>::update_statistics(const T* grad, const Layout& l, TensorState& s, double weight) {
    std::size_t n = 1;
    for (std::size_t d : l.dims) n *= d;
    const T w = T(weight), one_minus_w = T(1) - w;
    std::copy(grad, grad + n, a_.data());
    std::size_t offset = 0;
    for (std::size_t k = 0; k < l.dims.size(); ++k) {
        const std::size_t d = l.dims[k], rest = n / d;
        if (l.preconditioned[k]) {
            matrix_ops::gram(d, rest, a_.data(), w_.data());  // G_(k)·G_(k)ᵀ
            T* L = s.GG.data() + offset;
            for (std::size_t i = 0; i < d * d; ++i) L[i] = matrix_ops::lerp(L[i], w_[i], w, one_minus_w);  // L ← lerp(L, GGᵀ, 1 − β_s)
            offset += d * d;
        }
        if (k + 1 < l.dims.size()) {
            matrix_ops::transpose(d, rest, a_.data(), b_.data());  // dimension k + 1 first
            std::swap(a_, b_);
        }
    }
}

// Q_k ← the eigenvectors of L_k + 1e-30·I, by descending eigenvalue (the reference's
// get_orthogonal_matrix: torch.linalg.eigh, then flipped).
template <class T>
void Soap<T>::eigenbases(const Layout& l, TensorState& s) {
    const BlasThreadScope one_thread(1);  // LAPACK's bits depend on the thread count (shampoo.cpp)
    std::size_t offset = 0;
    for (std::size_t k = 0; k < l.dims.size(); ++k) {
        if (!l.preconditioned[k]) continue;
        const std::size_t d = l.dims[k];
        const T* L = s.GG.data() + offset;
        for (std::size_t i = 0; i < d * d; ++i) m64_[i] = double(L[i]);
        for (std::size_t i = 0; i < d; ++i) m64_[i * d + i] += 1e-30;
        linalg::symmetric_eigh(d, m64_.data(), v64_.data(), "soap");
        T* Q = s.Q.data() + offset;
        for (std::size_t i = 0; i < d; ++i) {
            for (std::size_t j = 0; j < d; ++j) Q[i * d + j] = T(m64_[i * d + (d - 1 - j)]);
        }
        offset += d * d;
    }
}

// One power iteration and a QR per dimension (the reference's get_orthogonal_matrix_QR): the
// columns of Q_k ordered by their Rayleigh quotients diag(Q_kᵀ·L_k·Q_k), largest first — v's
// index k moved with them — then Q_k ← QR(L_k·Q_k).Q.
template <class T>
void Soap<T>::refresh_bases(const Layout& l, TensorState& s, T* exp_avg_sq) {
    const BlasThreadScope one_thread(1);  // LAPACK's bits depend on the thread count (shampoo.cpp)
    std::size_t n = 1;
    for (std::size_t d : l.dims) n *= d;
    std::size_t offset = 0, outer = 1;
    for (std::size_t k = 0; k < l.dims.size(); ++k) {
        const std::size_t d = l.dims[k], inner = n / (outer * d);
        if (l.preconditioned[k]) {
            const T* L = s.GG.data() + offset;
            T* Q = s.Q.data() + offset;
            for (std::size_t i = 0; i < d * d; ++i) m64_[i] = double(L[i]), v64_[i] = double(Q[i]);
            matrix_ops::gemm(false, false, d, d, d, 1.0, m64_.data(), v64_.data(), 0.0, w64_.data());  // L·Q
            estimate_.assign(d, 0.0);
            std::vector<double>& estimate = estimate_;
            for (std::size_t i = 0; i < d; ++i) {
                for (std::size_t j = 0; j < d; ++j) estimate[j] += v64_[i * d + j] * w64_[i * d + j];
            }
            order_.resize(d);
            std::iota(order_.begin(), order_.end(), std::size_t(0));
            std::stable_sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) { return estimate[a] > estimate[b]; });
            // v[…, j, …] ← v[…, order[j], …] along dimension k
            std::copy(exp_avg_sq, exp_avg_sq + n, a_.data());
            for (std::size_t a = 0; a < outer; ++a) {
                for (std::size_t j = 0; j < d; ++j) {
                    std::copy_n(a_.data() + (a * d + order_[j]) * inner, inner, exp_avg_sq + (a * d + j) * inner);
                }
            }
            // the power iteration on the reordered basis, L·Q[:, order], is (L·Q)[:, order]: the
            // columns of the product above, reordered (one d³ product per refresh, not two)
            for (std::size_t i = 0; i < d; ++i) {
                for (std::size_t j = 0; j < d; ++j) v64_[i * d + j] = w64_[i * d + order_[j]];
            }
            linalg::orthonormal_q(d, d, v64_.data(), tau_, "soap");
            for (std::size_t i = 0; i < d * d; ++i) Q[i] = T(v64_[i]);
            offset += d * d;
        }
        outer *= d;
    }
}

// ---- the step ------------------------------------------------------------------------------

template <class T>
void Soap<T>::step_group(std::size_t g) {
    const SoapOptions& o = this->options_[g];
    T* params = this->store_.params().data();
    const T* grads = this->store_.grads().data();
    T* exp_avg = this->state("exp_avg");
    T* exp_avg_sq = this->state("exp_avg_sq");
    if (state_.size() < this->store_.tensors().size()) state_.resize(this->store_.tensors().size());
    // The reference counts the steps after its first, which only gathers statistics.
    const std::int64_t t = this->step_count(g) - 1;
    const double beta1 = o.betas[0], beta2 = o.betas[1];
    const double shampoo_beta = o.shampoo_beta >= 0 ? double(o.shampoo_beta) : beta2;
    double step_size = o.lr;
    if (o.correct_bias && t > 0) {
        const double bias_correction1 = 1.0 - std::pow(beta1, double(t));
        const double bias_correction2 = 1.0 - std::pow(beta2, double(t));
        step_size = step_size * std::sqrt(bias_correction2) / bias_correction1;
    }
    const T sign = o.maximize ? T(-1) : T(1);
    const T b1 = T(beta1), one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2);
    const T eps = T(double(o.eps)), minus_step = T(-step_size), minus_decay = T(-double(o.lr) * double(o.weight_decay));
    const bool refresh = t > 0 && t % std::int64_t(double(o.precondition_frequency)) == 0;
    const BlasThreadScope blas_threads(num_threads());  // the products on optlab's threads
    for (std::size_t index : this->group_tensors(g)) {
        const TensorInfo& info = this->store_.info(index);
        const std::size_t n = info.size;
        if (n == 0) continue;  // an empty tensor: nothing to update (and no valid BLAS call)
        TensorState& s = state_[index];
        if (!s.laid_out || t == 0) {  // (options that change it change it at a first step only)
            s.layout = layout(info.shape, o);
            s.laid_out = true;
        }
        const Layout& l = s.layout;
        std::size_t largest = 0;
        for (std::size_t k = 0; k < l.dims.size(); ++k) largest = std::max(largest, l.preconditioned[k] ? l.dims[k] : 0);
        a_.resize(std::max(a_.size(), n));
        b_.resize(std::max(b_.size(), n));
        w_.resize(std::max(w_.size(), largest * largest));
        for (auto* v : {&m64_, &v64_, &w64_}) v->resize(std::max(v->size(), largest * largest));
        T* p = params + info.offset;
        T* m = exp_avg + info.offset;
        T* v = exp_avg_sq + info.offset;
        g_.resize(std::max(g_.size(), n));
        x_.resize(std::max(x_.size(), n));
        T* grad = g_.data();  // G, signed
        for (std::size_t i = 0; i < n; ++i) grad[i] = sign * grads[info.offset + i];
        if (t == 0) {
            // The first step: statistics and bases from this gradient, θ unmoved.
            s.GG.assign(l.matrix_elements(), T(0));
            s.Q.assign(l.matrix_elements(), T(0));
            update_statistics(grad, l, s, 1.0 - shampoo_beta);
            eigenbases(l, s);
            continue;
        }
        T* x = x_.data();
        std::copy(grad, grad + n, x);
        project(x, l, s.Q, false);                                           // G' = G ×_k Q_k
        for (std::size_t i = 0; i < n; ++i) {
            m[i] = m[i] * b1 + one_minus_b1 * x[i];                          // m ← β1·m + (1−β1)·G'
            v[i] = v[i] * b2 + one_minus_b2 * (x[i] * x[i]);                 // v ← β2·v + (1−β2)·G'²
            x[i] = m[i] / (std::sqrt(v[i]) + eps);                           // m / (√v + ε)
        }
        project(x, l, s.Q, true);                                            // N = (…) ×_k Q_kᵀ
        if (o.normalize_grads) {
            T sum = 0;
            for (std::size_t i = 0; i < n; ++i) sum += x[i] * x[i];
            const T rms = std::sqrt(sum / T(double(n)));
            for (std::size_t i = 0; i < n; ++i) x[i] = x[i] / (T(1e-30) + rms);  // N ← N / (1e-30 + RMS(N))
        }
        for (std::size_t i = 0; i < n; ++i) p[i] = p[i] + minus_step * x[i];  // θ ← θ − γ'·N
        if (o.weight_decay > 0.0) {
            for (std::size_t i = 0; i < n; ++i) p[i] = p[i] + minus_decay * p[i];  // θ ← θ − γλ·θ
        }
        const bool turn = refresh && l.matrix_elements() > 0;
        if (turn) project(m, l, s.Q, true);  // m back to the parameters' coordinates
        update_statistics(grad, l, s, 1.0 - shampoo_beta);
        if (turn) {
            refresh_bases(l, s, v);
            project(m, l, s.Q, false);  // and into the new basis
        }
    }
}

// ---- saved state ---------------------------------------------------------------------------

template <class T>
OptimizerState<T> Soap<T>::state_dict() const {
    OptimizerState<T> s = Base::state_dict();
    for (std::size_t index = 0; index < state_.size(); ++index) {
        const TensorState& st = state_[index];
        if (st.GG.empty()) continue;
        const std::string& name = this->store_.info(index).name;
        s.buffers.push_back({name, "GG", {st.GG.size()}, st.GG});
        s.buffers.push_back({name, "Q", {st.Q.size()}, st.Q});
    }
    return s;
}

template <class T>
void Soap<T>::load_state_dict(const OptimizerState<T>& s) {
    // Each tensor's statistics and bases must fit the layout its group's options in `s` give.
    std::vector<TensorState> loaded(this->store_.tensors().size());
    std::vector<std::size_t> expected(loaded.size(), 0), steps(loaded.size(), 0);
    for (const auto& group : s.groups) {
        SoapOptions o = SoapOptions::defaults(s.convention);
        apply_hyper(o, group.hyper, kName);
        for (const std::string& name : group.params) {
            if (!this->store_.contains(name)) continue;  // the base refuses it, naming it
            const std::size_t index = this->store_.index_of(name);
            const TensorInfo& info = this->store_.info(index);
            expected[index] = info.size == 0 ? 0 : layout(info.shape, o).matrix_elements();
            steps[index] = std::size_t(std::max<std::int64_t>(group.step, 0));
        }
    }
    OptimizerState<T> rest = s;
    rest.buffers.clear();
    for (const auto& b : s.buffers) {
        if (b.buffer != "GG" && b.buffer != "Q") {
            rest.buffers.push_back(b);
            continue;
        }
        if (!this->store_.contains(b.param)) {
            throw StateMismatch("optimizer state: tensor '" + b.param + "' (buffer " + b.buffer + ") is not in the model");
        }
        const std::size_t index = this->store_.index_of(b.param);
        if (b.data.size() != expected[index] || b.shape != std::vector<std::size_t>{b.data.size()}) {
            throw StateMismatch("optimizer state: tensor '" + b.param + "' buffer " + b.buffer + " has " +
                                std::to_string(b.data.size()) + " numbers; its preconditioned dimensions need " +
                                std::to_string(expected[index]));
        }
        (b.buffer == "GG" ? loaded[index].GG : loaded[index].Q) = b.data;
    }
    for (std::size_t index = 0; index < loaded.size(); ++index) {
        const bool needed = expected[index] > 0 && steps[index] > 0;
        if (loaded[index].GG.empty() != loaded[index].Q.empty() || (needed && loaded[index].GG.empty())) {
            throw StateMismatch("optimizer state: tensor '" + this->store_.info(index).name +
                                "' needs both GG and Q (SOAP's statistics and bases) after its first step");
        }
    }
    Base::load_state_dict(rest);  // refuses, changing nothing, what does not fit
    state_ = std::move(loaded);
}

template class Soap<float>;
template class Soap<double>;

}  // namespace optlab
