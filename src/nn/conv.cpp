// SPDX-License-Identifier: MIT
// The image layers of nn/conv.hpp.
#include "optlab/nn/conv.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "conv_direct.hpp"
#include "gemm.hpp"
#include "optlab/core/error.hpp"
#include "optlab/core/simd.hpp"

namespace optlab::nn {

std::string ImageShape::to_string() const {
    return std::to_string(height) + "×" + std::to_string(width) + "×" + std::to_string(channels);
}

namespace {

std::size_t pooled(std::size_t size, std::size_t kernel, std::size_t stride, std::size_t padding) {
    return (size + 2 * padding - kernel) / stride + 1;
}

void check_window(const std::string& layer, ImageShape in, std::size_t kernel, std::size_t stride,
                  std::size_t padding) {
    if (in.size() == 0) throw InvalidArgument(layer + ": the input image " + in.to_string() + " is empty");
    if (kernel == 0 || stride == 0) {
        throw InvalidArgument(layer + ": kernel and stride must be > 0 (got " + std::to_string(kernel) + ", " +
                              std::to_string(stride) + ")");
    }
    if (padding >= kernel) {
        throw InvalidArgument(layer + ": padding " + std::to_string(padding) + " must be below the kernel " +
                              std::to_string(kernel));
    }
    if (kernel > in.height + 2 * padding || kernel > in.width + 2 * padding) {
        throw InvalidArgument(layer + ": a " + std::to_string(kernel) + "×" + std::to_string(kernel) +
                              " window does not fit a " + in.to_string() + " image with padding " +
                              std::to_string(padding));
    }
}

}  // namespace

// ---- Conv2d ---------------------------------------------------------------------------------

template <class T>
Conv2d<T>::Conv2d(ParamStore<T>& store, const std::string& prefix, ImageShape in, std::size_t out_channels,
                  std::size_t kernel, std::size_t stride, std::size_t padding, std::size_t max_rows)
    : store_(store), prefix_(prefix), in_(in), kernel_(kernel), stride_(stride), padding_(padding) {
    check_window("Conv2d " + prefix, in, kernel, stride, padding);
    if (out_channels == 0) throw InvalidArgument("Conv2d " + prefix + ": out_channels must be > 0");
    out_ = {pooled(in.height, kernel, stride, padding), pooled(in.width, kernel, stride, padding), out_channels};
    weight_ = store.add(prefix + ".weight", {patch_size(), out_channels}, WeightLayout::in_out);
    bias_ = store.add(prefix + ".bias", {out_channels});
    direct_ = std::is_same_v<T, float> && stride == 1 && direct::available();
    if (direct_) {
        // dx is the correlation of dy, bordered by k − 1 − p, with W's taps reversed.
        const std::size_t border = kernel - 1 - padding;
        padded_in_ = {in.height + 2 * padding, in.width + 2 * padding, in.channels};
        padded_dy_ = {out_.height + 2 * border, out_.width + 2 * border, out_channels};
        padded_.resize(max_rows * padded_in_.size());
        dy_padded_.resize(max_rows * padded_dy_.size());
        w_flipped_.resize(patch_size() * out_channels);
        window_ = direct::window_offsets(kernel, padded_in_.width, in.channels);
        dy_window_ = direct::window_offsets(kernel, padded_dy_.width, out_channels);
        // dW's sums run over a few images at a time whose inputs and dy stay in L2 (≈ 256 KiB),
        // each chunk into its own partial dW and db.
        const std::size_t image_bytes = (padded_in_.size() + out_.size()) * sizeof(T);
        chunk_ = std::max<std::size_t>(1, (std::size_t(256) << 10) / image_bytes);
        partials_.resize((max_rows + chunk_ - 1) / chunk_ * (patch_size() + 1) * out_channels);
        return;
    }
    cols_.resize(max_rows * out_.height * out_.width * patch_size());
    const std::size_t image_patches = out_.height * out_.width * patch_size() * sizeof(T);
    chunk_ = std::max<std::size_t>(1, (std::size_t(512) << 10) / image_patches);  // ≈ 512 KiB of patches
    dcols_.resize(cols_.size());
}

template <class T>
std::string Conv2d<T>::name() const {
    return "Conv2d(" + std::to_string(in_.channels) + ", " + std::to_string(out_.channels) + ", k=" +
           std::to_string(kernel_) + ", s=" + std::to_string(stride_) + ", p=" + std::to_string(padding_) + ")";
}

template <class T>
void Conv2d<T>::init(const Init& weights, Rng& rng) {
    const std::size_t window = kernel_ * kernel_;
    initialize(store_.view(weight_).param, window * in_.channels, window * out_.channels, weights, rng);
    for (T& b : store_.view(bias_).param) b = T(0);
}

// One row of patches per output pixel: the k×k window's C channels, zeros outside the image.
// Channels-last, a window's row inside the image is k·C contiguous numbers, copied as one run.
template <class T>
void Conv2d<T>::im2col(const T* image, T* patches) const {
    const std::size_t c = in_.channels, run = kernel_ * c;
    const std::ptrdiff_t height = std::ptrdiff_t(in_.height), width = std::ptrdiff_t(in_.width);
    for (std::size_t oy = 0; oy < out_.height; ++oy) {
        for (std::size_t ox = 0; ox < out_.width; ++ox) {
            const std::ptrdiff_t x0 = std::ptrdiff_t(ox * stride_) - std::ptrdiff_t(padding_);
            const bool inside = x0 >= 0 && x0 + std::ptrdiff_t(kernel_) <= width;
            for (std::size_t ky = 0; ky < kernel_; ++ky, patches += run) {
                const std::ptrdiff_t iy = std::ptrdiff_t(oy * stride_ + ky) - std::ptrdiff_t(padding_);
                if (iy < 0 || iy >= height) {
                    for (std::size_t j = 0; j < run; ++j) patches[j] = T(0);
                } else if (inside) {
                    const T* row = image + (std::size_t(iy) * in_.width + std::size_t(x0)) * c;
                    for (std::size_t j = 0; j < run; ++j) patches[j] = row[j];
                } else {
                    for (std::size_t kx = 0; kx < kernel_; ++kx) {
                        const std::ptrdiff_t ix = x0 + std::ptrdiff_t(kx);
                        if (ix < 0 || ix >= width) {  // (no pointer to a pixel outside the image is formed)
                            for (std::size_t j = 0; j < c; ++j) patches[kx * c + j] = T(0);
                            continue;
                        }
                        const T* pixel = image + (std::size_t(iy) * in_.width + std::size_t(ix)) * c;
                        for (std::size_t j = 0; j < c; ++j) patches[kx * c + j] = pixel[j];
                    }
                }
            }
        }
    }
}

template <class T>
void Conv2d<T>::col2im(const T* patches, T* image) const {
    const std::size_t c = in_.channels, run = kernel_ * c;
    const std::ptrdiff_t height = std::ptrdiff_t(in_.height), width = std::ptrdiff_t(in_.width);
    for (std::size_t oy = 0; oy < out_.height; ++oy) {
        for (std::size_t ox = 0; ox < out_.width; ++ox) {
            const std::ptrdiff_t x0 = std::ptrdiff_t(ox * stride_) - std::ptrdiff_t(padding_);
            for (std::size_t ky = 0; ky < kernel_; ++ky, patches += run) {
                const std::ptrdiff_t iy = std::ptrdiff_t(oy * stride_ + ky) - std::ptrdiff_t(padding_);
                if (iy < 0 || iy >= height) continue;
                for (std::size_t kx = 0; kx < kernel_; ++kx) {
                    const std::ptrdiff_t ix = x0 + std::ptrdiff_t(kx);
                    if (ix < 0 || ix >= width) continue;
                    T* pixel = image + (std::size_t(iy) * in_.width + std::size_t(ix)) * c;
                    for (std::size_t j = 0; j < c; ++j) pixel[j] += patches[kx * c + j];
                }
            }
        }
    }
}

template <class T>
void Conv2d<T>::forward_direct(const T* x, T* y, std::size_t rows, Part part) {
    if constexpr (std::is_same_v<T, float>) {
        const std::size_t c = in_.channels, c_out = out_.channels, window = kernel_ * kernel_;
        const T* w = store_.view(weight_).param.data();
        // W with its taps reversed and its two channel axes swapped, for backward's dx; each
        // part turns its share of the rows. Backward reads them all: the network's backward
        // begins after every part of its forward has returned. A part walking its rows in
        // chunks turns them with its first chunk only.
        const bool first_chunk = !part.chunked || part.chunk_begin == part.share(rows, part.row_grain).first;
        const auto [f0, f1] = first_chunk ? part.share(window * c_out) : std::pair<std::size_t, std::size_t>{0, 0};
        for (std::size_t row = f0; row < f1; ++row) {  // row = tap·C' + c', the tap reversed
            const std::size_t tap = row / c_out, j = row % c_out, source = window - 1 - tap;
            for (std::size_t i = 0; i < c; ++i) w_flipped_[row * c + i] = w[(source * c + i) * c_out + j];
        }
        const auto [r0, r1] = part.share_rows(rows);
        const std::size_t run = in_.width * c;
        for (std::size_t r = r0; r < r1; ++r) {
            T* padded = padded_.data() + r * padded_in_.size();
            const T* image = x + r * in_.size();
            for (std::size_t iy = 0; iy < in_.height; ++iy) {  // the inside; the border stays 0
                std::copy(image + iy * run, image + (iy + 1) * run,
                          padded + ((iy + padding_) * padded_in_.width + padding_) * c);
            }
            direct::correlate({padded, padded_in_.width, c}, window_.data(), window_.size(), w, c_out,
                              store_.view(bias_).param.data(), out_.height, out_.width, y + r * out_.size());
        }
    }
}

template <class T>
void Conv2d<T>::backward_direct(const T* dy, T* dx, std::size_t rows, Part part) {
    if constexpr (std::is_same_v<T, float>) {
        const std::size_t c = in_.channels, c_out = out_.channels;
        // dW and db: each chunk of images (set by the layer's shape) sums into its own partial,
        // the parts sharing the chunks, so each part reads only its share of dy — mostly the
        // rows it wrote itself in the layer above's backward. The last part to finish adds
        // the partials in chunk order: the same sums, in the same order, on any number of threads.
        const std::size_t weights = patch_size() * c_out, chunks = (rows + chunk_ - 1) / chunk_;
        const auto [k0, k1] = part.share(chunks);
        for (std::size_t k = k0; k < k1; ++k) {
            const std::size_t c0 = k * chunk_, c1 = std::min(rows, c0 + chunk_);
            T* partial = partials_.data() + k * (weights + c_out);
            std::fill(partial, partial + weights + c_out, T(0));
            direct::correlate_weight_grad({padded_.data() + c0 * padded_in_.size(), padded_in_.width, c},
                                          padded_in_.size(), window_.data(), dy + c0 * out_.size(), out_.size(),
                                          c_out, c1 - c0, out_.height, out_.width, 0, patch_size(), partial);
            direct::add_rows(dy + c0 * out_.size(), (c1 - c0) * out_.height * out_.width, c_out, partial + weights);
        }
        if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == part.count) {
            finished_.store(0, std::memory_order_relaxed);
            T* dw = store_.view(weight_).grad.data();
            T* db = store_.view(bias_).grad.data();
            for (std::size_t k = 0; k < chunks; ++k) {
                const T* partial = partials_.data() + k * (weights + c_out);
                for (std::size_t i = 0; i < weights; ++i) dw[i] += partial[i];
                for (std::size_t j = 0; j < c_out; ++j) db[j] += partial[weights + j];
            }
        }
        if (!dx) return;
        const auto [r0, r1] = part.share_rows(rows);
        const std::size_t border = kernel_ - 1 - padding_, run = out_.width * c_out;
        for (std::size_t r = r0; r < r1; ++r) {
            T* padded = dy_padded_.data() + r * padded_dy_.size();
            const T* g = dy + r * out_.size();
            for (std::size_t oy = 0; oy < out_.height; ++oy) {
                std::copy(g + oy * run, g + (oy + 1) * run, padded + ((oy + border) * padded_dy_.width + border) * c_out);
            }
            direct::correlate({padded, padded_dy_.width, c_out}, dy_window_.data(), dy_window_.size(),
                              w_flipped_.data(), c, nullptr, in_.height, in_.width, dx + r * in_.size());
        }
    }
}

