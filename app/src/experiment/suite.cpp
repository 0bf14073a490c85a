// SPDX-License-Identifier: MIT
// `optlab suite`: the protocol, the plan of its arms, and the whole suite — the results
// folder, its stages, the workers. An arm's file and run are in suite_arm.cpp, the summary
// (ranks, winners, performance profiles) in suite_summary.cpp, the outputs and figures in
// suite_output.cpp.
#include "optlab/experiment/suite.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/io/safetensors.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/train/trainer.hpp"
#include "suite_private.hpp"

namespace optlab::experiment {

// ---- the protocol ---------------------------------------------------------------------------

SuiteProblem suite_problem(const std::string& name, bool quick) {
    const ProblemInfo& info = problem_info(name);
    SuiteProblem p;
    p.name = name;
    p.lower_is_better = info.lower_is_better;
    p.metric = std::string(info.metric);
    // Budgets: a few hundred iterations each (the default suite in 30 minutes on 2 cores, the
    // quick one in 90 s); targets: reached by most tuned optimizers within the budget, by the
    // best in its first third or half (docs/suite.md, measured).
    struct Setting {
        const char* name;
        std::int64_t iterations, quick_iterations;
        double target, quick_target;
        const char* metric;
    };
    static const Setting settings[] = {
        {"quadratic", 400, 100, 100.0, 110.0, "loss"},
        {"fmnist-logreg", 300, 60, 0.80, 0.75, "accuracy"},
        {"fmnist-mlp", 400, 60, 0.82, 0.72, "accuracy"},
        {"fmnist-cnn", 300, 20, 0.85, 0.65, "accuracy"},
        {"fmnist-autoencoder", 300, 25, 0.030, 0.060, "reconstruction error"},
        {"words-charlm", 800, 100, 10.5, 14.0, "perplexity"},
    };
    for (const Setting& s : settings) {
        if (name != s.name) continue;
        p.iterations = quick ? s.quick_iterations : s.iterations;
        // Ten evaluations of the validation metric along the budget (three in --quick, where
        // evaluating costs more than training): nine (two) during it, the last at its end —
        // the step is chosen so none falls on the last iteration, which the end evaluates.
        const std::int64_t evaluations = quick ? 3 : 10;
        p.eval_every = std::max<std::int64_t>(1, p.iterations / evaluations + 1);
        // Held out of Fashion-MNIST's training set for the image problems' validation.
        p.validation = info.images ? (quick ? 1000 : 5000) : 0;
        p.test = info.images ? (quick ? kQuickTestImages : 10000) : 0;
        p.target = quick ? s.quick_target : s.target;
        p.metric = s.metric;
        return p;
    }
    throw InvalidArgument("suite: problem " + name + " has no suite settings (add it to suite_problem)");
}

TrainTest suite_images(TrainTest all, bool quick) {
    if (!quick || all.test.count <= kQuickTestImages) return all;
    all.test.count = kQuickTestImages;
    all.test.pixels.resize(kQuickTestImages * all.test.features);
    all.test.labels.resize(kQuickTestImages);
    all.test.pixels.shrink_to_fit();
    all.test.labels.shrink_to_fit();
    return all;
}

SuiteProtocol SuiteProtocol::defaults(bool quick) {
    SuiteProtocol p;
    // The 2-D problems are the explorable's, a network of a few dozen weights: not the suite's.
    for (const ProblemInfo& info : problem_catalogue()) {
        if (!info.name.starts_with("2d-")) p.problems.emplace_back(info.name);
    }
    // The lecture's seven, then a member of each family the anchors ship: decoupled decay,
    // sign methods, orthogonalised and schedule-free steps, sign-adaptive step sizes (Rprop),
    // Optax's Adam variants, the authors' AdEMAMix and ADOPT, and the three that need no
    // learning rate (registry's learning_rate_free), whose defaults phase is their comparison;
    // L-BFGS, the quasi-Newton method, its budget and time to target in evaluations; and the
    // preconditioned methods that won AlgoPerf and its successors' comparisons, Shampoo and SOAP.
    p.optimizers = {"sgd",   "momentum",  "nag",  "adagrad",  "rmsprop", "adadelta", "adam",
                    "adamw", "lion",      "muon", "schedule-free-adamw", "rprop",    "adabelief",
                    "adan",  "ademamix",  "adopt", "prodigy", "dadapt-adamw", "dog", "lbfgs",
                    "shampoo", "soap"};
    p.quick = quick;
    p.grid = quick ? 3 : 5;
    p.seeds = quick ? 2 : 3;
    return p;
}

void SuiteProtocol::validate() const {
    if (problems.empty()) throw InvalidArgument("suite: --problems is empty (expected at least one problem)");
    if (optimizers.empty()) throw InvalidArgument("suite: --optimizers is empty (expected at least one optimizer)");
    for (const auto& p : problems) (void)suite_problem(p, quick);
    for (const auto& o : optimizers) {
        catalogue.check(o);
        const bool file_name_part = !o.empty() && o.size() <= 64 && o[0] != '.' &&
                                    std::all_of(o.begin(), o.end(), [](char c) {
                                        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                                    });
        if (!file_name_part) {
            throw InvalidArgument("suite: optimizer name '" + o + "': use 1 to 64 letters, digits, '-', '_' or '.' "
                                  "(not first): it names the optimizer's files");
        }
        if (catalogue.external(o) && !std::isfinite(catalogue.default_lr(o, Convention::torch))) {
            throw InvalidArgument("suite: optimizer " + o + " (" + catalogue.origin(o) +
                                  ") has no default learning rate: the default phase runs every optimizer at "
                                  "its own (give its lr a default)");
        }
    }
    for (const auto* list : {&problems, &optimizers}) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            if (std::find(list->begin(), list->begin() + std::ptrdiff_t(i), (*list)[i]) != list->begin() + std::ptrdiff_t(i)) {
                throw InvalidArgument("suite: " + (*list)[i] + " is listed twice");
            }
        }
    }
    if (grid < 1 || grid > 50) throw_invalid("suite", "--budget", grid, "1..50 learning rates");
    if (seeds < 1 || seeds > 20) throw_invalid("suite", "--seeds", seeds, "1..20");
    if (!(lr_lo > 0 && lr_hi >= lr_lo && std::isfinite(lr_hi))) {
        throw_invalid("suite", "learning-rate grid", lr_lo, "0 < low <= high");
    }
}

