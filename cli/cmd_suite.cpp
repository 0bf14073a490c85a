// SPDX-License-Identifier: MIT
// `optlab suite [--problems LIST] [--optimizers LIST] [--budget N] [--seeds S] [--quick] [--out DIR]`
// Progress on stderr (problem, optimizer, phase, arm k of n, ETA): a line redrawn on a
// terminal, plain lines otherwise; the answer on stdout: winners and profile scores.
#include "cmd_suite.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "optlab/core/text.hpp"
#include "optlab/data/dataset.hpp"
#include "optlab/experiment/suite.hpp"
#include "optlab/optim/registry.hpp"
#ifdef OPTLAB_HAVE_MPI
#include "optlab/experiment/suite_mpi.hpp"
#endif

namespace optlab::cli {

namespace {

using namespace optlab::experiment;

struct SuiteFlags {
    std::string problems, optimizers, out = "suite", dataset = "fashion-mnist", data, progress = "auto";
    std::optional<int> budget, seeds;
    bool quick = false;
    int threads = 0;
};

std::vector<std::string> names(const std::string& list) {
    std::vector<std::string> out;
    for (auto part : split(list, ',')) out.emplace_back(part);
    return out;
}

std::string minutes(double seconds) {
    if (seconds < 0) return "--:--";
    const int s = int(seconds + 0.5);
    return fmt::format("{}:{:02d}", s / 60, s % 60);
}

int run_suite_command(const SuiteFlags& f) {
    SuiteProtocol protocol = SuiteProtocol::defaults(f.quick);
    if (!f.problems.empty()) protocol.problems = names(f.problems);
    if (f.optimizers == "all") {  // every optimizer of the registry, in its order
        protocol.optimizers.assign(optimizer_names().begin(), optimizer_names().end());
    } else if (!f.optimizers.empty()) {
        protocol.optimizers = names(f.optimizers);
    }
    if (f.budget) protocol.grid = *f.budget;
    if (f.seeds) protocol.seeds = *f.seeds;
    protocol.validate();
    const std::optional<TrainTest> images =
        load_suite_images(protocol, f.dataset, f.data, [](const std::string& s) { std::cerr << s << "\n"; });
#ifdef OPTLAB_HAVE_MPI
    std::optional<MpiSession> mpi;
    std::optional<MpiWorkers> ranks;
    if (launched_by_mpirun()) {
        mpi.emplace(nullptr, nullptr);
        ranks.emplace(*mpi, protocol.quick, images ? &*images : nullptr, f.threads);
        if (mpi->rank() != 0) {
            try {
                ranks->serve();
            } catch (const std::exception& e) {
                std::cerr << "optlab suite: rank " << mpi->rank() << ": error: " << e.what() << "\n";
                mpi->abort(2);
            }
            return 0;
        }
        std::cerr << "suite: " << mpi->size() << " MPI ranks\n";
    }
#endif
    const bool tty = f.progress == "bar" || (f.progress == "auto" && ::isatty(STDERR_FILENO));
    const bool quiet = f.progress == "none";
    SuiteObserver observer;
    observer.arm_started = [&](std::size_t k, std::size_t n, const SuiteArm& a, double left) {
        if (quiet) return;
        const std::string lr = a.lr ? "lr " + format_number(*a.lr) : "default lr";
        const std::string line = fmt::format("arm {}/{}  {:<19} {:<20} {:<7} {:<12} seed {}  ETA {}", k, n, a.problem,
                                             a.optimizer, a.phase, lr, a.seed, minutes(left));
        std::cerr << (tty ? "\r\033[K" + line : line + "\n") << std::flush;
    };
    LocalWorkers local(protocol.quick, images ? &*images : nullptr, f.threads);
    SuiteWorkers* workers = &local;
#ifdef OPTLAB_HAVE_MPI
    if (ranks) workers = &*ranks;
#endif
    SuiteResult r;
    try {
        r = run_suite(protocol, f.out, *workers, observer);
    } catch (const SuiteInterrupted& e) {
        std::cerr << (::isatty(STDERR_FILENO) ? "\r\033[K" : "") << "optlab " << e.what() << "\n";
#ifdef OPTLAB_HAVE_MPI
        if (mpi) mpi->abort(128 + e.signal());
#endif
        return 128 + e.signal();
    } catch (const std::exception& e) {
#ifdef OPTLAB_HAVE_MPI
        // The other ranks wait for rank 0's next stage: end them too.
        if (mpi) {
            std::cerr << "optlab: error: " << e.what() << "\n";
            mpi->abort(2);
        }
#endif
        throw;
    }
    if (tty && !quiet) std::cerr << "\r\033[K";
    write_suite(f.out, r);
    const std::size_t O = protocol.optimizers.size();
    std::cout << fmt::format("{:<20} {:<20} {:>12} {:>10}\n", "problem", "winner (tuned)", "test metric", "best lr");
    for (std::size_t p = 0; p < r.problems.size(); ++p) {
        for (std::size_t o = 0; o < O; ++o) {
            const SuiteRow& row = r.rows[p * O + o];
            if (row.rank != 1) continue;
            std::cout << fmt::format("{:<20} {:<20} {:>12.4g} {:>10.3g}\n", row.problem, row.optimizer, row.tuned_mean, row.best_lr);
        }
    }
    std::cout << "performance-profile score (iterations to target; 1 = fastest on every problem):\n";
    for (std::size_t o = 0; o < O; ++o) {
        std::cout << fmt::format("  {:<20} {:.3f}   (by seconds {:.3f})\n", protocol.optimizers[o], r.score_iterations[o],
                                 r.score_seconds[o]);
    }
    std::cout << (std::filesystem::path(f.out) / "suite.json").string() << "\n";
    return 0;
}

}  // namespace

void setup_suite(CLI::App& app, int& exit_code) {
    auto f = std::make_shared<SuiteFlags>();
    CLI::App* sub = app.add_subcommand(
        "suite", "Every optimizer on every problem: defaults, a tuned learning rate, seeds, time-to-target, "
                 "performance profiles (docs/suite.md)");
    sub->add_option("--problems", f->problems, "Comma-separated problems (default: every one; see `optlab problems`)");
    std::string default_optimizers;
    for (const std::string& o : SuiteProtocol::defaults(false).optimizers) {
        default_optimizers += (default_optimizers.empty() ? "" : ", ") + o;
    }
    sub->add_option("--optimizers", f->optimizers,
                    "Comma-separated optimizers, or 'all' for every registered one (default: " + default_optimizers + ")");
    sub->add_option("--budget", f->budget, "Learning rates in the tuning grid, log-spaced over [1e-4, 1] (default 5; --quick 3)")
        ->check(CLI::Range(1, 50));
    sub->add_option("--seeds", f->seeds, "Seeds per setting (default 3; --quick 2)")->check(CLI::Range(1, 20));
    sub->add_flag("--quick", f->quick, "Small budgets, a 3-point grid and 2 seeds: about a minute");
    sub->add_option("--out", f->out, "Results folder: one file per arm, suite.json, CSV and figures; rerun to resume")
        ->capture_default_str();
    sub->add_option("--dataset", f->dataset, "The image problems' dataset")->capture_default_str();
    sub->add_option("--data", f->data, "An MNIST-layout folder instead");
    sub->add_option("--threads", f->threads, "Threads per arm (default 0: all cores)")->check(CLI::Range(0, 4096));
    sub->add_option("--progress", f->progress, "auto (a redrawn line on a terminal), bar, lines or none")
        ->check(CLI::IsMember({"auto", "bar", "lines", "none"}))
        ->capture_default_str();
    sub->callback([f, &exit_code] { exit_code = run_suite_command(*f); });
}

}  // namespace optlab::cli