template <class T>
void Conv2d<T>::forward_part(const T* x, T* y, std::size_t rows, bool, Part part) {
    if (direct_) return forward_direct(x, y, rows, part);
    const auto [r0, r1] = part.share_rows(rows);
    if (r0 == r1) return;
    const std::size_t pixels = out_.height * out_.width, k = patch_size(), c_out = out_.channels;
    const T* w = store_.view(weight_).param.data();
    const T* b = store_.view(bias_).param.data();
    // A few images at a time: their patches are still in the cache when the product reads them.
    for (std::size_t c0 = r0; c0 < r1; c0 += chunk_) {
        const std::size_t c1 = std::min(r1, c0 + chunk_);
        for (std::size_t r = c0; r < c1; ++r) im2col(x + r * in_.size(), cols_.data() + r * pixels * k);
        T* out = y + c0 * out_.size();
        gemm(false, false, (c1 - c0) * pixels, c_out, k, T(1), cols_.data() + c0 * pixels * k, k, w, c_out, T(0), out,
             c_out);  // y = patches·W
        for (std::size_t i = 0; i < (c1 - c0) * pixels; ++i) {  // y += b
            for (std::size_t j = 0; j < c_out; ++j) out[i * c_out + j] += b[j];
        }
    }
}

template <class T>
void Conv2d<T>::backward_part(const T*, const T*, const T* dy, T* dx, std::size_t rows, Part part) {
    const std::size_t pixels = out_.height * out_.width, k = patch_size(), c_out = out_.channels;
    if (direct_) return backward_direct(dy, dx, rows, part);
    T* db = store_.view(bias_).grad.data();
    const auto [j0, j1] = part.share(c_out, line_grain(sizeof(T)));
    for (std::size_t i = 0; i < rows * pixels; ++i) {  // db += Σ dy
        for (std::size_t j = j0; j < j1; ++j) db[j] += dy[i * c_out + j];
    }
    T* dw = store_.view(weight_).grad.data();
    // dW sums over every image: one product per chunk of images, added in the chunks' order —
    // chunks fixed by the layer's shape, not by the threads (which share W's rows), so the
    // same sums on any number of threads. A chunk's patches fit the cache: 3× the rate of one
    // product over the whole batch, whose long inner dimension OpenBLAS streams from memory.
    if (const auto [i0, i1] = part.share(k, line_grain(c_out * sizeof(T))); i0 < i1) {
        for (std::size_t c0 = 0; c0 < rows; c0 += chunk_) {
            const std::size_t c1 = std::min(rows, c0 + chunk_);
            gemm(true, false, i1 - i0, c_out, (c1 - c0) * pixels, T(1), cols_.data() + c0 * pixels * k + i0, k,
                 dy + c0 * out_.size(), c_out, T(1), dw + i0 * c_out, c_out);  // dW += patchesᵀ·dy
        }
    }
    if (!dx) return;
    const auto [r0, r1] = part.share_rows(rows);
    if (r0 == r1) return;
    const T* w = store_.view(weight_).param.data();
    for (std::size_t c0 = r0; c0 < r1; c0 += chunk_) {
        const std::size_t c1 = std::min(r1, c0 + chunk_);
        T* dcols = dcols_.data() + c0 * pixels * k;
        gemm(false, true, (c1 - c0) * pixels, k, c_out, T(1), dy + c0 * out_.size(), c_out, w, c_out, T(0), dcols,
             k);  // d(patches) = dy·Wᵀ
        std::fill(dx + c0 * in_.size(), dx + c1 * in_.size(), T(0));
        for (std::size_t r = c0; r < c1; ++r) col2im(dcols_.data() + r * pixels * k, dx + r * in_.size());
    }
}