std::vector<double> SuiteProtocol::learning_rates() const {
    std::vector<double> lrs;
    for (int i = 0; i < grid; ++i) {
        const double t = grid == 1 ? 0.5 : double(i) / double(grid - 1);
        // Rounded to 3 significant digits, so file names and tables show the grid as written.
        const double lr = std::exp(std::log(lr_lo) + t * (std::log(lr_hi) - std::log(lr_lo)));
        char text[32];
        std::snprintf(text, sizeof text, "%.3g", lr);
        lrs.push_back(std::strtod(text, nullptr));
    }
    return lrs;
}

std::string SuiteProtocol::to_json() const {
    nlohmann::json j;
    j["problems"] = problems;
    j["optimizers"] = optimizers;
    j["grid"] = grid;
    j["seeds"] = seeds;
    j["quick"] = quick;
    j["lr_grid"] = learning_rates();
    // Each problem's budget, evaluations and target: arms measured under other settings would
    // not be comparable, so they are part of what a results folder was made with.
    nlohmann::json settings = nlohmann::json::object();
    for (const auto& name : problems) {
        const SuiteProblem p = suite_problem(name, quick);
        settings[name] = {{"iterations", p.iterations}, {"eval_every", p.eval_every}, {"target", p.target},
                          {"validation", p.validation}, {"test", p.test}};
    }
    j["settings"] = settings;
    j["version"] = 1;
    return j.dump();
}

// ---- the plan -------------------------------------------------------------------------------

