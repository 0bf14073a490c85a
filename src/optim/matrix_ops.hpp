// SPDX-License-Identifier: MIT
// The BLAS products Shampoo and SOAP share (private to src/optim): row-major gemm and syrk in
// the parameters' dtype, and torch's lerp. Muon keeps its own (muon.cpp), which the WebAssembly
// engine's small CBLAS (web/cblas.cpp) mirrors; these two optimizers are not in the engine.
#pragma once

#include <cblas.h>

#include <cmath>
#include <cstddef>

namespace optlab::matrix_ops {

/// C (m×n) ← alpha·op(A)·op(B) + beta·C, op(X) = Xᵀ when its flag is set; A is m×k (k×m when
/// transposed), B is k×n (n×k when transposed), all row-major and dense.
inline void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                 const float* b, float beta, float* c) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
                alpha, a, ta ? int(m) : int(k), b, tb ? int(k) : int(n), beta, c, int(n));
}
inline void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, double alpha, const double* a,
                 const double* b, double beta, double* c) {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
                alpha, a, ta ? int(m) : int(k), b, tb ? int(k) : int(n), beta, c, int(n));
}

/// C (n×n) ← A·Aᵀ for A n×k, both triangles (syrk computes the upper one; the lower is its
/// mirror, so C is exactly symmetric, as LAPACK's eigensolver expects).
inline void gram(std::size_t n, std::size_t k, const float* a, float* c) {
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, int(n), int(k), 1.f, a, int(k), 0.f, c, int(n));
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < i; ++j) c[i * n + j] = c[j * n + i];
    }
}
inline void gram(std::size_t n, std::size_t k, const double* a, double* c) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, int(n), int(k), 1.0, a, int(k), 0.0, c, int(n));
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < i; ++j) c[i * n + j] = c[j * n + i];
    }
}

/// torch's lerp: a + w(b − a) for |w| < 0.5, else b − (b − a)(1 − w).
template <class T>
inline T lerp(T a, T b, T w, T one_minus_w) {
    return std::abs(w) < T(0.5) ? a + w * (b - a) : b - (b - a) * one_minus_w;
}

/// x (rows × cols, row-major) transposed into y (cols × rows).
template <class T>
inline void transpose(std::size_t rows, std::size_t cols, const T* x, T* y) {
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < cols; ++j) y[j * rows + i] = x[i * cols + j];
    }
}

}  // namespace optlab::matrix_ops
