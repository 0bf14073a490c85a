// SPDX-License-Identifier: MIT
// Muon's two products as plain loops (private to src/optim and web/): row-major, upper
// triangle, no transpose. Each sum is accumulated with fused multiply-adds from 0, then scaled
// by alpha and added to beta·C. The WebAssembly engine has no BLAS and uses these for every
// size (web/cblas.cpp); muon.cpp uses them natively for small matrices, so the explorable's
// Muon — paths and networks — is the command line's bit for bit whatever kernels OpenBLAS
// picks for the CPU. (std::fma rounds once, in hardware or in software alike.)
#pragma once

#include <cmath>

namespace optlab::fma_products {

/// C (n×n, upper triangle) ← alpha·A·Aᵀ + beta·C for A n×k.
template <class T>
void syrk(int n, int k, T alpha, const T* a, int lda, T beta, T* c, int ldc) {
    for (int i = 0; i < n; ++i) {
        for (int j = i; j < n; ++j) {
            T sum = 0;
            for (int l = 0; l < k; ++l) sum = std::fma(a[i * lda + l], a[j * lda + l], sum);
            c[i * ldc + j] = std::fma(alpha, sum, beta * c[i * ldc + j]);
        }
    }
}

/// C ← alpha·A·B + beta·C with A (m×m) symmetric, given by its upper triangle, B m×n.
template <class T>
void symm(int m, int n, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
    auto at = [&](int i, int j) { return i <= j ? a[i * lda + j] : a[j * lda + i]; };
    for (int i = 0; i < m; ++i) {
        for (int j = 0; j < n; ++j) {
            T sum = 0;
            for (int l = 0; l < m; ++l) sum = std::fma(at(i, l), b[l * ldb + j], sum);
            c[i * ldc + j] = std::fma(alpha, sum, beta * c[i * ldc + j]);
        }
    }
}

}  // namespace optlab::fma_products
