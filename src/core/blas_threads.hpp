// SPDX-License-Identifier: MIT
// OpenBLAS's thread count for a scope, put back after (private to the library's sources, which
// alone see OpenBLAS). OpenBLAS 0.3.21 has no per-call setting, so the process-wide count is
// set and restored: a program that uses OpenBLAS for its own work keeps its threads
// (network_test checks). The network's passes want one (optlab's pool splits the batch);
// Muon's products want optlab's thread count.
#pragma once

#include <cblas.h>

namespace optlab {

class BlasThreadScope {
  public:
    explicit BlasThreadScope(int threads) : saved_(openblas_get_num_threads()) {
        if (saved_ != threads) openblas_set_num_threads(threads);
        changed_ = saved_ != threads;
    }
    ~BlasThreadScope() {
        if (changed_) openblas_set_num_threads(saved_);
    }
    BlasThreadScope(const BlasThreadScope&) = delete;
    BlasThreadScope& operator=(const BlasThreadScope&) = delete;

  private:
    int saved_;
    bool changed_ = false;
};

}  // namespace optlab
