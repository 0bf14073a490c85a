// SPDX-License-Identifier: MIT
// Muon; the formula is in muon.hpp and docs/optimizers.md#muon.
#include "optlab/optim/muon.hpp"

#include <cblas.h>

#include <cmath>

#include "fma_products.hpp"
#include "../core/blas_threads.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

MuonOptions MuonOptions::defaults(Convention c) {
    MuonOptions o;  // torch's, in every convention (Keras 3's Muon: docs)
    o.convention = c;
    return o;
}

template <class T>
Muon<T>::Muon(ParamStore<T>& store, const MuonOptions& options) : Base(store, options) {
    check_matrices();
}

template <class T>
Muon<T>::Muon(ParamStore<T>& store, typename Base::ParamGroups groups) : Base(store, std::move(groups)) {
    check_matrices();
}

template <class T>
void Muon<T>::check_matrices() const {
    for (std::size_t g = 0; g < this->num_groups(); ++g) {
        for (std::size_t index : this->group_tensors(g)) {
            const TensorInfo& t = this->store_.info(index);
            if (t.shape.size() >= 2) continue;
            std::string shape;
            for (auto d : t.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
            throw InvalidArgument("muon: tensor '" + t.name + "' has shape [" + shape +
                                  "]; Muon takes weights of 2 or more dimensions only (train the others "
                                  "with AdamW, as optlab train --optimizer muon does)");
        }
    }
}

template <class T>
typename Muon<T>::TorchMatrix Muon<T>::torch_matrix(const TensorInfo& t) {
    if (t.layout == WeightLayout::in_out) return {t.shape[1], t.shape[0], true};
    std::size_t cols = 1;
    for (std::size_t d = 1; d < t.shape.size(); ++d) cols *= t.shape[d];
    return {t.shape[0], cols, false};
}

template <class T>
void Muon<T>::validate(const MuonOptions& o) {
    check_non_negative(kName, o.lr);
    check_non_negative(kName, o.momentum);
    check_non_negative(kName, o.weight_decay);
    check_non_negative(kName, o.eps);
    const double steps = o.ns_steps;
    if (!(steps >= 0 && steps < 100 && steps == std::floor(steps))) {
        throw_invalid(kName, "ns_steps", steps, "a whole number from 0 to 99 (torch: fewer than 100)");
    }
    for (double c : o.ns_coefficients.value) {
        if (!std::isfinite(c)) throw_invalid(kName, "ns_coefficients", c, "finite numbers");
    }
    const std::string& fn = o.adjust_lr_fn;
    if (fn != "original" && fn != "match_rms_adamw") {
        throw InvalidArgument("muon: adjust_lr_fn '" + fn + "' (expected original or match_rms_adamw)");
    }
}

template <class T>
double Muon<T>::lr_ratio(const MuonOptions& o, std::size_t rows, std::size_t cols) {
    const double A = double(rows), B = double(cols);
    if (std::string(o.adjust_lr_fn) == "match_rms_adamw") return 0.2 * std::sqrt(std::max(A, B));
    return std::sqrt(std::max(1.0, A / B));
}

namespace {

// The three BLAS products of a Newton–Schulz iteration, row-major, in T. S = X·Xᵀ and
// S' = b·S + c·S·S are symmetric: syrk computes one triangle of each (half gemm's flops), symm
// multiplies by a symmetric matrix from its triangle. Matrices of at most kLoopSize rows and
// columns go through fma_products' loops instead: the WebAssembly engine's own, so the
// explorable's Muon equals the CLI's bit for bit on any CPU (OpenBLAS's kernels sum in the
// CPU's lanes); at those sizes a BLAS call costs more than its arithmetic.
constexpr std::size_t kLoopSize = 16;
void syrk(std::size_t n, std::size_t k, float alpha, const float* a, float beta, float* c) {
    if (n <= kLoopSize && k <= kLoopSize) return fma_products::syrk(int(n), int(k), alpha, a, int(k), beta, c, int(n));
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, int(n), int(k), alpha, a, int(k), beta, c, int(n));
}
void syrk(std::size_t n, std::size_t k, double alpha, const double* a, double beta, double* c) {
    if (n <= kLoopSize && k <= kLoopSize) return fma_products::syrk(int(n), int(k), alpha, a, int(k), beta, c, int(n));
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, int(n), int(k), alpha, a, int(k), beta, c, int(n));
}
void symm(std::size_t m, std::size_t n, float alpha, const float* a, const float* b, float beta, float* c) {
    if (m <= kLoopSize && n <= kLoopSize) return fma_products::symm(int(m), int(n), alpha, a, int(m), b, int(n), beta, c, int(n));
    cblas_ssymm(CblasRowMajor, CblasLeft, CblasUpper, int(m), int(n), alpha, a, int(m), b, int(n), beta, c, int(n));
}
void symm(std::size_t m, std::size_t n, double alpha, const double* a, const double* b, double beta, double* c) {
    if (m <= kLoopSize && n <= kLoopSize) return fma_products::symm(int(m), int(n), alpha, a, int(m), b, int(n), beta, c, int(n));
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, int(m), int(n), alpha, a, int(m), b, int(n), beta, c, int(n));
}

