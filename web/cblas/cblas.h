/* SPDX-License-Identifier: MIT
 * The four CBLAS products Muon calls (src/optim/muon.cpp), the dot products L-BFGS calls
 * (src/optim/lbfgs.cpp) and OpenBLAS's thread-count calls,
 * for the WebAssembly engine, which has no OpenBLAS: web/cblas.cpp computes them in plain loops
 * in the order OpenBLAS's kernels round them for the explorable's 1×2 matrices. Only what the
 * library calls is declared; the native build never sees this file. */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112 };
enum CBLAS_UPLO { CblasUpper = 121, CblasLower = 122 };
enum CBLAS_SIDE { CblasLeft = 141, CblasRight = 142 };

void cblas_ssyrk(enum CBLAS_ORDER order, enum CBLAS_UPLO uplo, enum CBLAS_TRANSPOSE trans, int n, int k,
                 float alpha, const float* a, int lda, float beta, float* c, int ldc);
void cblas_dsyrk(enum CBLAS_ORDER order, enum CBLAS_UPLO uplo, enum CBLAS_TRANSPOSE trans, int n, int k,
                 double alpha, const double* a, int lda, double beta, double* c, int ldc);
void cblas_ssymm(enum CBLAS_ORDER order, enum CBLAS_SIDE side, enum CBLAS_UPLO uplo, int m, int n,
                 float alpha, const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc);
void cblas_dsymm(enum CBLAS_ORDER order, enum CBLAS_SIDE side, enum CBLAS_UPLO uplo, int m, int n,
                 double alpha, const double* a, int lda, const double* b, int ldb, double beta, double* c,
                 int ldc);
float cblas_sdot(int n, const float* x, int incx, const float* y, int incy);
double cblas_ddot(int n, const double* x, int incx, const double* y, int incy);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int threads);

#ifdef __cplusplus
}
#endif
