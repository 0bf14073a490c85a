// SPDX-License-Identifier: MIT
// The named training problems — the set of problems of different character that optimizers
// are compared on (DeepOBS, AlgoPerf): each fixes its data, model, loss, metric and a default
// budget. `optlab problems` lists them; `optlab train --problem NAME` trains any of them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "optlab/nn/network.hpp"
#include "optlab/problems/char_lm.hpp"
#include "optlab/problems/classify2d.hpp"
#include "optlab/problems/image_classification.hpp"
#include "optlab/problems/problem.hpp"

namespace optlab {

struct ProblemInfo {
    std::string_view name;     // "fmnist-cnn"
    std::string_view summary;  // one line: what it is and why it is in the set
    std::string_view data;     // where its data come from
    std::string_view model;
    std::string_view metric;   // what evaluate() reports beside the loss
    bool lower_is_better;      // of the metric
    bool images;               // trains on Fashion-MNIST (or --data's images)
    std::int64_t epochs;       // the default budget
    std::size_t batch;
    std::string_view init;     // the default weight initializer (the quadratic: its fixed start)
    bool has_matrices;         // has 2-D weights (Muon, which trains only those, can run on it)
    bool every_step = false;   // evaluated on the test set after every step, which the run log records
};

/// Every problem, in the order `optlab problems` lists them.
std::span<const ProblemInfo> problem_catalogue();
/// Throws InvalidArgument listing the names when `name` is not one.
const ProblemInfo& problem_info(std::string_view name);

struct ProblemSettings {
    std::string name = "fmnist-mlp";
    nn::NetSpec mlp;          // fmnist-mlp's network (--net, --activation, --batchnorm, ...)
    std::string init;         // the weight initializer ("" for the problem's default)
    std::size_t max_batch = 128;
    std::uint64_t seed = 1;
    std::filesystem::path words = kWordListPath;  // words-charlm's word list
    Classify2dSpec classify2d;  // the 2-D problems' points and network (their dataset, seed, batch
                                // and init are the name's, seed's, max_batch's and init's)
};

/// The problem `s.name` names; the image problems train and evaluate on `images` (which must
/// outlive it), the others read or make their own data.
std::unique_ptr<Problem> make_problem(const ProblemSettings& s, const ClassificationData& images);

}  // namespace optlab