bool applicable(const std::string& problem, const std::string& optimizer, const OptimizerCatalogue& optimizers) {
    return problem_info(problem).has_matrices || !optimizers.matrices_only(optimizer);
}

namespace {

SuiteArm planned(const SuiteProtocol& protocol, const std::string& problem, const std::string& optimizer,
                 const char* phase, std::optional<double> lr, int seed) {
    SuiteArm a;
    a.problem = problem;
    a.optimizer = optimizer;
    a.phase = phase;
    a.lr = lr;
    a.lr_used = lr.value_or(0.0);  // a default arm learns its own when it runs
    a.seed = std::uint64_t(seed);
    a.origin = protocol.catalogue.origin(optimizer);
    return a;
}

}  // namespace

std::vector<SuiteArm> plan_first_stage(const SuiteProtocol& protocol) {
    std::vector<SuiteArm> arms;
    for (const auto& problem : protocol.problems) {
        for (const auto& optimizer : protocol.optimizers) {
            if (!applicable(problem, optimizer, protocol.catalogue)) continue;
            for (int seed = 1; seed <= protocol.seeds; ++seed) {
                arms.push_back(planned(protocol, problem, optimizer, "default", std::nullopt, seed));
            }
            for (double lr : protocol.learning_rates()) arms.push_back(planned(protocol, problem, optimizer, "tune", lr, 1));
        }
    }
    return arms;
}

std::vector<SuiteArm> plan_second_stage(const SuiteProtocol& protocol, const std::vector<SuiteArm>& first) {
    std::vector<SuiteArm> arms;
    for (const auto& problem : protocol.problems) {
        for (const auto& optimizer : protocol.optimizers) {
            const SuiteArm* best = detail::best_tuned(first, problem, optimizer);
            if (!best) continue;  // every learning rate diverged: nothing to re-run
            for (int seed = 2; seed <= protocol.seeds; ++seed) {
                arms.push_back(planned(protocol, problem, optimizer, "seed", best->lr, seed));
            }
        }
    }
    return arms;
}

// ---- the whole suite ------------------------------------------------------------------------

