// SPDX-License-Identifier: MIT
#include "optlab/core/param_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>

#include "optlab/core/error.hpp"

namespace optlab {

namespace {

// The machine's physical memory in bytes (0 where the system does not say).
std::size_t physical_memory() {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return 0;
    return std::size_t(pages) * std::size_t(page);
}

std::string gigabytes(double bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f GB", bytes / 1e9);
    return text;
}

}  // namespace

template <class T>
std::size_t ParamStore<T>::add(std::string name, std::vector<std::size_t> shape, WeightLayout layout) {
    if (name.empty()) throw InvalidArgument("ParamStore::add: a tensor name must not be empty");
    if (layout == WeightLayout::in_out && shape.size() != 2) {
        throw InvalidArgument("ParamStore::add: tensor '" + name + "' has " + std::to_string(shape.size()) +
                              " dimensions; an (in, out) layout needs a 2-D tensor");
    }
    if (pins_ > 0) {
        throw Error("ParamStore::add: cannot add tensor '" + name + "': the arenas are pinned (" +
                    std::to_string(pins_) + " holder" + (pins_ == 1 ? "" : "s") +
                    " of views or an optimizer point into them) and adding may move them; "
                    "add every tensor first");
    }
    if (by_name_.contains(name)) {
        throw InvalidArgument("ParamStore::add: tensor '" + name + "' is already in the store");
    }
    std::size_t size = 1;
    for (std::size_t d : shape) {
        if (d != 0 && size > std::numeric_limits<std::size_t>::max() / sizeof(T) / d) {
            throw InvalidArgument("ParamStore::add: tensor '" + name + "' is too large");
        }
        size *= d;
    }
    // Two arenas (parameters and gradients) larger than the machine's memory cannot be made:
    // say so, rather than let the allocator's overcommit hand out pages that the first write
    // of zeros turns into the kernel's out-of-memory kill of the whole process.
    const std::size_t arenas = 2 * (params_.size() + size) * sizeof(T);
    if (const std::size_t memory = physical_memory(); memory > 0 && (params_.size() + size > memory || arenas > memory)) {
        throw InvalidArgument("ParamStore::add: tensor '" + name + "' of " + std::to_string(size) +
                              " values would bring the store's parameters and gradients to " +
                              gigabytes(2.0 * double(params_.size() + size) * sizeof(T)) +
                              ", more than this machine's memory (" + gigabytes(double(memory)) + ")");
    }
    const std::size_t offset = params_.size();
    params_.resize(offset + size, T(0));
    grads_.resize(offset + size, T(0));
    by_name_.emplace(name, tensors_.size());
    tensors_.push_back(TensorInfo{std::move(name), std::move(shape), offset, size, layout});
    return tensors_.size() - 1;
}

template <class T>
std::size_t ParamStore<T>::index_of(std::string_view name) const {
    auto it = by_name_.find(std::string(name));
    if (it == by_name_.end()) {
        throw NotFound("ParamStore: no tensor named '" + std::string(name) + "'");
    }
    return it->second;
}

template <class T>
bool ParamStore<T>::contains(std::string_view name) const {
    return by_name_.contains(std::string(name));
}

template <class T>
TensorView<T> ParamStore<T>::view(std::size_t index) {
    const TensorInfo& t = tensors_.at(index);
    return {&t, std::span<T>(params_.data() + t.offset, t.size),
            std::span<T>(grads_.data() + t.offset, t.size)};
}

template <class T>
void ParamStore<T>::zero_grad() {
    std::fill(grads_.begin(), grads_.end(), T(0));
    for (std::size_t index : tracked_) forget_rows(index);
}

template <class T>
void ParamStore<T>::track_rows(std::size_t index) {
    const TensorInfo& t = tensors_.at(index);
    if (t.shape.empty()) {
        throw InvalidArgument("ParamStore::track_rows: tensor '" + t.name + "' is a scalar, it has no rows");
    }
    if (std::find(tracked_.begin(), tracked_.end(), index) != tracked_.end()) return;
    rows_seen_.resize(tensors_.size());
    rows_seen_[index].assign(t.shape[0], 0);
    tracked_.insert(std::upper_bound(tracked_.begin(), tracked_.end(), index), index);
}

template <class T>
std::span<const std::uint8_t> ParamStore<T>::rows_seen(std::size_t index) const {
    if (index >= rows_seen_.size()) return {};
    return rows_seen_[index];
}

template <class T>
void ParamStore<T>::forget_rows(std::size_t index) {
    if (index < rows_seen_.size()) std::fill(rows_seen_[index].begin(), rows_seen_[index].end(), std::uint8_t(0));
}

template class ParamStore<float>;
template class ParamStore<double>;

}  // namespace optlab