// ---- pooling --------------------------------------------------------------------------------

template <class T>
Pool2d<T>::Pool2d(Pooling kind, ImageShape in, std::size_t kernel, std::size_t stride, std::size_t max_rows, bool relu)
    : kind_(kind), in_(in), kernel_(kernel), stride_(stride), relu_(relu) {
    check_window(kind == Pooling::max ? "MaxPool2d" : "AvgPool2d", in, kernel, stride, 0);
    out_ = {pooled(in.height, kernel, stride, 0), pooled(in.width, kernel, stride, 0), in.channels};
    if (kind == Pooling::max) argmax_.resize(max_rows * out_.size());
    for (std::size_t p = 0; p < kernel * kernel; ++p) window_.push_back(((p / kernel) * in.width + p % kernel) * in.channels);
    direct_ = std::is_same_v<T, float> && kind == Pooling::max && in.channels % 8 == 0 && direct::available();
    if (relu && !(direct_ && tiles())) masked_.resize(max_rows * out_.size());
}

template <class T>
bool Pool2d<T>::tiles() const {
    return stride_ == kernel_ && out_.height * kernel_ == in_.height && out_.width * kernel_ == in_.width;
}

template <class T>
std::string Pool2d<T>::name() const {
    return std::string(kind_ == Pooling::max ? "MaxPool2d" : "AvgPool2d") + "(" + std::to_string(kernel_) +
           ", s=" + std::to_string(stride_) + ")" + (relu_ ? "+ReLU" : "");
}