namespace {

// The results folder's protocol.json: what its arms were run under. A later run must keep what
// makes arms comparable — the grid, the seeds, quick, and the settings (budget, evaluations,
// target, splits) of every problem both run — and may bring other problems and optimizers,
// which the file then lists too: their arms are added beside the others.
void check_protocol(const SuiteProtocol& protocol, const std::filesystem::path& dir) {
    const auto file = dir / "protocol.json";
    nlohmann::json mine = nlohmann::json::parse(protocol.to_json());
    if (std::filesystem::exists(file)) {
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        nlohmann::json theirs;
        try {
            theirs = nlohmann::json::parse(text.str());
        } catch (const nlohmann::json::exception&) {
            throw InvalidArgument("suite: " + file.string() + " is not a protocol file; use another --out or delete it");
        }
        if (!theirs.is_object()) {
            throw InvalidArgument("suite: " + file.string() + " is not a protocol file; use another --out or delete it");
        }
        std::string differs;
        auto differ = [&](const std::string& what, const nlohmann::json* was, const nlohmann::json& now) {
            differs += (differs.empty() ? "" : "; ") + what + " was " + (was ? was->dump() : std::string("absent")) +
                       ", now " + now.dump();
        };
        for (const auto& [key, value] : mine.items()) {
            if (key == "problems" || key == "optimizers") continue;  // a later run may add to them
            const nlohmann::json* was = theirs.contains(key) ? &theirs.at(key) : nullptr;
            if (key == "settings" && was && was->is_object()) {
                for (const auto& [problem, settings] : value.items()) {
                    if (was->contains(problem) && was->at(problem) != settings) {
                        differ("the settings of " + problem, &was->at(problem), settings);
                    }
                }
            } else if (!was || *was != value) {
                differ(key, was, value);
            }
        }
        if (!differs.empty()) {
            throw InvalidArgument("suite: " + dir.string() + " holds results of another protocol (" + differs +
                                  "): its arms would not be comparable; use another --out, or the same flags");
        }
        nlohmann::json merged = theirs;
        for (const char* list : {"problems", "optimizers"}) {
            if (!merged[list].is_array()) merged[list] = nlohmann::json::array();
            for (const auto& name : mine[list]) {
                if (std::find(merged[list].begin(), merged[list].end(), name) == merged[list].end()) merged[list].push_back(name);
            }
        }
        for (const auto& [problem, settings] : mine["settings"].items()) merged["settings"][problem] = settings;
        if (merged == theirs) return;
        mine = merged;
    } else {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec || !std::filesystem::is_directory(dir)) {
            throw IoError("suite: cannot create the results folder " + dir.string() + (ec ? ": " + ec.message() : ""));
        }
    }
    const std::string text = mine.dump();
    write_file_atomic(file, std::as_bytes(std::span(text.data(), text.size())));
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_arm(const std::filesystem::path& file, const SuiteArm& arm) {
    std::filesystem::create_directories(file.parent_path());
    const std::string json = arm.to_json();
    write_file_atomic(file, std::as_bytes(std::span(json.data(), json.size())));
}

// The index of the arm in `arms` that is the same run as arms[i], when arms[i] is a tuning arm
// at its optimizer's default learning rate: the seed-1 default arm of its problem and optimizer
// (the same settings, seed and learning rate, so the same numbers).
std::optional<std::size_t> same_run(const std::vector<SuiteArm>& arms, std::size_t i, const OptimizerCatalogue& optimizers) {
    const SuiteArm& a = arms[i];
    if (a.phase != "tune" || !a.lr || *a.lr != detail::default_lr(optimizers, a.optimizer)) return std::nullopt;
    for (std::size_t k = 0; k < arms.size(); ++k) {
        const SuiteArm& d = arms[k];
        if (d.phase == "default" && d.seed == a.seed && d.problem == a.problem && d.optimizer == a.optimizer) return k;
    }
    return std::nullopt;
}

// What made an arm's optimizer, for messages.
std::string made_by(const SuiteArm& arm) {
    return arm.origin.empty() ? "the registry's " + arm.optimizer : arm.origin;
}

// Reads the arms already in dir/arms, has the workers run the others, and writes each result
// atomically as soon as it arrives. An arm that is another's run (same_run) is not run again:
// it gets that arm's results once they are there. An arm file of another optimizer of the
// same name (another origin) is refused, not taken for this one's.
void run_stage(std::vector<SuiteArm>& arms, const std::filesystem::path& dir, SuiteWorkers& workers,
               const SuiteObserver& observer, const OptimizerCatalogue& optimizers, std::size_t done_before,
               std::size_t total) {
    std::vector<SuiteArm> pending;
    std::vector<std::pair<std::size_t, std::size_t>> copies;  // (arm, the arm whose run it is)
    std::map<std::string, std::size_t> slot;  // file name → index in arms
    for (std::size_t i = 0; i < arms.size(); ++i) {
        const auto file = dir / "arms" / arms[i].file_name();
        slot[arms[i].file_name()] = i;
        if (std::filesystem::exists(file)) {
            const SuiteArm found = SuiteArm::from_json(read_text(file), file.string());
            if (found.origin != arms[i].origin) {
                throw InvalidArgument("suite: " + file.string() + " is an arm of " + made_by(found) + ", not of " +
                                      made_by(arms[i]) + ": two optimizers are named " + arms[i].optimizer +
                                      "; give this one another name, or use another --out");
            }
            arms[i] = found;
        } else if (const auto twin = same_run(arms, i, optimizers)) {
            copies.emplace_back(i, *twin);
        } else {
            pending.push_back(arms[i]);
        }
    }
    auto write_copies = [&] {
        for (const auto& [i, twin] : copies) {
            SuiteArm copy = arms[twin];
            copy.phase = arms[i].phase;
            copy.lr = arms[i].lr;
            copy.same_run_as = arms[twin].file_name();
            arms[i] = copy;
            write_arm(dir / "arms" / copy.file_name(), copy);
        }
    };
    std::size_t finished = arms.size() - pending.size();
    // The time left: each pending arm at the mean time of its problem's arms run so far (a CNN
    // arm costs a hundred quadratic ones), or of all arms for a problem not yet begun.
    std::map<std::string, std::pair<double, int>> per_problem;  // seconds, arms
    double seconds_run = 0;
    std::size_t run = 0;
    auto time_left = [&]() {
        if (run == 0) return -1.0;
        double left = 0;
        for (std::size_t k = run; k < pending.size(); ++k) {
            const auto it = per_problem.find(pending[k].problem);
            left += it != per_problem.end() ? it->second.first / it->second.second : seconds_run / double(run);
        }
        return left / double(workers.count());
    };
    if (observer.arm_started && !pending.empty()) observer.arm_started(done_before + finished + 1, total, pending[0], -1);
    workers.run(pending, [&](const SuiteArm& arm) {
        const auto at = slot.find(arm.file_name());
        if (at == slot.end()) throw Error("suite: a worker returned an arm that was not asked for: " + arm.file_name());
        arms[at->second] = arm;
        write_arm(dir / "arms" / arm.file_name(), arm);
        ++finished;
        ++run;
        seconds_run += arm.seconds;
        per_problem[arm.problem].first += arm.seconds;
        per_problem[arm.problem].second += 1;
        if (observer.arm_started && run < pending.size()) {
            observer.arm_started(done_before + finished + 1, total, pending[run], time_left());
        }
    });
    write_copies();
}

}  // namespace

