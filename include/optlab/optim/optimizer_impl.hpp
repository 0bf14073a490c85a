// SPDX-License-Identifier: MIT
// Template bodies of optimizer.hpp that every optimizer's .cpp instantiates.
#pragma once

#include "optlab/core/parallel.hpp"
#include "optlab/optim/optimizer.hpp"

namespace optlab {

template <class T>
template <class Kernel>
void Optimizer<T>::for_each_range(std::size_t g, Kernel&& kernel) {
    for (const Range& r : groups_[g].ranges) {
        parallel_for(r.offset, r.offset + r.size, ParamStore<T>::kAlign, kernel);
    }
}

}  // namespace optlab
