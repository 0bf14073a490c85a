// SPDX-License-Identifier: MIT
#include "optlab/nn/embedding.hpp"

#include <algorithm>
#include <cmath>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"

namespace optlab::nn {

template <class T>
Embedding<T>::Embedding(ParamStore<T>& store, const std::string& prefix, std::size_t vocabulary, std::size_t dim,
                        std::size_t context)
    : store_(store), prefix_(prefix), vocabulary_(vocabulary), dim_(dim), context_(context) {
    if (vocabulary == 0 || dim == 0 || context == 0) {
        throw InvalidArgument("Embedding " + prefix + ": vocabulary, dimension and context must be > 0");
    }
    if (vocabulary > (std::size_t(1) << 24)) {
        throw InvalidArgument("Embedding " + prefix + ": a vocabulary of " + std::to_string(vocabulary) +
                              " ids is more than the element type holds exactly (2^24)");
    }
    weight_ = store.add(prefix + ".weight", {vocabulary, dim});
    store.track_rows(weight_);  // the rows of the ids seen: SparseAdam steps only those
}

template <class T>
std::string Embedding<T>::name() const {
    return "Embedding(" + std::to_string(vocabulary_) + ", " + std::to_string(dim_) + ")×" + std::to_string(context_);
}

template <class T>
void Embedding<T>::init(const Init&, Rng& rng) {
    for (T& e : store_.view(weight_).param) e = T(rng.normal());  // torch.nn.init.normal_(E)
}

template <class T>
void Embedding<T>::check_input(const T* x, std::size_t rows) const {
    for (std::size_t i = 0; i < rows * context_; ++i) {
        const T id = x[i];
        if (!(id >= T(0) && id < T(vocabulary_) && id == std::floor(id))) {
            throw InvalidArgument("Embedding " + prefix_ + ": id " + format_number(double(id)) + " in row " +
                                  std::to_string(i / context_) + " is not a whole number in [0, " +
                                  std::to_string(vocabulary_) + ")");
        }
    }
}

template <class T>
void Embedding<T>::forward_part(const T* x, T* y, std::size_t rows, bool, Part part) {
    const auto [r0, r1] = part.share_rows(rows);
    const T* table = store_.view(weight_).param.data();
    for (std::size_t i = r0 * context_; i < r1 * context_; ++i) {
        const T* row = table + std::size_t(x[i]) * dim_;
        std::copy(row, row + dim_, y + i * dim_);
    }
}

template <class T>
void Embedding<T>::backward_part(const T* x, const T*, const T* dy, T* dx, std::size_t rows, Part part) {
    const auto [v0, v1] = part.share(vocabulary_, line_grain(dim_ * sizeof(T)));
    T* grad = store_.view(weight_).grad.data();
    for (std::size_t i = 0; i < rows * context_; ++i) {
        const std::size_t id = std::size_t(x[i]);
        if (id < v0 || id >= v1) continue;
        store_.mark_row(weight_, id);  // (this part's rows only: no two threads mark one row)
        T* row = grad + id * dim_;
        const T* g = dy + i * dim_;
        for (std::size_t d = 0; d < dim_; ++d) row[d] += g[d];
    }
    if (!dx) return;
    const auto [r0, r1] = part.share_rows(rows);
    std::fill(dx + r0 * context_, dx + r1 * context_, T(0));
}

template class Embedding<float>;
template class Embedding<double>;

}  // namespace optlab::nn
