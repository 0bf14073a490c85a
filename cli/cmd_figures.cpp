// SPDX-License-Identifier: MIT
#include "cmd_figures.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>

#include "optimizer_flags.hpp"
#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/experiment/experiments.hpp"
#include "optlab/report/explorable.hpp"
#include "optlab/report/report.hpp"

namespace optlab::cli {

namespace {

using namespace optlab::experiment;

void say(const std::string& s) { std::cerr << s << "\n"; }

std::filesystem::path out_dir(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir)) {
        throw IoError(dir + ": cannot create the output directory" + (ec ? ": " + ec.message() : ""));
    }
    return dir;
}

TrainTest load_data(const std::string& dataset, const std::string& dir) {
    return dir.empty() ? load_named_dataset(dataset) : load_mnist_folder(dir);
}

struct TrajectoryFlags {
    std::string preset = "book", function, optimizers, start, out = "figures", name;
    std::optional<int> steps;
    std::optional<std::string> convention;
    std::string grid;  // "lecture": the six-panel variant
};

struct CompareFlags {
    std::string dataset = "fashion-mnist", data, out = "figures", optimizers, sweep, convention = "book";
    std::string net = "784-100-100-100-100-10";
    std::size_t batch = 128;
    std::int64_t iterations = 2000;
    int seeds = 3, threads = 0;
};

// --sweep lr=LO:HI:N: N learning rates, log-spaced over [LO, HI].
std::optional<std::array<double, 2>> parse_sweep(const std::string& s, int& points) {
    if (s.empty()) return std::nullopt;
    const std::string form = "--sweep '" + s + "': expected lr=LO:HI:N with 0 < LO < HI and N >= 2, e.g. lr=1e-4:1e-1:7";
    const std::vector<std::string_view> parts = split(s.starts_with("lr=") ? std::string_view(s).substr(3) : "", ':');
    if (parts.size() != 3) throw InvalidArgument(form);
    const double lo = parse_number(parts[0], "--sweep LO"), hi = parse_number(parts[1], "--sweep HI");
    points = int(parse_integer(parts[2], "--sweep N", 2, 1000));
    if (!(lo > 0 && lo < hi)) throw InvalidArgument(form);
    return std::array<double, 2>{lo, hi};
}

// ---- optlab plot trajectories ---------------------------------------------------------------
void setup_plot(CLI::App& app, int& exit_code) {
    CLI::App* plot = app.add_subcommand("plot", "Draw a figure (PNG and SVG, with its CSV)");
    plot->require_subcommand(1);
    auto t = std::make_shared<TrajectoryFlags>();
    CLI::App* traj = plot->add_subcommand("trajectories", "Optimizer paths over the contours of a 2-D function");
    traj->add_option("--preset", t->preset, "book (E1), lecture (six panels), ravine-momentum, local-minima")->capture_default_str();
    traj->add_option("--grid", t->grid, "lecture: the lecture's six-panel comparison (same as --preset lecture)")
        ->check(CLI::IsMember({"book", "lecture"}));
    traj->add_option("--function", t->function, "Override the preset's function");
    traj->add_option("--optimizers", t->optimizers, "Override the arms: NAME[:KEY=VALUE;...],... e.g. sgd:lr=0.95,adam:lr=0.3");
    traj->add_option("--start", t->start, "X,Y");
    traj->add_option("--steps", t->steps, "Updates per path")->check(CLI::Range(0, 1000000));
    traj->add_option("--convention", t->convention, "torch, keras or book (the presets use book)")->check(CLI::IsMember({"torch", "keras", "book"}));
    traj->add_option("--out", t->out, "Output folder")->capture_default_str();
    traj->add_option("--name", t->name, "File stem (default: trajectories-<preset>)");
    traj->callback([t, &exit_code] {
        const std::string preset = t->grid.empty() ? t->preset : t->grid;
        TrajectorySpec spec = trajectory_preset(preset);
        if (!t->function.empty()) {
            spec.function = t->function;
            const Function2d& f = function_2d(t->function);
            spec.start = f.start;
            spec.x_range = f.x_range;
            spec.y_range = f.y_range;
        }
        if (!t->optimizers.empty()) spec.arms = parse_arms(t->optimizers);
        if (!t->start.empty()) spec.start = parse_pair(t->start, "--start");
        if (t->steps) spec.steps = *t->steps;
        if (t->convention) spec.convention = parse_convention(*t->convention);
        const auto dir = out_dir(t->out);
        const std::string what = !t->function.empty() ? t->function : preset;
        const std::string stem = t->name.empty() ? "trajectories-" + what : t->name;
        write_trajectories(dir / stem, spec, run_trajectories(spec));
        std::cout << (dir / (stem + ".png")).string() << "\n";
        exit_code = 0;
    });
}

