// SPDX-License-Identifier: MIT
// Embedding: each row of the input holds `context` token ids (whole numbers stored in the
// network's element type, exact below 2^24), and the output row is their embeddings side by
// side, y[t·D + d] = E[id_t, d] (torch.nn.Embedding followed by a view to (B, context·D)).
// E: (vocabulary, D) in the network's one ParamStore, so the optimizer's step stays one pass;
// backward adds to the gradient rows of the ids seen only and marks them in the store
// (ParamStore::track_rows). Every optimizer steps every row of E, seen or not (torch's dense
// gradient: sparse=False), but SparseAdam, which steps the rows seen only, as torch's does on
// the gradient of sparse=True. Initialised N(0, 1) as torch's, whatever the network's weight
// initializer.
#pragma once

#include <string>

#include "optlab/nn/layers.hpp"

namespace optlab::nn {

template <class T>
class Embedding final : public Layer<T> {
  public:
    /// Adds "<prefix>.weight" (vocabulary, dim) to `store`.
    Embedding(ParamStore<T>& store, const std::string& prefix, std::size_t vocabulary, std::size_t dim,
              std::size_t context);
    std::string name() const override;
    std::size_t out_features() const override { return context_ * dim_; }
    std::size_t vocabulary() const { return vocabulary_; }
    void init(const Init& weights, Rng& rng) override;
    /// Refuses an id that is not a whole number in [0, vocabulary), naming its row.
    void check_input(const T* x, std::size_t rows) const override;
    void forward_part(const T* x, T* y, std::size_t rows, bool training, Part part) override;
    /// dE[id] += dy for each id of the batch, in the batch's order, and row id marked as seen;
    /// parts share E's rows, so the sums are the same on any number of threads. The ids take no
    /// gradient: dx is zero.
    void backward_part(const T* x, const T* y, const T* dy, T* dx, std::size_t rows, Part part) override;
    bool forward_by_rows() const override { return true; }
    bool dx_by_rows() const override { return true; }

  private:
    ParamStore<T>& store_;
    std::string prefix_;
    std::size_t vocabulary_, dim_, context_, weight_;
};

extern template class Embedding<float>;
extern template class Embedding<double>;

}  // namespace optlab::nn
