// SPDX-License-Identifier: MIT
#include "optlab/optim/optimizer.hpp"

#include <algorithm>
#include <set>

namespace optlab {

template <class T>
Optimizer<T>::Optimizer(ParamStore<T>& store, Convention convention,
                        std::span<const std::string_view> buffer_names)
    : store_(store),
      convention_(convention),
      buffer_names_(buffer_names.begin(), buffer_names.end()),
      in_group_(store.num_tensors(), false) {}

template <class T>
void Optimizer<T>::add_group(const std::vector<std::string>& params) {
    std::vector<std::size_t> tensors;
    std::set<std::size_t> seen;
    for (const auto& param : params) {
        const std::size_t index = store_.index_of(param);
        if (index >= in_group_.size()) in_group_.resize(store_.num_tensors(), false);
        if (in_group_[index] || seen.contains(index)) {
            throw InvalidArgument(std::string(name()) + ": parameter '" + param +
                                  "' appears in more than one parameter group (or twice in one)");
        }
        seen.insert(index);
        tensors.push_back(index);
    }
    for (std::size_t index : tensors) in_group_[index] = true;

    // Ranges: tensors sorted by offset; neighbours in the arena merge, so a group of all
    // tensors is a single range and a single pass.
    std::vector<std::size_t> order = tensors;
    std::sort(order.begin(), order.end());
    std::vector<Range> ranges;
    for (std::size_t k = 0; k < order.size(); ++k) {
        const TensorInfo& t = store_.info(order[k]);
        if (k > 0 && order[k] == order[k - 1] + 1) {
            ranges.back().size = t.offset + t.size - ranges.back().offset;
        } else {
            ranges.push_back({t.offset, t.size});
        }
    }
    groups_.push_back(GroupData{std::move(tensors), std::move(ranges), 0, {}});
}

template <class T>
void Optimizer<T>::step() {
    if (!training_) {
        throw Error(std::string(name()) + ": step() in evaluation mode; call train() first");
    }
    if (needs_closure()) {
        throw InvalidArgument(std::string(name()) + ": step() needs a closure that re-evaluates the loss and "
                              "gradient on the step's batch (step(closure), as torch's)");
    }
    for (GroupData& group : groups_) ++group.step;
    step_active(nullptr);
}

template <class T>
double Optimizer<T>::step(const Closure& closure) {
    if (!training_) {
        throw Error(std::string(name()) + ": step() in evaluation mode; call train() first");
    }
    if (!closure) throw InvalidArgument(std::string(name()) + ": step(closure) given an empty closure");
    return step_with_closure(closure);
}

template <class T>
double Optimizer<T>::step_with_closure(const Closure& closure) {
    const double loss = closure();
    step();
    return loss;
}

template <class T>
void Optimizer<T>::step_active(const std::vector<bool>* active) {
    auto steps = [&](std::size_t g) { return active == nullptr || (*active)[g]; };
    for (std::size_t g = 0; g < groups_.size();) {
        if (!steps(g)) {
            ++g;
            continue;
        }
        // The run [g, last) of groups that step as g does: every element's update the same
        // function of the same options, step count and scalars.
        std::size_t last = g + 1;
        while (last < groups_.size() && steps(last) && groups_[last].step == groups_[g].step &&
               groups_[last].scalars == groups_[g].scalars && alike_options(g, last)) {
            ++last;
        }
        if (last == g + 1) {
            step_group(g);
            g = last;
            continue;
        }
        fused_ranges_.clear();
        for (std::size_t k = g; k < last; ++k) {
            for (const Range& r : groups_[k].ranges) fused_ranges_.push_back(r);
        }
        std::sort(fused_ranges_.begin(), fused_ranges_.end(),
                  [](const Range& a, const Range& b) { return a.offset < b.offset; });
        std::size_t merged = 0;  // neighbours in the arena become one range, one parallel loop
        for (std::size_t k = 1; k < fused_ranges_.size(); ++k) {
            Range& back = fused_ranges_[merged];
            if (back.offset + back.size == fused_ranges_[k].offset) {
                back.size += fused_ranges_[k].size;
            } else {
                fused_ranges_[++merged] = fused_ranges_[k];
            }
        }
        fused_ranges_.resize(merged + 1);
        fused_group_ = g;
        try {
            step_group(g);
        } catch (...) {
            fused_group_ = kNoGroup;
            throw;
        }
        fused_group_ = kNoGroup;
        for (std::size_t k = g + 1; k < last; ++k) groups_[k].scalars = groups_[g].scalars;
        g = last;
    }
}

template <class T>
void Optimizer<T>::step_groups(const std::vector<bool>& active) {
    if (active.size() != groups_.size()) {
        throw InvalidArgument(std::string(name()) + ": step_groups: " + std::to_string(active.size()) +
                              " flags for " + std::to_string(groups_.size()) + " groups");
    }
    if (std::all_of(active.begin(), active.end(), [](bool a) { return a; })) {
        step();
        return;
    }
    if (!steps_by_group()) {
        throw InvalidArgument(std::string(name()) + ": steps all its groups at once; it cannot leave some out");
    }
    if (!training_) {
        throw Error(std::string(name()) + ": step() in evaluation mode; call train() first");
    }
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        if (active[g]) ++groups_[g].step;
    }
    step_active(&active);
}