// ---- optlab compare / init-compare ----------------------------------------------------------
void add_compare(CLI::App& app, int& exit_code, const char* name, const char* help, bool init_variant) {
    auto f = std::make_shared<CompareFlags>();
    if (init_variant) f->convention = "book";
    CLI::App* sub = app.add_subcommand(name, help);
    sub->add_option("--dataset", f->dataset, "fashion-mnist")->capture_default_str();
    sub->add_option("--data", f->data, "An MNIST-layout folder instead");
    sub->add_option("--iterations", f->iterations, "Updates per run")->check(CLI::Range(std::int64_t(1), std::int64_t(100000000)))->capture_default_str();
    sub->add_option("--seeds", f->seeds, "Runs per optimizer, seeds 1..N")->check(CLI::Range(1, 1000))->capture_default_str();
    sub->add_option("--net", f->net, "Layer sizes")->capture_default_str();
    sub->add_option("--batch", f->batch, "Mini-batch size")->check(CLI::Range(std::size_t(1), std::size_t(1) << 20))->capture_default_str();
    sub->add_option("--threads", f->threads, "Threads (default: all cores)");
    sub->add_option("--out", f->out, "Output folder")->capture_default_str();
    sub->add_option("--convention", f->convention, "torch, keras or book")->check(CLI::IsMember({"torch", "keras", "book"}))->capture_default_str();
    if (!init_variant) {
        sub->add_option("--optimizers", f->optimizers, "NAME[:KEY=VALUE;...],... (default: the book's seven at their defaults)");
        sub->add_option("--sweep", f->sweep, "lr=LO:HI:N: run each optimizer over N log-spaced learning rates and compare them at their best");
    }
    sub->callback([f, &exit_code, init_variant, name] {
        CompareSpec spec = init_variant ? init_compare_preset() : compare_preset();
        if (!f->optimizers.empty()) spec.arms = parse_arms(f->optimizers);
        spec.iterations = f->iterations;
        spec.net = f->net;
        spec.batch = f->batch;
        spec.seeds = f->seeds;
        spec.threads = f->threads;
        spec.convention = parse_convention(f->convention);
        spec.sweep = parse_sweep(f->sweep, spec.sweep_points);
        const auto dir = out_dir(f->out);
        say(std::string(name) + ": loading data");
        const TrainTest data = load_data(f->dataset, f->data);
        const CompareResult r = run_compare(spec, data, say);
        const std::string stem = name;
        write_compare(dir / stem, spec, r,
                      init_variant ? "Initial weights on Fashion-MNIST (SGD: lr 0.01 for ReLU, lr 1 for sigmoid)" : "Optimizers on Fashion-MNIST",
                      init_variant ? 2.5 : 1.2);
        std::cout << fmt::format("{:<34} {:>9} {:>16} {:>15} {:>10}\n", "", "lr", "final loss", "test accuracy", "ms/iter");
        for (const auto& row : r.table) {
            std::cout << fmt::format("{:<34} {:>9.3g} {:>8.4f} ± {:<6.4f} {:>8.4f} ± {:<5.3f} {:>8.3f}\n", row.label, row.lr,
                                     row.final_loss_mean, row.final_loss_std, row.test_accuracy_mean,
                                     row.test_accuracy_std, row.ms_per_iteration);
        }
        std::cout << (dir / (stem + ".png")).string() << "\n";
        exit_code = 0;
    });
}

