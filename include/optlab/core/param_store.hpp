// SPDX-License-Identifier: MIT
// The parameter store: every parameter of a model in one contiguous arena, and every gradient
// in a second arena with the same layout, so an optimizer step is one fused pass over memory
// rather than a loop over tensors (llm.c's params_memory / grads_memory). Layers see named
// views — name, shape and spans — into the two arenas.
//
// Tensors are packed back to back with no padding, so the arenas hold exactly the model's
// parameters and any run of neighbouring tensors is one contiguous range. The arenas start on a
// cache line; threads split ranges at absolute cache-line boundaries (core/parallel.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "optlab/core/aligned.hpp"

namespace optlab {

/// Which dimension of a weight matrix is the layer's output. torch's Linear and Conv2d store
/// (out, in, ...); optlab's dense and convolution layers store (in, out) so that their forward
/// pass is x·W. Optimizers whose rule depends on the orientation (Muon's step ratio) read it
/// here, so they compute what torch computes for the same layer whatever the storage.
enum class WeightLayout {
    out_in,  // (out, in, ...) — torch's, and the default for any tensor
    in_out,  // (in, out): the transpose of torch's weight (2-D tensors only)
};

/// Where one named tensor lives in the arenas.
struct TensorInfo {
    std::string name;                // unique within the store, e.g. "layer1.weight"
    std::vector<std::size_t> shape;  // row-major; {} is a scalar
    std::size_t offset = 0;          // first element in the arenas
    std::size_t size = 0;            // product of shape
    WeightLayout layout = WeightLayout::out_in;
};

/// A tensor's parameters and gradients as spans into the arenas.
template <class T>
struct TensorView {
    const TensorInfo* info;
    std::span<T> param;
    std::span<T> grad;
};

/// All parameters and gradients of one model. T is float (the default) or double.
template <class T>
class ParamStore {
  public:
    /// Elements per cache line: threads split the arenas at multiples of this.
    static constexpr std::size_t kAlign = kCacheLine / sizeof(T);

    ParamStore() = default;

    /// Adds a zero-initialised tensor and returns its index. Names must be unique and
    /// non-empty. Adding may move the arenas: take spans after the last add (and never
    /// while pinned, see pin()).
    std::size_t add(std::string name, std::vector<std::size_t> shape,
                    WeightLayout layout = WeightLayout::out_in);

    std::size_t num_tensors() const { return tensors_.size(); }
    /// Elements in the arena: the number of parameters.
    std::size_t arena_size() const { return params_.size(); }
    std::size_t num_parameters() const { return params_.size(); }

    const TensorInfo& info(std::size_t index) const { return tensors_.at(index); }
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    /// Index of the tensor called `name`; throws InvalidArgument naming it if absent.
    std::size_t index_of(std::string_view name) const;
    bool contains(std::string_view name) const;

    TensorView<T> view(std::size_t index);
    TensorView<T> view(std::string_view name) { return view(index_of(name)); }
    std::span<T> param(std::string_view name) { return view(name).param; }
    std::span<T> grad(std::string_view name) { return view(name).grad; }

    /// The whole arenas.
    std::span<T> params() { return params_; }
    std::span<const T> params() const { return params_; }
    std::span<T> grads() { return grads_; }
    std::span<const T> grads() const { return grads_; }

    /// Sets every gradient to zero, and forgets which rows received one (below).
    void zero_grad();

    // ---- rows that received a gradient -------------------------------------------------
    // A tensor whose gradient reaches only some of its rows in a step — an Embedding's, whose
    // rows are the ids of the batch (torch's sparse=True gradient) — can have those rows
    // recorded: its writer marks each row it adds to, and zero_grad() forgets them. An
    // optimizer that updates only the rows seen (SparseAdam) reads them; every other one
    // updates every row and never looks. A tensor's rows are its first index.

    /// Records from now on which rows of tensor `index` receive a gradient; every row counts as
    /// unseen until marked. Throws InvalidArgument for a scalar (it has no rows).
    void track_rows(std::size_t index);
    /// The tensors whose rows are recorded, in the arenas' order.
    const std::vector<std::size_t>& tracked_tensors() const { return tracked_; }
    /// Row `row` of tensor `index` (tracked) received a gradient. Different rows may be marked
    /// from different threads at once.
    void mark_row(std::size_t index, std::size_t row) { rows_seen_[index][row] = 1; }
    /// Per row of tensor `index`, 1 if it received a gradient since the last zero_grad(); empty
    /// for a tensor whose rows are not recorded.
    std::span<const std::uint8_t> rows_seen(std::size_t index) const;
    /// Forgets the rows tensor `index` received a gradient in (an optimizer's zero_grad(), for
    /// its own tensors).
    void forget_rows(std::size_t index);

    /// Pins the arenas where they are: while pinned, add() throws Error instead of moving
    /// them. For holders of pointers into the arenas that C++ cannot see — the Python
    /// package's NumPy views, an optimizer stepping while other threads run. Counted: one
    /// unpin() per pin().
    void pin() { ++pins_; }
    void unpin() { --pins_; }
    std::size_t pins() const { return pins_; }

  private:
    std::vector<TensorInfo> tensors_;
    std::unordered_map<std::string, std::size_t> by_name_;
    AlignedVector<T> params_;
    AlignedVector<T> grads_;
    std::size_t pins_ = 0;
    std::vector<std::size_t> tracked_;                 // tensors whose rows are recorded
    std::vector<std::vector<std::uint8_t>> rows_seen_;  // per tensor: per row, 0 or 1
};

extern template class ParamStore<float>;
extern template class ParamStore<double>;

/// The name of an element type as safetensors spells it: "F32" or "F64".
template <class T>
constexpr std::string_view dtype_name() {
    if constexpr (sizeof(T) == 4) {
        return "F32";
    } else {
        return "F64";
    }
}

}  // namespace optlab
