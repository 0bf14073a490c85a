// SPDX-License-Identifier: MIT
// Muon's BLAS products for the WebAssembly engine (web/cblas/cblas.h says why): row-major,
// upper triangle, no transpose — the only forms src/optim/muon.cpp calls — by the loops of
// src/optim/fma_products.hpp, which muon.cpp uses natively for small matrices: the explorable's
// Muon (its 1×2 paths, its networks' ≤ 8×8 weights) is the native one bit for bit.
#include <cblas.h>

#include "../src/optim/fma_products.hpp"

using optlab::fma_products::symm;
using optlab::fma_products::syrk;

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
