// SPDX-License-Identifier: MIT
// Muon's BLAS products for the WebAssembly engine (web/cblas/cblas.h says why): row-major,
// upper triangle, no transpose — the only forms src/optim/muon.cpp calls. Each sum is
// accumulated with fused multiply-adds from 0, then scaled by alpha and added to beta·C, as
// OpenBLAS's Haswell kernels do, so the explorable's Muon path is the native one.
#include <cblas.h>

#include <cmath>

namespace {

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

// C ← alpha·A·B + beta·C with A (m×m) symmetric, given by its upper triangle.
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

}  // namespace

extern "C" {

void cblas_ssyrk(CBLAS_ORDER, CBLAS_UPLO, CBLAS_TRANSPOSE, int n, int k, float alpha, const float* a, int lda,
                 float beta, float* c, int ldc) {
    syrk(n, k, alpha, a, lda, beta, c, ldc);
}
void cblas_dsyrk(CBLAS_ORDER, CBLAS_UPLO, CBLAS_TRANSPOSE, int n, int k, double alpha, const double* a, int lda,
                 double beta, double* c, int ldc) {
    syrk(n, k, alpha, a, lda, beta, c, ldc);
}
void cblas_ssymm(CBLAS_ORDER, CBLAS_SIDE, CBLAS_UPLO, int m, int n, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc) {
    symm(m, n, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_dsymm(CBLAS_ORDER, CBLAS_SIDE, CBLAS_UPLO, int m, int n, double alpha, const double* a, int lda,
                 const double* b, int ldb, double beta, double* c, int ldc) {
    symm(m, n, alpha, a, lda, b, ldb, beta, c, ldc);
}
// In order from 0, each product rounded then added: what OpenBLAS's kernels give for the
// explorable's two coordinates (lbfgs_test's 2-D cases agree with torch's bits either way).
float cblas_sdot(int n, const float* x, int incx, const float* y, int incy) {
    float sum = 0;
    for (int i = 0; i < n; ++i) sum += x[i * incx] * y[i * incy];
    return sum;
}
double cblas_ddot(int n, const double* x, int incx, const double* y, int incy) {
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += x[i * incx] * y[i * incy];
    return sum;
}
int openblas_get_num_threads(void) { return 1; }
void openblas_set_num_threads(int) {}

}  // extern "C"
