// SPDX-License-Identifier: MIT
#include "optlab/train/config.hpp"

#include <nlohmann/json.hpp>

#include "optlab/core/error.hpp"
#include "optlab/init/initializers.hpp"
#include "optlab/io/hyper_json.hpp"
#include "optlab/nn/network.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/schedule/lr_scheduler.hpp"
#include "optlab/train/schedule.hpp"
#include "optlab/transform/clip.hpp"

namespace optlab {

using json = nlohmann::json;

void TrainConfig::validate() const {
    if (batch == 0) throw_invalid("train", "batch", 0, "an integer >= 1");
    if (epochs <= 0) throw_invalid("train", "epochs", double(epochs), "an integer >= 1");
    if (accumulate < 1) throw_invalid("train", "accumulate", double(accumulate), "an integer >= 1");
    if (max_iterations < 0) throw_invalid("train", "max_iterations", double(max_iterations), "an integer >= 0");
    if (max_evaluations < 0) throw_invalid("train", "max_evaluations", double(max_evaluations), "an integer >= 0");
    if (!(dropout >= 0.0 && dropout < 1.0)) throw_invalid("train", "dropout", dropout, "0 <= p < 1");
    if (nonfinite != "error" && nonfinite != "skip") {
        throw InvalidArgument("train: nonfinite '" + nonfinite + "' (expected error or skip)");
    }
    if (max_consecutive < 1) throw_invalid("train", "max_consecutive", double(max_consecutive), "an integer >= 1");
    if (divergence != "warn" && divergence != "error") {
        throw InvalidArgument("train: divergence '" + divergence + "' (expected warn or error)");
    }
    if (!(divergence_factor > 1.0) || !std::isfinite(divergence_factor)) {
        throw_invalid("train", "divergence_factor", divergence_factor, "a finite number > 1");
    }
    parse_schedule_unit(schedule_unit);
    wrapping();
    if (!(adamw_lr >= 0.0) || !std::isfinite(adamw_lr)) throw_invalid("train", "adamw_lr", adamw_lr, "a finite number >= 0");
    if (threads < 0) throw_invalid("train", "threads", threads, "an integer >= 1 (0: all cores)");
    if (eval_every < 0) throw_invalid("train", "eval_every", double(eval_every), "an integer >= 0");
    const ProblemInfo& info = problem_info(problem);
    if (!info.images && validation > 0) {
        throw InvalidArgument("train: --validation " + std::to_string(validation) + ": problem " + problem +
                              (problem == "words-charlm" ? " has its own validation split (10% of the words)"
                                                         : " has no validation split"));
    }
    nn::parse_net_sizes(net);
    if (is_2d()) {
        Classify2dSpec spec = classify2d_spec(*this);
        spec.init = init.empty() ? std::string(info.init) : init;
        spec.validate();
    } else {
        nn::parse_activation(activation);
    }
    nn::parse_loss(loss);
    if (!init.empty()) parse_init(init);
    parse_clip(clip);
    if (!parse_plateau(schedule)) parse_schedule(schedule);
}

Classify2dSpec classify2d_spec(const TrainConfig& c) {
    Classify2dSpec s;
    s.dataset = c.is_2d() ? c.problem.substr(3) : s.dataset;
    s.points = c.points;
    s.noise = c.noise;
    s.train_ratio = c.train_ratio;
    s.features = parse_features_2d(c.features);
    s.hidden = parse_hidden_2d(c.hidden);
    s.activation = c.activation;
    s.init = c.init;
    s.l2 = c.l2;
    s.seed = c.seed;
    s.max_batch = c.batch;
    return s;
}

namespace {

json swa_json(const std::optional<SwaOptions>& swa) {
    if (!swa) return json();
    return {{"swa_start", swa->swa_start}, {"swa_lr", swa->swa_lr}, {"anneal_epochs", swa->anneal_epochs},
            {"anneal_strategy", swa->anneal_strategy}};
}

}  // namespace

std::string swa_to_json(const std::optional<SwaOptions>& swa) { return swa_json(swa).dump(); }

std::string config_to_json(const TrainConfig& c) {
    const json j = {{"problem", c.problem}, {"dataset", c.dataset}, {"data_dir", c.data_dir}, {"net", c.net},
                    {"activation", c.activation}, {"init", c.init}, {"loss", c.loss},
                    {"hidden", c.hidden}, {"features", c.features}, {"points", c.points}, {"noise", c.noise},
                    {"train_ratio", c.train_ratio}, {"l2", c.l2},
                    {"batchnorm", c.batchnorm}, {"dropout", c.dropout}, {"optimizer", c.optimizer},
                    {"hyper", json::parse(hyper_to_json(c.hyper))}, {"convention", std::string(to_string(c.convention))},
                    {"lookahead", c.lookahead}, {"ema", c.ema ? json(*c.ema) : json()}, {"swa", swa_json(c.swa)}, {"adamw_lr", c.adamw_lr},
                    {"batch", c.batch}, {"accumulate", c.accumulate}, {"epochs", c.epochs}, {"max_iterations", c.max_iterations}, {"max_evaluations", c.max_evaluations},
                    {"seed", c.seed}, {"validation", c.validation}, {"schedule", c.schedule},
                    {"schedule_unit", c.schedule_unit}, {"clip", c.clip}, {"nonfinite", c.nonfinite},
                    {"max_consecutive", c.max_consecutive}, {"divergence", c.divergence},
                    {"divergence_factor", c.divergence_factor}};
    return j.dump();
}

TrainConfig config_from_json(std::string_view text, const std::string& where) {
    try {
        const json j = json::parse(text);
        TrainConfig c;
        c.problem = j.value("problem", std::string("fmnist-mlp"));  // absent before there were several
        c.dataset = j.at("dataset");
        c.data_dir = j.at("data_dir");
        c.net = j.at("net");
        c.activation = j.at("activation");
        c.init = j.at("init");
        c.loss = j.at("loss");
        // Absent before the 2-D problems: their defaults.
        c.hidden = j.value("hidden", c.hidden);
        c.features = j.value("features", c.features);
        c.points = j.value("points", c.points);
        c.noise = j.value("noise", c.noise);
        c.train_ratio = j.value("train_ratio", c.train_ratio);
        c.l2 = j.value("l2", c.l2);
        c.batchnorm = j.at("batchnorm");
        c.dropout = j.at("dropout");
        c.optimizer = j.at("optimizer");
        c.hyper = hyper_from_json(j.at("hyper").dump(), where);
        c.convention = parse_convention(j.at("convention").get<std::string>());
        // Absent before the wrappers existed: no wrapper.
        c.lookahead = j.value("lookahead", std::string());
        if (j.contains("ema") && !j["ema"].is_null()) c.ema = j["ema"].get<double>();
        if (j.contains("swa") && !j["swa"].is_null()) {
            const json& s = j["swa"];
            c.swa = SwaOptions{s.at("swa_start").get<std::int64_t>(), s.at("swa_lr").get<double>(),
                               s.at("anneal_epochs").get<std::int64_t>(), s.at("anneal_strategy").get<std::string>()};
        }
        c.adamw_lr = j.value("adamw_lr", 1e-3);
        c.batch = j.at("batch");
        c.accumulate = j.at("accumulate");
        c.epochs = j.at("epochs");
        c.max_iterations = j.at("max_iterations");
        c.max_evaluations = j.value("max_evaluations", std::int64_t(0));  // absent before L-BFGS
        c.seed = j.at("seed");
        c.validation = j.at("validation");
        c.schedule = j.at("schedule");
        c.schedule_unit = j.at("schedule_unit");
        c.clip = j.at("clip");
        c.nonfinite = j.at("nonfinite");
        c.max_consecutive = j.at("max_consecutive");
        c.divergence = j.at("divergence");
        c.divergence_factor = j.at("divergence_factor");
        return c;
    } catch (const json::exception& e) {
        throw IoError(where + " is malformed: " + e.what());
    }
}

}  // namespace optlab