// The loops run over a window's positions with the channels innermost, contiguous in a
// channels-last image, so each position's comparison or sum is one vector operation.
template <class T>
void Pool2d<T>::forward_part(const T* x, T* y, std::size_t rows, bool, Part part) {
    const auto [r0, r1] = part.share_rows(rows);
    const std::size_t c = in_.channels;
    const T inv_area = T(1) / T(kernel_ * kernel_);
    const std::int32_t area = std::int32_t(kernel_ * kernel_);
    const std::size_t* window = window_.data();  // offsets, not two divisions per position
    if constexpr (std::is_same_v<T, float>) {
        if (direct_) {
            for (std::size_t r = r0; r < r1; ++r) {
                direct::max_pool(x + r * in_.size(), in_.width, c, window, std::size_t(area), stride_, out_.height,
                                 out_.width, relu_, y + r * out_.size(), argmax_.data() + r * out_.size());
            }
            return;
        }
    }
    auto images = [&](std::size_t first, std::size_t last) {
        for (std::size_t r = first; r < last; ++r) {
            const T* image = x + r * in_.size();
            T* __restrict out = y + r * out_.size();
            std::int32_t* __restrict where = kind_ == Pooling::max ? argmax_.data() + r * out_.size() : nullptr;
            for (std::size_t oy = 0; oy < out_.height; ++oy) {
                for (std::size_t ox = 0; ox < out_.width; ++ox, out += c) {
                    const T* corner = image + (oy * stride_ * in_.width + ox * stride_) * c;
                    for (std::size_t j = 0; j < c; ++j) out[j] = corner[j];
                    if (where) {
                        for (std::size_t j = 0; j < c; ++j) where[j] = 0;
                    }
                    for (std::int32_t p = 1; p < area; ++p) {
                        const T* __restrict v = corner + window[p];
                        if (kind_ == Pooling::average) {
                            for (std::size_t j = 0; j < c; ++j) out[j] += v[j];
                        } else {
                            for (std::size_t j = 0; j < c; ++j) {  // torch's test: larger, or NaN
                                const T a = v[j], m = out[j];
                                const bool take = (a > m) | (a != a);
                                out[j] = take ? a : m;
                                where[j] = take ? p : where[j];
                            }
                        }
                    }
                    if (kind_ == Pooling::average) {
                        for (std::size_t j = 0; j < c; ++j) out[j] *= inv_area;
                    }
                    if (relu_) {  // as ActivationLayer's: NaN and −0 pass
                        for (std::size_t j = 0; j < c; ++j) out[j] = out[j] < T(0) ? T(0) : out[j];
                    }
                    if (where) where += c;
                }
            }
        }
    };
    run_kernel(simd_target(), images, r0, r1);
}

