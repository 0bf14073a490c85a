// SPDX-License-Identifier: MIT
// LAPACK through LAPACKE (linalg.hpp says why).
#include "linalg.hpp"

#include <lapacke.h>

#include <string>

#include "optlab/core/error.hpp"

namespace optlab::linalg {

void symmetric_eigh(std::size_t n, double* a, double* eigenvalues, const char* what) {
    if (n == 0) return;
    const lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', lapack_int(n), a, lapack_int(n), eigenvalues);
    if (info != 0) {
        throw Error(std::string(what) + ": the symmetric eigendecomposition (LAPACK dsyevd) of a " +
                    std::to_string(n) + "×" + std::to_string(n) + " matrix failed (info " + std::to_string(info) +
                    "; a non-finite statistic? lower the learning rate)");
    }
}

void orthonormal_q(std::size_t m, std::size_t n, double* a, std::vector<double>& tau, const char* what) {
    if (m == 0 || n == 0) return;
    tau.resize(n);
    lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, lapack_int(m), lapack_int(n), a, lapack_int(n), tau.data());
    if (info == 0) info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, lapack_int(m), lapack_int(n), lapack_int(n), a, lapack_int(n), tau.data());
    if (info != 0) {
        throw Error(std::string(what) + ": the QR factorisation (LAPACK dgeqrf/dorgqr) of a " + std::to_string(m) +
                    "×" + std::to_string(n) + " matrix failed (info " + std::to_string(info) + ")");
    }
}

}  // namespace optlab::linalg