// ---- optlab init-histogram, report and playground -------------------------------------------------------
void setup_histogram_and_report(CLI::App& app, int& exit_code) {
    auto h = std::make_shared<std::pair<HistogramSpec, std::string>>();
    h->second = "figures";
    CLI::App* hist = app.add_subcommand("init-histogram", "Activation histograms of 5 layers per initializer (E3)");
    hist->add_option("--layers", h->first.layers, "Layers")->check(CLI::Range(1, 100))->capture_default_str();
    hist->add_option("--nodes", h->first.nodes, "Units per layer")->check(CLI::Range(1, 10000))->capture_default_str();
    hist->add_option("--samples", h->first.samples, "Random inputs")->check(CLI::Range(1, 1000000))->capture_default_str();
    hist->add_option("--bins", h->first.bins, "Histogram bins")->check(CLI::Range(1, 1000))->capture_default_str();
    hist->add_option("--seed", h->first.seed, "Seed")->capture_default_str();
    hist->add_option("--out", h->second, "Output folder")->capture_default_str();
    hist->callback([h, &exit_code] {
        const auto dir = out_dir(h->second);
        write_init_histogram(dir / "init-histogram", h->first, run_init_histogram(h->first));
        std::cout << (dir / "init-histogram-relu.png").string() << "\n";
        exit_code = 0;
    });

    // ---- optlab report ----
    auto rep = std::make_shared<ReportOptions>();
    CLI::App* report = app.add_subcommand("report", "Run every figure and write one HTML page (optlab's main job)");
    report->add_option("--out", rep->out, "Output folder")->capture_default_str();
    report->add_flag("--quick", rep->quick, "Fewer iterations and one seed: about a minute");
    report->add_option("--dataset", rep->dataset, "fashion-mnist")->capture_default_str();
    report->add_option("--data", rep->data, "An MNIST-layout folder instead");
    report->add_option("--threads", rep->threads, "Threads (default: all cores)");
    auto report_lang = std::make_shared<std::string>("en");
    report->add_option("--lang", *report_lang, "The page's language: en (English) or ko (Korean: text and figures)")
        ->capture_default_str();
    report->callback([rep, report_lang, &exit_code] {
        rep->lang = parse_lang(*report_lang);
        const std::filesystem::path index = write_report(*rep, say);
        std::cout << index.string() << "\n";
        exit_code = 0;
    });

    // ---- optlab playground ----
    auto playground_out = std::make_shared<std::string>("playground");
    CLI::App* playground = app.add_subcommand(
        "playground", "Write the explorable alone: optimizer paths, live and offline, in one HTML page");
    playground->add_option("--out", *playground_out, "Output folder (writes index.html)")->capture_default_str();
    auto playground_lang = std::make_shared<std::string>("en");
    playground->add_option("--lang", *playground_lang, "The page's language: en (English) or ko (Korean)")->capture_default_str();
    playground->footer("The page runs optlab's optimizers compiled to WebAssembly: its paths are optlab "
                       "trajectory's numbers.\nIt needs a build configured with emscripten's emcc (docs/explorable.md).");
    playground->callback([playground_out, playground_lang, &exit_code] {
        std::cout << write_playground(*playground_out, parse_lang(*playground_lang)).string() << "\n";
        exit_code = 0;
    });
}

}  // namespace

void setup_figures(CLI::App& app, int& exit_code) {
    setup_plot(app, exit_code);
    add_compare(app, exit_code, "compare", "Optimizers on Fashion-MNIST over several seeds (E2), with an optional lr sweep", false);
    add_compare(app, exit_code, "init-compare",
                "Training loss with std 0.01, Xavier and He initial weights, ReLU and sigmoid (E4)", true);
    setup_histogram_and_report(app, exit_code);
}

}  // namespace optlab::cli
