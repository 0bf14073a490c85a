// SPDX-License-Identifier: MIT
// The two LAPACK factorisations the matrix-preconditioned optimizers need (Shampoo's inverse
// roots, SOAP's eigenbases), through LAPACKE (Debian's liblapacke, over OpenBLAS's LAPACK):
// private to the library, whose public headers need the standard library only. Both work in
// float64 on row-major n×n (or m×n) matrices; the optimizers keep their state in the
// parameters' dtype and promote it to float64 for these calls (docs/optimizers.md#shampoo).
// Not in the WebAssembly engine, which has no LAPACK (docs/explorable.md).
#pragma once

#include <cstddef>
#include <vector>

namespace optlab::linalg {

/// The eigendecomposition of the symmetric n×n matrix `a` (row-major; its upper triangle is
/// read): on return `a` holds the orthonormal eigenvectors as columns and `eigenvalues` the n
/// eigenvalues in ascending order (LAPACK dsyevd, as torch.linalg.eigh and numpy.linalg.eigh).
/// Throws Error naming `what` if LAPACK does not converge.
void symmetric_eigh(std::size_t n, double* a, double* eigenvalues, const char* what);

/// The Q of a QR factorisation of the m×n matrix `a` (m ≥ n, row-major), in place: n
/// orthonormal columns (LAPACK dgeqrf + dorgqr, Householder, as torch.linalg.qr's "reduced").
/// `tau` is a workspace of n. Throws Error naming `what` if LAPACK refuses the call.
void orthonormal_q(std::size_t m, std::size_t n, double* a, std::vector<double>& tau, const char* what);

}  // namespace optlab::linalg
