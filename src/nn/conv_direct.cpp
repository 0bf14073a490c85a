// SPDX-License-Identifier: MIT
// The direct correlations of conv_direct.hpp. Every function that touches a vector carries
// the AVX2+FMA target attribute (not a file-wide -mavx2, under which an inline function of
// another header could be compiled for AVX2 and picked by the linker for every caller);
// available() keeps them from running where the CPU lacks them.
#include "conv_direct.hpp"

#include <algorithm>

#include "optlab/core/simd.hpp"

#ifdef OPTLAB_SIMD_DISPATCH
#include <immintrin.h>
#endif

namespace optlab::nn::direct {

std::vector<std::size_t> window_offsets(std::size_t k, std::size_t width, std::size_t channels) {
    std::vector<std::size_t> offsets;
    for (std::size_t ky = 0; ky < k; ++ky) {
        for (std::size_t kx = 0; kx < k; ++kx) {
            for (std::size_t c = 0; c < channels; ++c) offsets.push_back((ky * width + kx) * channels + c);
        }
    }
    return offsets;
}

#ifdef OPTLAB_SIMD_DISPATCH

bool available() {
    return simd_target() != SimdTarget::baseline && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

namespace {

#define OPTLAB_AVX2 [[gnu::target("avx2,fma")]]

constexpr std::size_t kLanes = 8;     // floats per AVX2 register
constexpr std::size_t kBlock = 6;     // output pixels (or dW rows) per block
constexpr std::size_t kColumns = 16;  // columns per block: 2 registers; 6 × 2 sums + 2 weights + 1 input

// P output pixels × V·8 columns: the sums stay in registers through the whole window, walked
// as one loop over its depth·… numbers (offsets from the table, not three nested loops, whose
// overhead cost the 1-channel first layer half its rate).
template <std::size_t P, std::size_t V>
OPTLAB_AVX2 void pixels_block(const float* const* src, const std::size_t* offsets, std::size_t depth, const float* w,
                              std::size_t cols, const float* bias, float* const* dst) {
    __m256 acc[P][V];
    for (std::size_t v = 0; v < V; ++v) {
        const __m256 b = bias ? _mm256_loadu_ps(bias + v * kLanes) : _mm256_setzero_ps();
        for (std::size_t i = 0; i < P; ++i) acc[i][v] = b;
    }
    for (std::size_t r = 0; r < depth; ++r, w += cols) {
        __m256 wv[V];
        for (std::size_t v = 0; v < V; ++v) wv[v] = _mm256_loadu_ps(w + v * kLanes);
        const std::size_t offset = offsets[r];
        for (std::size_t i = 0; i < P; ++i) {
            const __m256 x = _mm256_broadcast_ss(src[i] + offset);
            for (std::size_t v = 0; v < V; ++v) acc[i][v] = _mm256_fmadd_ps(x, wv[v], acc[i][v]);
        }
    }
    for (std::size_t i = 0; i < P; ++i) {
        for (std::size_t v = 0; v < V; ++v) _mm256_storeu_ps(dst[i] + v * kLanes, acc[i][v]);
    }
}

// The columns past the last multiple of 8, one at a time, in the same order of sums.
OPTLAB_AVX2 void pixel_tail(const float* src, const std::size_t* offsets, std::size_t depth, const float* w,
                            std::size_t cols, std::size_t j0, const float* bias, float* dst) {
    for (std::size_t j = j0; j < cols; ++j) {
        float acc = bias ? bias[j] : 0.0f;
        for (std::size_t r = 0; r < depth; ++r) acc = __builtin_fmaf(src[offsets[r]], w[r * cols + j], acc);
        dst[j] = acc;
    }
}

template <std::size_t V>
OPTLAB_AVX2 void pixels(PaddedImage in, const std::size_t* offsets, std::size_t depth, const float* w,
                        std::size_t cols, const float* bias, std::size_t out_w, std::size_t first, std::size_t count,
                        std::size_t j0, float* out) {
    const float* src[kBlock];
    float* dst[kBlock];
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t p = first + i, oy = p / out_w, ox = p % out_w;
        src[i] = in.data + (oy * in.width + ox) * in.channels;
        dst[i] = out + p * cols + j0;
    }
    const float* wj = w + j0;
    const float* bj = bias ? bias + j0 : nullptr;
    switch (count) {
        case 6: return pixels_block<6, V>(src, offsets, depth, wj, cols, bj, dst);
        case 5: return pixels_block<5, V>(src, offsets, depth, wj, cols, bj, dst);
        case 4: return pixels_block<4, V>(src, offsets, depth, wj, cols, bj, dst);
        case 3: return pixels_block<3, V>(src, offsets, depth, wj, cols, bj, dst);
        case 2: return pixels_block<2, V>(src, offsets, depth, wj, cols, bj, dst);
        default: return pixels_block<1, V>(src, offsets, depth, wj, cols, bj, dst);
    }
}

OPTLAB_AVX2 void correlate_avx2(PaddedImage in, const std::size_t* offsets, std::size_t depth, const float* w,
                                std::size_t cols, const float* bias, std::size_t out_h, std::size_t out_w, float* out) {
    const std::size_t n = out_h * out_w;
    std::size_t j0 = 0;
    // Column blocks outside, pixels inside: a block's weights (depth × 16) stay in L1.
    for (; j0 + kColumns <= cols; j0 += kColumns) {
        for (std::size_t p = 0; p < n; p += kBlock) {
            pixels<2>(in, offsets, depth, w, cols, bias, out_w, p, std::min(kBlock, n - p), j0, out);
        }
    }
    if (j0 + kLanes <= cols) {
        for (std::size_t p = 0; p < n; p += kBlock) {
            pixels<1>(in, offsets, depth, w, cols, bias, out_w, p, std::min(kBlock, n - p), j0, out);
        }
        j0 += kLanes;
    }
    if (j0 < cols) {
        for (std::size_t p = 0; p < n; ++p) {
            const float* src = in.data + ((p / out_w) * in.width + p % out_w) * in.channels;
            pixel_tail(src, offsets, depth, w, cols, j0, bias, out + p * cols);
        }
    }
}

// R rows of dW × V·8 columns, summed over every pixel of every image.
template <std::size_t R, std::size_t V>
OPTLAB_AVX2 void weight_rows_block(const std::size_t* offset, PaddedImage in, std::size_t in_stride, const float* dy,
                                   std::size_t dy_stride, std::size_t cols, std::size_t images, std::size_t out_h,
                                   std::size_t out_w, float* dw) {
    __m256 acc[R][V];
    for (std::size_t r = 0; r < R; ++r) {
        for (std::size_t v = 0; v < V; ++v) acc[r][v] = _mm256_loadu_ps(dw + r * cols + v * kLanes);
    }
    for (std::size_t image = 0; image < images; ++image) {
        for (std::size_t oy = 0; oy < out_h; ++oy) {
            const float* x = in.data + image * in_stride + oy * in.width * in.channels;
            const float* g = dy + image * dy_stride + oy * out_w * cols;
            for (std::size_t ox = 0; ox < out_w; ++ox, x += in.channels, g += cols) {
                __m256 gv[V];
                for (std::size_t v = 0; v < V; ++v) gv[v] = _mm256_loadu_ps(g + v * kLanes);
                for (std::size_t r = 0; r < R; ++r) {
                    const __m256 xv = _mm256_broadcast_ss(x + offset[r]);
                    for (std::size_t v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(xv, gv[v], acc[r][v]);
                }
            }
        }
    }
    for (std::size_t r = 0; r < R; ++r) {
        for (std::size_t v = 0; v < V; ++v) _mm256_storeu_ps(dw + r * cols + v * kLanes, acc[r][v]);
    }
}

template <std::size_t V>
OPTLAB_AVX2 void weight_rows(const std::size_t* offset, std::size_t count, PaddedImage in, std::size_t in_stride,
                             const float* dy, std::size_t dy_stride, std::size_t cols, std::size_t images,
                             std::size_t out_h, std::size_t out_w, float* dw) {
    switch (count) {
        case 6: return weight_rows_block<6, V>(offset, in, in_stride, dy, dy_stride, cols, images, out_h, out_w, dw);
        case 5: return weight_rows_block<5, V>(offset, in, in_stride, dy, dy_stride, cols, images, out_h, out_w, dw);
        case 4: return weight_rows_block<4, V>(offset, in, in_stride, dy, dy_stride, cols, images, out_h, out_w, dw);
        case 3: return weight_rows_block<3, V>(offset, in, in_stride, dy, dy_stride, cols, images, out_h, out_w, dw);
        case 2: return weight_rows_block<2, V>(offset, in, in_stride, dy, dy_stride, cols, images, out_h, out_w, dw);
        default: return weight_rows_block<1, V>(offset, in, in_stride, dy, dy_stride, cols, images, out_h, out_w, dw);
    }
}

OPTLAB_AVX2 void correlate_weight_grad_avx2(PaddedImage in, std::size_t in_stride, const std::size_t* offsets,
                                            const float* dy, std::size_t dy_stride, std::size_t cols,
                                            std::size_t images, std::size_t out_h, std::size_t out_w,
                                            std::size_t row0, std::size_t row1, float* dw) {
    const std::size_t c_in = in.channels;
    for (std::size_t r0 = row0; r0 < row1; r0 += kBlock) {
        const std::size_t count = std::min(kBlock, row1 - r0);
        const std::size_t* offset = offsets + r0;  // where row r's input sits from a pixel's window corner
        std::size_t j0 = 0;
        for (; j0 + kColumns <= cols; j0 += kColumns) {
            weight_rows<2>(offset, count, in, in_stride, dy + j0, dy_stride, cols, images, out_h, out_w, dw + r0 * cols + j0);
        }
        if (j0 + kLanes <= cols) {
            weight_rows<1>(offset, count, in, in_stride, dy + j0, dy_stride, cols, images, out_h, out_w, dw + r0 * cols + j0);
            j0 += kLanes;
        }
        for (; j0 < cols; ++j0) {  // the last columns, one at a time, in the same order
            for (std::size_t i = 0; i < count; ++i) {
                float acc = dw[(r0 + i) * cols + j0];
                for (std::size_t image = 0; image < images; ++image) {
                    for (std::size_t oy = 0; oy < out_h; ++oy) {
                        const float* x = in.data + image * in_stride + oy * in.width * c_in + offset[i];
                        const float* g = dy + image * dy_stride + oy * out_w * cols + j0;
                        for (std::size_t ox = 0; ox < out_w; ++ox) acc = __builtin_fmaf(x[ox * c_in], g[ox * cols], acc);
                    }
                }
                dw[(r0 + i) * cols + j0] = acc;
            }
        }
    }
}

OPTLAB_AVX2 void add_rows_avx2(const float* rows, std::size_t n, std::size_t cols, float* sums) {
    std::size_t j0 = 0;
    for (; j0 + 2 * kLanes <= cols; j0 += 2 * kLanes) {
        __m256 a = _mm256_loadu_ps(sums + j0), b = _mm256_loadu_ps(sums + j0 + kLanes);
        for (std::size_t i = 0; i < n; ++i) {
            a = _mm256_add_ps(a, _mm256_loadu_ps(rows + i * cols + j0));
            b = _mm256_add_ps(b, _mm256_loadu_ps(rows + i * cols + j0 + kLanes));
        }
        _mm256_storeu_ps(sums + j0, a);
        _mm256_storeu_ps(sums + j0 + kLanes, b);
    }
    for (; j0 < cols; ++j0) {
        float a = sums[j0];
        for (std::size_t i = 0; i < n; ++i) a += rows[i * cols + j0];
        sums[j0] = a;
    }
}

OPTLAB_AVX2 void max_pool_avx2(const float* in, std::size_t width, std::size_t channels, const std::size_t* window,
                               std::size_t area, std::size_t stride, std::size_t out_h, std::size_t out_w, bool relu,
                               float* out, std::int32_t* where) {
    for (std::size_t oy = 0; oy < out_h; ++oy) {
        for (std::size_t ox = 0; ox < out_w; ++ox, out += channels, where += channels) {
            const float* corner = in + (oy * stride * width + ox * stride) * channels;
            for (std::size_t j = 0; j < channels; j += kLanes) {
                __m256 m = _mm256_loadu_ps(corner + j);
                __m256 at = _mm256_setzero_ps();  // position numbers, as integer bits
                for (std::size_t p = 1; p < area; ++p) {
                    const __m256 a = _mm256_loadu_ps(corner + window[p] + j);
                    const __m256 take = _mm256_or_ps(_mm256_cmp_ps(a, m, _CMP_GT_OQ), _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
                    m = _mm256_blendv_ps(m, a, take);
                    at = _mm256_blendv_ps(at, _mm256_castsi256_ps(_mm256_set1_epi32(std::int32_t(p))), take);
                }
                if (relu) m = _mm256_andnot_ps(_mm256_cmp_ps(m, _mm256_setzero_ps(), _CMP_LT_OQ), m);
                _mm256_storeu_ps(out + j, m);
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(where + j), _mm256_castps_si256(at));
            }
        }
    }
}

OPTLAB_AVX2 void max_pool_backward_avx2(const float* dy, const float* y, const std::int32_t* where,
                                        std::size_t width, std::size_t channels, const std::size_t* window,
                                        std::size_t area, std::size_t stride, std::size_t out_h, std::size_t out_w,
                                        float* dx) {
    for (std::size_t oy = 0; oy < out_h; ++oy) {
        for (std::size_t ox = 0; ox < out_w; ++ox, dy += channels, where += channels, y = y ? y + channels : y) {
            float* corner = dx + (oy * stride * width + ox * stride) * channels;
            for (std::size_t j = 0; j < channels; j += kLanes) {
                __m256 g = _mm256_loadu_ps(dy + j);
                if (y) g = _mm256_and_ps(g, _mm256_cmp_ps(_mm256_loadu_ps(y + j), _mm256_setzero_ps(), _CMP_GT_OQ));
                const __m256i at = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(where + j));
                for (std::size_t p = 0; p < area; ++p) {  // a select, not 0·g: an infinite g stays where it goes
                    const __m256 here = _mm256_castsi256_ps(_mm256_cmpeq_epi32(at, _mm256_set1_epi32(std::int32_t(p))));
                    _mm256_storeu_ps(corner + window[p] + j, _mm256_and_ps(here, g));
                }
            }
        }
    }
}

#undef OPTLAB_AVX2

}  // namespace

void add_rows(const float* rows, std::size_t n, std::size_t cols, float* sums) { add_rows_avx2(rows, n, cols, sums); }

void max_pool(const float* in, std::size_t width, std::size_t channels, const std::size_t* window, std::size_t area,
              std::size_t stride, std::size_t out_h, std::size_t out_w, bool relu, float* out, std::int32_t* where) {
    max_pool_avx2(in, width, channels, window, area, stride, out_h, out_w, relu, out, where);
}

void max_pool_backward(const float* dy, const float* y, const std::int32_t* where, std::size_t width,
                       std::size_t channels, const std::size_t* window, std::size_t area, std::size_t stride,
                       std::size_t out_h, std::size_t out_w, float* dx) {
    max_pool_backward_avx2(dy, y, where, width, channels, window, area, stride, out_h, out_w, dx);
}

void correlate(PaddedImage in, const std::size_t* offsets, std::size_t depth, const float* w, std::size_t cols,
               const float* bias, std::size_t out_h, std::size_t out_w, float* out) {
    correlate_avx2(in, offsets, depth, w, cols, bias, out_h, out_w, out);
}

void correlate_weight_grad(PaddedImage in, std::size_t in_stride, const std::size_t* offsets, const float* dy,
                           std::size_t dy_stride, std::size_t cols, std::size_t images, std::size_t out_h,
                           std::size_t out_w, std::size_t row0, std::size_t row1, float* dw) {
    correlate_weight_grad_avx2(in, in_stride, offsets, dy, dy_stride, cols, images, out_h, out_w, row0, row1, dw);
}

#else  // not x86-64 GCC/clang: Conv2d always takes its im2col path

bool available() { return false; }
void correlate(PaddedImage, const std::size_t*, std::size_t, const float*, std::size_t, const float*, std::size_t,
               std::size_t, float*) {}
void correlate_weight_grad(PaddedImage, std::size_t, const std::size_t*, const float*, std::size_t, std::size_t, std::size_t,
                           std::size_t, std::size_t, std::size_t, std::size_t, float*) {}
void add_rows(const float*, std::size_t, std::size_t, float*) {}
void max_pool(const float*, std::size_t, std::size_t, const std::size_t*, std::size_t, std::size_t, std::size_t,
              std::size_t, bool, float*, std::int32_t*) {}
void max_pool_backward(const float*, const float*, const std::int32_t*, std::size_t, std::size_t, const std::size_t*,
                       std::size_t, std::size_t, std::size_t, std::size_t, float*) {}

#endif

}  // namespace optlab::nn::direct
