// SPDX-License-Identifier: MIT
// Direct kernels for the image layers' float paths. Correlations for Conv2d's stride-1 path, without im2col: the output pixels'
// sums are kept in AVX2 registers (6 pixels × 16 channels, like a GEMM micro-kernel) and the
// input is read in place, each number broadcast from an image whose zero border is already
// there. OpenBLAS on im2col's rows spent a quarter of its time packing the skinny operands
// (K = 144, N = 32) and im2col itself another tenth; see docs/performance.md.
//
// Each output element is summed in one fixed order — the bias (or the old dW), then the window
// row by row, channel by channel (dW: image by image, pixel by pixel) — with fused
// multiply-adds, so results do not depend on the number of threads. Internal to nn/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace optlab::nn::direct {

/// True when the CPU has AVX2 and FMA and the kernels' SIMD target (core/simd.hpp) is not
/// baseline: Conv2d then takes this path for float and stride 1.
bool available();

/// An image stored channels-last, (height, width, channels), zero border included.
struct PaddedImage {
    const float* data;
    std::size_t width, channels;
};

/// Where each number of a k×k window sits from the window's corner in an image of `width`
/// pixels and `channels` channels, in the weight's row order r = (ky·k + kx)·C + c.
std::vector<std::size_t> window_offsets(std::size_t k, std::size_t width, std::size_t channels);

/// For oy < out_h, ox < out_w, j < cols, with offsets = window_offsets(k, in.width, C) and
/// depth = k·k·C:
///   out[(oy·out_w + ox)·cols + j] = bias[j] + Σ_{ky,kx<k} Σ_{c<C} in[oy+ky, ox+kx, c] · w[((ky·k + kx)·C + c)·cols + j]
/// summed in the order of r = (ky·k + kx)·C + c. bias may be null (0).
void correlate(PaddedImage in, const std::size_t* offsets, std::size_t depth, const float* w, std::size_t cols,
               const float* bias, std::size_t out_h, std::size_t out_w, float* out);

/// The weight gradient of correlate() over `images` images (input i at in + i·in_stride, its
/// output gradient at dy + i·dy_stride, (out_h, out_w, cols)), for the rows
/// r = (ky·k + kx)·C + c in [row0, row1), with offsets = window_offsets(k, in.width, C):
///   dw[r·cols + j] += Σ_i Σ_{oy,ox} in_i[oy+ky, ox+kx, c] · dy_i[(oy·out_w + ox)·cols + j]
void correlate_weight_grad(PaddedImage in, std::size_t in_stride, const std::size_t* offsets, const float* dy,
                           std::size_t dy_stride, std::size_t cols, std::size_t images, std::size_t out_h,
                           std::size_t out_w, std::size_t row0, std::size_t row1, float* dw);

/// sums[j] += Σ_{i<n} rows[i·cols + j] for j < cols, i in order: a bias's gradient.
void add_rows(const float* rows, std::size_t n, std::size_t cols, float* sums);

/// Max pooling of one channels-last image whose channel count is a multiple of 8, 8 channels
/// in a register through each window: for every output pixel (oy, ox) and channel j, out and
/// where get the largest of in[oy·stride + window position] (torch's test: larger, or NaN)
/// and that position's number p, the first such; `window[p]` is position p's offset from the
/// window's corner (p = 0 first). relu: out = relu(max), as `x < 0 ? 0 : x` (NaN and −0 pass).
void max_pool(const float* in, std::size_t width, std::size_t channels, const std::size_t* window,
              std::size_t area, std::size_t stride, std::size_t out_h, std::size_t out_w, bool relu, float* out,
              std::int32_t* where);

/// Its gradient for windows that tile the image (stride = kernel, no overlap, no remainder):
/// each window position gets dy where it held the maximum and 0 elsewhere. y, if not null, is
/// the ReLU's output: dy passes only where y > 0.
void max_pool_backward(const float* dy, const float* y, const std::int32_t* where, std::size_t width,
                       std::size_t channels, const std::size_t* window, std::size_t area, std::size_t stride,
                       std::size_t out_h, std::size_t out_w, float* dx);

}  // namespace optlab::nn::direct