template <class T>
void Optimizer<T>::eval() {
    if (!training_) return;
    training_ = false;
    if (!has_eval_point()) return;
    const std::span<const T> params = store_.params();
    std::copy(params.begin(), params.end(), state("train_point"));
    for (std::size_t g = 0; g < groups_.size(); ++g) to_eval_point(g);
}

template <class T>
void Optimizer<T>::train() {
    if (training_) return;
    training_ = true;
    if (!has_eval_point() || !has_state("train_point")) return;
    const T* saved = state("train_point");
    std::copy(saved, saved + store_.arena_size(), store_.params().begin());
}

template <class T>
std::size_t Optimizer<T>::state_bytes() const {
    std::size_t n = 0;
    for (const auto& [name, buffer] : buffers_) n += buffer.size() * sizeof(T);
    return n;
}

template <class T>
void Optimizer<T>::zero_grad() {
    std::span<T> grads = store_.grads();
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        for_each_range(g, [&](std::size_t begin, std::size_t end) {
            std::fill(grads.begin() + begin, grads.begin() + end, T(0));
        });
        for (std::size_t index : groups_[g].tensors) store_.forget_rows(index);
    }
}

template <class T>
T* Optimizer<T>::state(std::string_view buffer_name, T init) {
    auto it = buffers_.find(buffer_name);
    if (it == buffers_.end()) {
        if (std::find(buffer_names_.begin(), buffer_names_.end(), buffer_name) == buffer_names_.end()) {
            throw Error(std::string(name()) + ": internal error: undeclared state '" +
                        std::string(buffer_name) + "'");
        }
        it = buffers_.emplace(std::string(buffer_name), AlignedVector<T>(store_.arena_size(), init)).first;
    }
    return it->second.data();
}

template <class T>
bool Optimizer<T>::has_state(std::string_view name) const {
    return buffers_.find(name) != buffers_.end();
}

template <class T>
std::span<const T> Optimizer<T>::buffer(std::string_view name) const {
    auto it = buffers_.find(name);
    if (it == buffers_.end()) return {};
    return it->second;
}

template <class T>
OptimizerState<T> Optimizer<T>::state_dict() const {
    OptimizerState<T> s;
    s.optimizer = std::string(name());
    s.convention = convention_;
    s.training = training_;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        typename OptimizerState<T>::Group group;
        for (std::size_t index : groups_[g].tensors) group.params.push_back(store_.info(index).name);
        group.hyper = hyper(g);
        group.step = groups_[g].step;
        group.scalars = groups_[g].scalars;
        s.groups.push_back(std::move(group));
    }
    for (const auto& [buffer_name, data] : buffers_) {
        for (const auto& group : groups_) {
            for (std::size_t index : group.tensors) {
                const TensorInfo& t = store_.info(index);
                s.buffers.push_back({t.name, buffer_name, t.shape,
                                     std::vector<T>(data.begin() + t.offset,
                                                    data.begin() + t.offset + t.size)});
            }
        }
    }
    return s;
}

