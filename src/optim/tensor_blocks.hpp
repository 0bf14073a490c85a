// SPDX-License-Identifier: MIT
// What the optimizers with a per-tensor norm (LAMB's and LARS's trust ratios, NovoGrad's ‖g‖²)
// share: a group's tensors cut into blocks of kBlock elements, each block's sums of squares
// taken in a fixed order and the blocks' sums added in block order — so a norm is the same bits
// on any number of threads and any instruction set — and the blocks shared between optlab's
// threads.
// Private to src/optim.
#pragma once

#include <algorithm>
#include <vector>

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab::tensor_blocks {

constexpr std::size_t kBlock = 4096;
constexpr std::size_t kLanes = 8;

/// The blocks of the tensors `tensors` (store indices) of `store`, in order, as Blocks
/// {tensor index in the group, first arena element, end} (the optimizer's own struct).
template <class Block, class T>
std::vector<Block> make_blocks(const ParamStore<T>& store, const std::vector<std::size_t>& tensors) {
    std::vector<Block> blocks;
    for (std::size_t k = 0; k < tensors.size(); ++k) {
        const TensorInfo& info = store.info(tensors[k]);
        for (std::size_t b = 0; b < info.size; b += kBlock) {
            blocks.push_back({k, info.offset + b, info.offset + std::min(info.size, b + kBlock)});
        }
    }
    return blocks;
}

/// Σx² over n elements in float64: element j in running sum j mod 8, the eight added in a
/// fixed tree, so the same bits whatever the instruction set.
template <class T>
double sum_of_squares(const T* __restrict x, std::size_t n) {
    double acc[kLanes] = {};
    std::size_t j = 0;
    for (; j + kLanes <= n; j += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) acc[k] += double(x[j + k]) * double(x[j + k]);
    }
    for (std::size_t k = 0; j < n; ++j, ++k) acc[k] += double(x[j]) * double(x[j]);
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/// kernel(first, last) over blocks [first, last), split between optlab's threads by whole
/// blocks and compiled for the CPU's vector width (simd.hpp).
template <class Kernel>
void for_blocks(std::size_t count, Kernel& kernel) {
    const SimdTarget target = simd_target();
    if (num_threads() <= 1 || count * kBlock < kSerialThreshold) {
        run_kernel(target, kernel, 0, count);
        return;
    }
    parallel_run([&](Part part) {
        const auto [first, last] = part.share(count);
        run_kernel(target, kernel, first, last);
    });
}

/// The blocks' sums (`per_block` numbers each, block b's at [per_block·b, per_block·(b+1)))
/// added per tensor in block order into `tensor_sums` (per_block numbers per tensor).
template <class Block>
void add_by_tensor(const std::vector<Block>& blocks, const std::vector<double>& block_sums,
                          std::size_t per_block, std::size_t tensors, std::vector<double>& tensor_sums) {
    tensor_sums.assign(per_block * tensors, 0.0);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        for (std::size_t k = 0; k < per_block; ++k) {
            tensor_sums[per_block * blocks[b].tensor + k] += block_sums[per_block * b + k];
        }
    }
}

}  // namespace optlab::tensor_blocks
