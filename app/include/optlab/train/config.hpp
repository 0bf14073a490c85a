// SPDX-License-Identifier: MIT
// A training run's settings: what `optlab train`'s flags set, what a checkpoint stores so a
// resumed run continues with the settings it was started with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "optlab/optim/convention.hpp"
#include "optlab/optim/hyper.hpp"
#include "optlab/optim/wrappers.hpp"
#include "optlab/problems/classify2d.hpp"

namespace optlab {

struct TrainConfig {
    std::string problem = "fmnist-mlp";     // a problem of problems/catalogue.hpp
    std::string dataset = "fashion-mnist";  // the image problems' named dataset, or
    std::string data_dir;                   // any MNIST-layout folder (wins when set)
    std::string net = "784-100-100-100-100-10";
    std::string activation = "relu";
    std::string init;  // the weight initializer; "" for the problem's (he for the MLP)
    std::string loss = "cross-entropy";
    // The 2-D problems' points and network (problems/classify2d.hpp); the activation above is
    // theirs too.
    std::string hidden = "4,2";
    std::string features = "x1,x2";
    std::size_t points = 500;
    double noise = 0.0;
    double train_ratio = 0.5;
    double l2 = 0.0;
    bool batchnorm = false;
    double dropout = 0.0;
    std::string optimizer = "adam";
    HyperParams hyper;  // as given; unset ones take the convention's defaults
    Convention convention = Convention::torch;
    std::string lookahead;              // "" or K,ALPHA: Lookahead around the optimizer
    std::optional<double> ema;          // a weight EMA's decay: evaluated and saved at the average
    std::optional<SwaOptions> swa;      // stochastic weight averaging: evaluated and saved at the average
    double adamw_lr = 1e-3;             // muon: the lr of AdamW, which trains the tensors that are not matrices
    std::size_t batch = 128;
    std::int64_t accumulate = 1;      // batches whose gradients one step averages
    std::int64_t epochs = 5;
    std::int64_t max_iterations = 0;  // stop after this many updates in total (0: no limit)
    std::int64_t max_evaluations = 0; // ... or loss-and-gradient evaluations (L-BFGS makes several an update)
    std::uint64_t seed = 1;
    std::size_t validation = 0;       // training samples held out for validation
    std::string schedule = "constant";
    std::string schedule_unit = "epoch";  // when the schedule steps: epoch or iteration
    std::string clip;                     // "" or KIND:THRESHOLD (value, norm, global-norm)
    std::string nonfinite = "error";      // error or skip
    std::int64_t max_consecutive = 10;    // skip: give up after this many skips in a row
    std::string divergence = "warn";      // a loss above divergence_factor × the first: warn or error
    double divergence_factor = 1e6;
    int threads = 0;                      // 0: all cores
    std::int64_t eval_every = 0;          // also evaluate the test set every N iterations (0: per epoch only)

    /// Throws InvalidArgument naming the first field out of range.
    void validate() const;
    /// Lookahead, weight EMA or SWA around the optimizer, as lookahead, ema and swa say.
    Wrapping wrapping() const { return parse_wrapping(lookahead, ema, swa); }
    bool is_2d() const { return problem.starts_with("2d-"); }
};

/// The 2-D problems' settings from the config (the dataset from the problem's name; init as
/// given, "" for the problem's). Throws InvalidArgument for a bad --hidden or --features.
Classify2dSpec classify2d_spec(const TrainConfig& config);

/// The settings as one JSON object (threads and eval_every, which a resumed run may change,
/// are not stored), and back; `where` names the source in errors.
std::string config_to_json(const TrainConfig& config);
/// SWA's options as the config stores them, one JSON object by torch's names ({"swa_start": 20,
/// "swa_lr": 0.05, "anneal_epochs": 10, "anneal_strategy": "cos"}; null for none).
std::string swa_to_json(const std::optional<SwaOptions>& swa);
TrainConfig config_from_json(std::string_view json, const std::string& where);

}  // namespace optlab