// torch's lerp: a + w(b − a) for |w| < 0.5, else b − (b − a)(1 − w).
template <class T>
inline T lerp(T a, T b, T w, T one_minus_w) {
    return std::abs(w) < T(0.5) ? a + w * (b - a) : b - (b - a) * one_minus_w;
}


}  // namespace

// X (m×n, m ≤ n, in x_) ← its orthogonalisation, in place. torch's gemms compute the two
// triangles of the symmetric products separately (equal up to rounding); optlab one of them.
template <class T>
void Muon<T>::newton_schulz(std::size_t m, std::size_t n, const MuonOptions& o) {
    double sum = 0;
    for (std::size_t i = 0; i < m * n; ++i) sum += double(x_[i]) * double(x_[i]);
    const T norm = std::max(T(std::sqrt(sum)), T(double(o.eps)));  // clamp(‖X‖_F, min=ε)
    for (std::size_t i = 0; i < m * n; ++i) x_[i] = x_[i] / norm;
    const T a = T(o.ns_coefficients[0]), b = T(o.ns_coefficients[1]), c = T(o.ns_coefficients[2]);
    for (int step = 0; step < int(o.ns_steps); ++step) {
        syrk(m, n, T(1), x_.data(), T(0), s_.data());                     // S = X·Xᵀ (upper triangle)
        for (std::size_t i = 0; i < m; ++i) {                            // S whole, for S·S = S·Sᵀ
            for (std::size_t j = 0; j < i; ++j) s_[i * m + j] = s_[j * m + i];
        }
        std::copy(s_.begin(), s_.begin() + std::ptrdiff_t(m * m), s2_.begin());
        syrk(m, m, c, s_.data(), b, s2_.data());                         // S' = b·S + c·S·S
        std::copy(x_.begin(), x_.begin() + std::ptrdiff_t(m * n), x_next_.begin());
        symm(m, n, T(1), s2_.data(), x_.data(), a, x_next_.data());      // X = a·X + S'·X
        std::swap(x_, x_next_);
    }
}

template <class T>
void Muon<T>::step_group(std::size_t g) {
    const MuonOptions& o = this->options_[g];
    T* params = this->store_.params().data();
    const T* grads = this->store_.grads().data();
    T* momentum = this->state("momentum_buffer");
    // The weights as torch's lerp takes them: py-floats cast to T, and 1 − weight in T.
    const T mu = T(double(o.momentum)), w = T(1.0 - double(o.momentum));
    const T one_minus_mu = T(1) - mu, one_minus_w = T(1) - w;
    const T sign = o.maximize ? T(-1) : T(1);
    const T decay = T(1.0 - double(o.lr) * double(o.weight_decay));
    const BlasThreadScope blas_threads(num_threads());  // the products on optlab's threads
    for (std::size_t index : this->group_tensors(g)) {
        const TensorInfo& info = this->store_.info(index);
        const std::size_t n = info.size;
        if (n == 0) continue;  // an empty matrix: nothing to update (and no valid BLAS call)
        // The matrix G as torch holds this layer's weight, (A, B) = (out, in·…): element (i, j)
        // of G is the stored element i·B + j, or j·A + i for a weight stored (in, out).
        const TorchMatrix G = torch_matrix(info);
        const std::size_t rows = G.rows, cols = G.cols;
        T* p = params + info.offset;
        const T* grad = grads + info.offset;
        T* m = momentum + info.offset;
        // The update in X, as rows ≤ cols (Gᵀ when G is tall).
        const bool tall = rows > cols;
        const std::size_t xr = tall ? cols : rows, xc = tall ? rows : cols;
        x_.resize(std::max(x_.size(), n));
        x_next_.resize(std::max(x_next_.size(), n));
        s_.resize(std::max(s_.size(), xr * xr));
        s2_.resize(std::max(s2_.size(), xr * xr));
        const auto stored = [&](std::size_t i, std::size_t j) { return G.stored_transposed ? j * rows + i : i * cols + j; };
        const auto in_x = [&](std::size_t i, std::size_t j) { return tall ? j * rows + i : i * cols + j; };
        for (std::size_t i = 0; i < rows; ++i) {
            for (std::size_t j = 0; j < cols; ++j) {
                const std::size_t k = stored(i, j);
                const T gk = sign * grad[k];
                m[k] = lerp(m[k], gk, w, one_minus_w);                            // m ← lerp(m, g, 1 − μ)
                const T u = o.nesterov ? lerp(gk, m[k], mu, one_minus_mu) : m[k];  // u ← lerp(g, m, μ)
                x_[in_x(i, j)] = u;
            }
        }
        newton_schulz(xr, xc, o);
        const T step = T(-double(o.lr) * lr_ratio(o, rows, cols));               // −γ·ratio
        for (std::size_t i = 0; i < rows; ++i) {
            for (std::size_t j = 0; j < cols; ++j) {
                const std::size_t k = stored(i, j);
                p[k] = p[k] * decay;                                              // θ ← θ(1 − γλ)
                p[k] = p[k] + step * x_[in_x(i, j)];                              // θ ← θ − γ·ratio·O
            }
        }
    }
}

template class Muon<float>;
template class Muon<double>;

}  // namespace optlab