template <class T>
void Optimizer<T>::load_state_dict(const OptimizerState<T>& s) {
    const std::string me(name());
    if (s.optimizer != me) {
        throw StateMismatch("optimizer state: saved by optimizer '" + s.optimizer +
                            "', cannot be loaded into '" + me + "'");
    }
    if (s.convention != convention_) {
        throw StateMismatch("optimizer state: saved under convention '" +
                            std::string(to_string(s.convention)) + "', this " + me + " uses '" +
                            std::string(to_string(convention_)) + "'");
    }
    if (s.groups.size() != groups_.size()) {
        throw StateMismatch("optimizer state: has " + std::to_string(s.groups.size()) +
                            " parameter groups, this " + me + " has " +
                            std::to_string(groups_.size()));
    }
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const auto& saved = s.groups[g].params;
        const auto& mine = groups_[g].tensors;
        for (std::size_t i = 0; i < std::max(saved.size(), mine.size()); ++i) {
            const std::string a = i < saved.size() ? saved[i] : "(none)";
            const std::string b = i < mine.size() ? store_.info(mine[i]).name : "(none)";
            if (a != b) {
                throw StateMismatch("optimizer state: group " + std::to_string(g) + " entry " +
                                    std::to_string(i) + " is tensor '" + a +
                                    "' in the saved state but '" + b + "' here");
            }
        }
        if (s.groups[g].step < 0) {
            throw StateMismatch("optimizer state: group " + std::to_string(g) +
                                " has a negative step count " + std::to_string(s.groups[g].step));
        }
    }
    // Check every buffer before changing anything.
    for (const auto& b : s.buffers) {
        if (std::find(buffer_names_.begin(), buffer_names_.end(), b.buffer) == buffer_names_.end()) {
            throw StateMismatch("optimizer state: buffer '" + b.buffer + "' of tensor '" + b.param +
                                "' is not state of " + me);
        }
        if (!store_.contains(b.param) || !in_group_[store_.index_of(b.param)]) {
            throw StateMismatch("optimizer state: tensor '" + b.param + "' (buffer " + b.buffer +
                                ") is not a parameter of this " + me);
        }
        const TensorInfo& t = store_.info(store_.index_of(b.param));
        if (b.shape != t.shape || b.data.size() != t.size) {
            auto fmt = [](const std::vector<std::size_t>& shape) {
                std::string out = "[";
                for (std::size_t i = 0; i < shape.size(); ++i) {
                    out += (i ? ", " : "") + std::to_string(shape[i]);
                }
                return out + "]";
            };
            throw StateMismatch("optimizer state: tensor '" + b.param + "' buffer " + b.buffer +
                                " has shape " + fmt(b.shape) + ", the model's tensor has " +
                                fmt(t.shape));
        }
    }
    // Hyper-parameters are validated on a copy first, so a bad value changes nothing.
    std::vector<HyperParams> before;
    for (std::size_t g = 0; g < groups_.size(); ++g) before.push_back(hyper(g));
    try {
        for (std::size_t g = 0; g < groups_.size(); ++g) load_group_hyper(g, s.groups[g].hyper);
    } catch (...) {
        for (std::size_t g = 0; g < groups_.size(); ++g) load_group_hyper(g, before[g]);
        throw;
    }
    buffers_.clear();
    for (const auto& b : s.buffers) {
        T* dst = state(b.buffer);
        const TensorInfo& t = store_.info(store_.index_of(b.param));
        std::copy(b.data.begin(), b.data.end(), dst + t.offset);
    }
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        groups_[g].step = s.groups[g].step;
        groups_[g].scalars = s.groups[g].scalars;
    }
    training_ = s.training;
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace optlab