LocalWorkers::LocalWorkers(bool quick, const TrainTest* images, int threads, OptimizerCatalogue optimizers)
    : quick_(quick), images_(images), threads_(threads), optimizers_(std::move(optimizers)) {}

void LocalWorkers::run(const std::vector<SuiteArm>& pending, const std::function<void(const SuiteArm&)>& finished) {
    for (const SuiteArm& arm : pending) {
        finished(run_arm(arm, suite_problem(arm.problem, quick_), images_, threads_, optimizers_));
    }
}

std::optional<TrainTest> load_suite_images(const SuiteProtocol& protocol, const std::string& dataset,
                                           const std::string& data_dir,
                                           const std::function<void(const std::string&)>& info) {
    for (const auto& p : protocol.problems) {
        if (!problem_info(p).images) continue;
        if (info) info("suite: loading " + (data_dir.empty() ? std::string("Fashion-MNIST") : data_dir));
        return suite_images(data_dir.empty() ? load_named_dataset(dataset) : load_mnist_folder(data_dir), protocol.quick);
    }
    return std::nullopt;
}

SuiteResult run_suite(const SuiteProtocol& protocol, const std::filesystem::path& dir, SuiteWorkers& workers,
                      const SuiteObserver& observer) {
    protocol.validate();
    check_protocol(protocol, dir);
    std::vector<SuiteArm> first = plan_first_stage(protocol);
    // The seed stage's size is known once tuning is done; until then count it as if every
    // optimizer had a learning rate that trained.
    std::size_t second_estimate = 0;
    for (const auto& p : protocol.problems) {
        for (const auto& o : protocol.optimizers) {
            second_estimate += applicable(p, o, protocol.catalogue) ? std::size_t(protocol.seeds - 1) : 0;
        }
    }
    run_stage(first, dir, workers, observer, protocol.catalogue, 0, first.size() + second_estimate);
    std::vector<SuiteArm> second = plan_second_stage(protocol, first);
    run_stage(second, dir, workers, observer, protocol.catalogue, first.size(), first.size() + second.size());
    workers.finish();
    first.insert(first.end(), second.begin(), second.end());
    return summarise_suite(protocol, std::move(first));
}

}  // namespace optlab::experiment