template <class T>
void Pool2d<T>::backward_part(const T*, const T* y, const T* dy, T* dx, std::size_t rows, Part part) {
    if (!dx) return;
    const auto [r0, r1] = part.share_rows(rows);
    const std::size_t c = in_.channels;
    const T inv_area = T(1) / T(kernel_ * kernel_);
    const std::int32_t area = std::int32_t(kernel_ * kernel_);
    // Windows that tile the image exactly write every element of dx once; otherwise dx is
    // cleared and the windows add into it.
    const bool tiles = this->tiles();
    if (!tiles) std::fill(dx + r0 * in_.size(), dx + r1 * in_.size(), T(0));
    const std::size_t* window = window_.data();
    if constexpr (std::is_same_v<T, float>) {
        if (direct_ && tiles) {
            for (std::size_t r = r0; r < r1; ++r) {
                direct::max_pool_backward(dy + r * out_.size(), relu_ ? y + r * out_.size() : nullptr,
                                          argmax_.data() + r * out_.size(), in_.width, c, window, std::size_t(area),
                                          stride_, out_.height, out_.width, dx + r * in_.size());
            }
            return;
        }
    }
    if (relu_) {  // the ReLU's backward first: dy only where its output y > 0
        for (std::size_t i = r0 * out_.size(); i < r1 * out_.size(); ++i) masked_[i] = y[i] > T(0) ? dy[i] : T(0);
        dy = masked_.data();
    }
    auto images = [&](std::size_t first, std::size_t last) {
        for (std::size_t r = first; r < last; ++r) {
            T* dimage = dx + r * in_.size();
            const T* __restrict g = dy + r * out_.size();
            const std::int32_t* __restrict where = kind_ == Pooling::max ? argmax_.data() + r * out_.size() : nullptr;
            for (std::size_t oy = 0; oy < out_.height; ++oy) {
            for (std::size_t ox = 0; ox < out_.width; ++ox, g += c) {
                T* corner = dimage + (oy * stride_ * in_.width + ox * stride_) * c;
                for (std::int32_t p = 0; p < area; ++p) {
                    T* __restrict d = corner + window[p];
                    // Selects, not 0·g: an infinite g stays where it goes.
                    if (kind_ == Pooling::average && tiles) {
                        for (std::size_t j = 0; j < c; ++j) d[j] = g[j] * inv_area;
                    } else if (kind_ == Pooling::average) {
                        for (std::size_t j = 0; j < c; ++j) d[j] += g[j] * inv_area;
                    } else if (tiles) {  // g loaded before the choice, or GCC keeps the loop scalar
                        for (std::size_t j = 0; j < c; ++j) {
                            const T gj = g[j];
                            d[j] = where[j] == p ? gj : T(0);
                        }
                    } else {
                        for (std::size_t j = 0; j < c; ++j) {
                            const T gj = g[j];
                            d[j] += where[j] == p ? gj : T(0);
                        }
                    }
                }
                if (where) where += c;
            }
            }
        }
    };
    run_kernel(simd_target(), images, r0, r1);
}

// ---- Flatten --------------------------------------------------------------------------------

template <class T>
void Flatten<T>::forward_part(const T* x, T* y, std::size_t rows, bool, Part part) {
    const auto [r0, r1] = part.share_rows(rows);
    const std::size_t pixels = in_.height * in_.width, c = in_.channels;
    for (std::size_t r = r0; r < r1; ++r) {
        const T* image = x + r * in_.size();
        T* out = y + r * in_.size();
        // (H, W, C) → (C, H, W), writing in order: the image's strided reads hit L1
        for (std::size_t j = 0; j < c; ++j) {
            for (std::size_t p = 0; p < pixels; ++p) out[j * pixels + p] = image[p * c + j];
        }
    }
}

template <class T>
void Flatten<T>::backward_part(const T*, const T*, const T* dy, T* dx, std::size_t rows, Part part) {
    if (!dx) return;
    const auto [r0, r1] = part.share_rows(rows);
    const std::size_t pixels = in_.height * in_.width, c = in_.channels;
    for (std::size_t r = r0; r < r1; ++r) {
        const T* dout = dy + r * in_.size();
        T* dimage = dx + r * in_.size();
        for (std::size_t p = 0; p < pixels; ++p) {
            for (std::size_t j = 0; j < c; ++j) dimage[p * c + j] = dout[j * pixels + p];
        }
    }
}

template class Conv2d<float>;
template class Conv2d<double>;
template class Pool2d<float>;
template class Pool2d<double>;
template class Flatten<float>;
template class Flatten<double>;

}  // namespace optlab::nn
