// SPDX-License-Identifier: MIT
// The lecture's experiments E1-E4 (experiment/experiments.hpp).
#include "optlab/experiment/experiments.hpp"

#include <algorithm>
#include <chrono>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>

#include "optlab/core/error.hpp"
#include "optlab/core/rng.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/report/plot.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/nn/network.hpp"

namespace optlab::experiment {

namespace {

std::string num(double v) { return to_string(HyperValue(v)); }

double parse_number(std::string_view s, const std::string& where) {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
        throw InvalidArgument(where + ": '" + std::string(s) + "' is not a finite number");
    }
    return v;
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto at = s.find(sep, start);
        out.emplace_back(s.substr(start, at - start));
        if (at == std::string_view::npos) break;
        start = at + 1;
    }
    return out;
}

const std::map<std::string, std::string>& labels() {
    static const std::map<std::string, std::string> m = {
        {"sgd", "SGD"}, {"momentum", "Momentum"}, {"nag", "NAG"}, {"adagrad", "AdaGrad"},
        {"rmsprop", "RMSprop"}, {"adadelta", "AdaDelta"}, {"adam", "Adam"}, {"adamw", "AdamW"},
        {"amsgrad", "AMSGrad"}, {"nadam", "NAdam"}, {"adamax", "Adamax"}, {"radam", "RAdam"},
        {"lion", "Lion"}};
    return m;
}

Arm arm(const std::string& name, double lr, const std::string& label = "") {
    Arm a;
    a.optimizer = name;
    a.hyper["lr"] = lr;
    a.label = label.empty() ? labels().at(name) + " (lr " + num(lr) + ")" : label;
    return a;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) throw IoError(path.string() + ": cannot write");
}

}  // namespace

std::vector<Arm> parse_arms(std::string_view list) {
    std::vector<Arm> arms;
    for (const std::string& item : split(list, ',')) {
        const auto colon = item.find(':');
        Arm a;
        a.optimizer = item.substr(0, colon);
        if (!labels().contains(a.optimizer)) {
            throw InvalidArgument("optimizers: unknown name '" + a.optimizer + "' in '" + std::string(list) + "'");
        }
        std::string label = labels().at(a.optimizer);
        if (colon != std::string::npos) {
            for (const std::string& kv : split(item.substr(colon + 1), ';')) {
                const auto eq = kv.find('=');
                if (eq == std::string::npos) {
                    throw InvalidArgument("optimizers: '" + kv + "' in '" + item + "' is not KEY=VALUE");
                }
                const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
                if (value == "true" || value == "false") {
                    a.hyper[key] = value == "true";
                } else if (value.find('/') != std::string::npos) {
                    const auto parts = split(value, '/');
                    if (parts.size() != 2) throw InvalidArgument("optimizers: '" + kv + "' expects A/B");
                    a.hyper[key] = Betas{parse_number(parts[0], key), parse_number(parts[1], key)};
                } else {
                    a.hyper[key] = parse_number(value, "optimizers " + key);
                }
                label += (label.find('(') == std::string::npos ? " (" : ", ") + key + " " + value;
            }
            if (label.find('(') != std::string::npos) label += ")";
        }
        a.label = label;
        arms.push_back(std::move(a));
    }
    return arms;
}

// ---- E1 -------------------------------------------------------------------------------------

TrajectorySpec trajectory_preset(std::string_view name) {
    TrajectorySpec s;
    if (name == "book") {
        s.title = "Optimizer paths (the book's comparison)";
        s.arms = {arm("sgd", 0.95), arm("momentum", 0.1), arm("adagrad", 1.5), arm("adam", 0.3)};
    } else if (name == "lecture") {
        s.title = "Optimizer comparison (the lecture's six panels)";
        s.arms = {arm("sgd", 0.95), arm("momentum", 0.1), arm("nag", 0.08),
                  arm("adagrad", 1.5), arm("rmsprop", 0.2), arm("adam", 0.3)};
        s.columns = 3;
        s.x_range = {-15, 15};
        s.y_range = {-5, 5};
    } else if (name == "ravine-momentum") {
        s.title = "SGD without and with momentum in a ravine";
        s.arms = {arm("sgd", 0.95, "(a) SGD without momentum (lr 0.95)"),
                  arm("momentum", 0.1, "(b) SGD with momentum 0.9 (lr 0.1)")};
        s.y_range = {-5, 5};
    } else if (name == "local-minima") {
        s.title = "Momentum rolls out of a local minimum where SGD stops";
        s.function = "local-minima";
        s.start = function_2d("local-minima").start;
        s.steps = 200;
        s.arms = {arm("sgd", 0.03, "SGD (lr 0.03): stops in the shallow well"),
                  arm("momentum", 0.03, "Momentum 0.9 (lr 0.03): rolls on to the deeper one")};
        s.x_range = {-3.5, 3.5};
        s.y_range = {-2, 2};
    } else {
        throw InvalidArgument("trajectories: unknown preset '" + std::string(name) +
                              "' (expected book, lecture, ravine-momentum or local-minima)");
    }
    return s;
}

std::vector<Path> run_trajectories(const TrajectorySpec& spec) {
    const Function2d& fn = function_2d(spec.function);
    if (spec.steps < 0) throw_invalid("trajectories", "steps", spec.steps, "an integer >= 0");
    std::vector<Path> paths;
    for (const Arm& a : spec.arms) {
        ParamStore<double> store;
        store.add("xy", {2});
        auto opt = make_optimizer<double>(a.optimizer, store, a.hyper, spec.convention);
        auto xy = store.param("xy");
        auto g = store.grad("xy");
        xy[0] = spec.start[0];
        xy[1] = spec.start[1];
        Path p{a, {{xy[0], xy[1]}}, {fn.value(xy[0], xy[1])}};
        for (int k = 0; k < spec.steps; ++k) {
            const Point2 grad = fn.gradient(xy[0], xy[1]);
            g[0] = grad[0];
            g[1] = grad[1];
            opt->step();
            if (!std::isfinite(xy[0]) || !std::isfinite(xy[1])) break;  // diverged: stop drawing
            p.points.push_back({xy[0], xy[1]});
            p.f.push_back(fn.value(xy[0], xy[1]));
        }
        paths.push_back(std::move(p));
    }
    return paths;
}

void write_trajectories(const std::filesystem::path& stem, const TrajectorySpec& spec,
                        const std::vector<Path>& paths) {
    const Function2d& fn = function_2d(spec.function);
    std::string csv = "arm,optimizer,step,x,y,f\n";
    for (std::size_t a = 0; a < paths.size(); ++a) {
        for (std::size_t k = 0; k < paths[a].points.size(); ++k) {
            csv += std::to_string(a) + "," + paths[a].arm.optimizer + "," + std::to_string(k) + "," +
                   num(paths[a].points[k][0]) + "," + num(paths[a].points[k][1]) + "," + num(paths[a].f[k]) + "\n";
        }
    }
    write_text(stem.string() + ".csv", csv);
    const int cols = std::max(1, std::min<int>(spec.columns, int(paths.size())));
    const int rows = int((paths.size() + cols - 1) / cols);
    std::string gp;
    gp += "f(x,y) = " + std::string(fn.gnuplot) + "\n";
    // Contours of sign(f)·log(1+|f|): even spacing for gentle bowls and steep valleys alike.
    gp += "g(x,y) = sgn(f(x,y)) * log(1 + abs(f(x,y)))\n";
    // The paths go in as datablocks (whitespace-separated, like gnuplot's contour tables).
    for (std::size_t a = 0; a < paths.size(); ++a) {
        gp += "$path" + std::to_string(a) + " << EOD\n";
        for (const Point2& q : paths[a].points) gp += num(q[0]) + " " + num(q[1]) + "\n";
        gp += "EOD\n";
    }
    gp += "set isosamples 120,120\nset samples 120,120\n";
    gp += "set xrange [" + num(spec.x_range[0]) + ":" + num(spec.x_range[1]) + "]\n";
    gp += "set yrange [" + num(spec.y_range[0]) + ":" + num(spec.y_range[1]) + "]\n";
    gp += "set table " + gnuplot_string(stem.filename().string() + "-contours.dat") +
          "\nset contour base\nunset surface\nset cntrparam levels 14\nset view map\n"
          "splot g(x,y)\nunset table\nunset contour\n";
    gp += "set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) + " title " +
          gnuplot_string(spec.title + " — " + std::string(fn.formula) + ", start (" +
                         num(spec.start[0]) + ", " + num(spec.start[1]) + "), " +
                         std::to_string(spec.steps) + " steps, " + std::string(to_string(spec.convention)) +
                         " convention") + "\n";
    gp += "set xlabel 'x'\nset ylabel 'y'\nunset key\n";
    for (std::size_t a = 0; a < paths.size(); ++a) {
        gp += "set title " + gnuplot_string(paths[a].arm.label) + "\n";
        gp += "plot " + gnuplot_string(stem.filename().string() + "-contours.dat") +
              " using 1:2 with lines lc rgb '#9aa7b8' lw 0.8, \\\n";
        for (const Point2& m : fn.minima) {
            gp += "     '+' using (" + num(m[0]) + "):(" + num(m[1]) + ") every ::0::0 with points pt 1 ps 2 lc rgb 'black', \\\n";
        }
        gp += "     $path" + std::to_string(a) + " using 1:2 with linespoints pt 7 ps 0.5 lc rgb '#d62728' lw 1.5\n";
    }
    gp += "unset multiplot\n";
    plot_png_svg(stem, gp, 520 * cols, 430 * rows + 40);
}

// ---- E2 and E4 ------------------------------------------------------------------------------

CompareSpec compare_preset() {
    CompareSpec s;
    s.arms = {arm("sgd", 0.01), arm("momentum", 0.01), arm("nag", 0.01), arm("adagrad", 0.01),
              arm("rmsprop", 0.01), arm("adadelta", 1.0), arm("adam", 0.001)};
    return s;
}

CompareSpec init_compare_preset() {
    CompareSpec s;
    // std 0 first: every unit of a layer computes the same and receives the same update, so the
    // symmetry is never broken and the network learns nothing beyond the class frequencies.
    Arm zero = arm("sgd", 0.01);
    zero.init = "zeros";
    zero.label = "std=0 (all zero), relu";
    s.arms.push_back(zero);
    for (const char* act : {"relu", "sigmoid"}) {
        for (auto [init, name] : {std::pair{"std=0.01", "std=0.01"}, std::pair{"lecun", "Xavier (std 1/√n)"},
                                  std::pair{"he", "He (std √(2/n))"}}) {
            Arm a = arm("sgd", 0.01);
            a.init = init;
            a.activation = act;
            a.label = std::string(name) + ", " + act;
            s.arms.push_back(a);
        }
    }
    return s;
}

std::vector<double> smooth_curve(const std::vector<double>& x) {
    // The book's common/util.py: window_len 11, Kaiser β = 2, mirror padding, 'valid'
    // convolution, then y[5:len(y)-5].
    const int window = 11;
    if (x.size() < std::size_t(window)) return x;
    auto i0 = [](double v) {  // modified Bessel function of the first kind, order 0
        double sum = 1, term = 1;
        for (int k = 1; k < 50; ++k) {
            term *= (v / (2 * k)) * (v / (2 * k));
            sum += term;
        }
        return sum;
    };
    std::vector<double> w(window);
    const double beta = 2.0;
    for (int n = 0; n < window; ++n) {
        const double r = 2.0 * n / (window - 1) - 1.0;
        w[n] = i0(beta * std::sqrt(1 - r * r)) / i0(beta);
    }
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    for (double& v : w) v /= total;
    // s = r_[x[window-1:0:-1], x, x[-1:-window:-1]]: 10 mirrored values on each side
    std::vector<double> s;
    for (int i = window - 1; i >= 1; --i) s.push_back(x[std::size_t(i)]);
    s.insert(s.end(), x.begin(), x.end());
    for (int i = 1; i <= window - 1; ++i) s.push_back(x[x.size() - i]);
    std::vector<double> y;
    for (std::size_t i = 0; i + window <= s.size(); ++i) {
        double acc = 0;
        for (int k = 0; k < window; ++k) acc += w[k] * s[i + k];  // the window is symmetric
        y.push_back(acc);
    }
    return std::vector<double>(y.begin() + 5, y.end() - 5);
}

namespace {

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }
double std_of(const std::vector<double>& v) {
    const double m = mean_of(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return v.size() > 1 ? std::sqrt(s / double(v.size() - 1)) : 0.0;
}

CompareRow summarise(const std::string& label, double lr, const std::vector<const CompareRun*>& runs) {
    CompareRow row;
    row.label = label;
    row.lr = lr;
    std::vector<double> fl, acc, smooth_last, ms;
    for (const CompareRun* r : runs) {
        fl.push_back(r->final_loss);
        acc.push_back(r->test_accuracy);
        smooth_last.push_back(smooth_curve(r->loss).back());
        ms.push_back(r->ms_per_iteration);
    }
    row.final_loss_mean = mean_of(fl);
    row.final_loss_std = std_of(fl);
    row.smoothed_last_mean = mean_of(smooth_last);
    row.test_accuracy_mean = mean_of(acc);
    row.test_accuracy_std = std_of(acc);
    row.ms_per_iteration = mean_of(ms);
    return row;
}

}  // namespace

namespace {

// The book's protocol (ch06/optimizer_compare_mnist.py): every iteration draws one batch with
// replacement — the same batches for every optimizer of a seed — updates, and records the loss
// on that batch after the update. A non-finite loss or gradient skips the update and records
// NaN: a diverging learning rate in a sweep is a result, not an error.
CompareRun run_book_protocol(const CompareSpec& spec, const Arm& a, const HyperParams& hyper,
                             std::uint64_t seed, const TrainTest& data) {
    nn::NetSpec net_spec;
    net_spec.sizes = nn::parse_net_sizes(spec.net);
    net_spec.activation = nn::parse_activation(a.activation);
    if (net_spec.sizes.front() != data.train.features || net_spec.sizes.back() != data.classes) {
        throw InvalidArgument("compare: net " + spec.net + " does not fit the data (" +
                              std::to_string(data.train.features) + " inputs, " +
                              std::to_string(data.classes) + " classes)");
    }
    if (spec.batch == 0 || spec.batch > data.train.count) {
        throw_invalid("compare", "batch", double(spec.batch), "1.." + std::to_string(data.train.count));
    }
    nn::Network<float> net(net_spec, spec.batch, seed + 2);
    Rng init_rng(seed);
    net.init(parse_init(a.init, nn::nonlinearity_of(net_spec.activation)), init_rng);
    auto opt = make_optimizer<float>(a.optimizer, net.store(), hyper, spec.convention);
    Rng batch_rng(seed + 1000);
    std::vector<std::uint32_t> order(spec.batch);
    std::vector<float> x(spec.batch * data.train.features);
    std::vector<std::uint8_t> y(spec.batch);
    CompareRun run;
    run.seed = seed;
    double seconds = 0;
    for (std::int64_t it = 0; it < spec.iterations; ++it) {
        for (auto& i : order) i = std::uint32_t(batch_rng.below(data.train.count));
        gather_batch(data.train, order, 0, spec.batch, x.data(), y.data());
        const auto t0 = std::chrono::steady_clock::now();
        opt->zero_grad();
        net.forward(x.data(), spec.batch, true);
        const double before = net.loss(y.data(), spec.batch);
        net.backward(y.data(), spec.batch);
        bool finite = std::isfinite(before);
        for (float g : net.store().grads()) finite = finite && std::isfinite(g);
        double after = NAN;
        if (finite) {
            opt->step();
            net.forward(x.data(), spec.batch, true);
            after = net.loss(y.data(), spec.batch);
        }
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        run.loss.push_back(after);
    }
    std::vector<std::uint32_t> all(data.test.count);
    std::iota(all.begin(), all.end(), 0u);
    std::size_t correct = 0;
    for (std::size_t begin = 0; begin < data.test.count; begin += spec.batch) {
        const std::size_t rows = std::min(spec.batch, data.test.count - begin);
        gather_batch(data.test, all, begin, rows, x.data(), y.data());
        net.forward(x.data(), rows, false);
        correct += net.count_correct(y.data(), rows);
    }
    run.test_accuracy = double(correct) / double(data.test.count);
    run.ms_per_iteration = 1e3 * seconds / double(spec.iterations);
    const std::size_t tail = std::min<std::size_t>(100, run.loss.size());
    run.final_loss = std::accumulate(run.loss.end() - std::ptrdiff_t(tail), run.loss.end(), 0.0) / double(tail);
    return run;
}

}  // namespace

CompareResult run_compare(const CompareSpec& spec, const TrainTest& data, const Log& log) {
    if (spec.iterations < 1) throw_invalid("compare", "iterations", double(spec.iterations), "an integer >= 1");
    if (spec.seeds < 1) throw_invalid("compare", "seeds", spec.seeds, "an integer >= 1");
    if (spec.sweep && !(spec.sweep->at(0) > 0 && spec.sweep->at(0) < spec.sweep->at(1))) {
        throw InvalidArgument("compare: sweep range needs 0 < LO < HI");
    }
    if (spec.sweep && spec.sweep_points < 2) throw_invalid("compare", "sweep points", spec.sweep_points, ">= 2");
    CompareResult result;
    const int threads = spec.threads > 0 ? spec.threads : num_threads();
    set_num_threads(threads);
    std::size_t done = 0;
    const std::size_t lrs = spec.sweep ? std::size_t(spec.sweep_points) : 1;
    const std::size_t total = spec.arms.size() * lrs * std::size_t(spec.seeds);
    const auto started = std::chrono::steady_clock::now();
    for (const Arm& a : spec.arms) {
        std::vector<double> grid;
        if (spec.sweep) {
            for (int i = 0; i < spec.sweep_points; ++i) {
                const double t = double(i) / (spec.sweep_points - 1);
                grid.push_back(spec.sweep->at(0) * std::pow(spec.sweep->at(1) / spec.sweep->at(0), t));
            }
        } else {
            grid.push_back(a.hyper.contains("lr") ? std::get<double>(a.hyper.at("lr"))
                                                  : optimizer_defaults(a.optimizer, spec.convention).count("lr")
                                                        ? std::get<double>(optimizer_defaults(a.optimizer, spec.convention).at("lr"))
                                                        : 0.0);
        }
        std::optional<CompareRow> best;
        for (double lr : grid) {
            std::vector<const CompareRun*> runs;
            const std::size_t first = result.runs.size();
            for (int seed = 1; seed <= spec.seeds; ++seed) {
                HyperParams hyper = a.hyper;
                hyper["lr"] = lr;
                CompareRun run = run_book_protocol(spec, a, hyper, std::uint64_t(seed), data);
                run.label = a.label;
                run.lr = lr;
                result.runs.push_back(std::move(run));
                ++done;
                if (log) {
                    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
                    log("  " + a.label + (spec.sweep ? " lr " + num(lr) : "") + ", seed " + std::to_string(seed) +
                        ": final loss " + num(std::round(result.runs.back().final_loss * 1e4) / 1e4) + ", test accuracy " +
                        num(result.runs.back().test_accuracy) + "  [" + std::to_string(done) + "/" +
                        std::to_string(total) + ", ETA " + std::to_string(int(elapsed / double(done) * double(total - done))) + " s]");
                }
            }
            for (std::size_t i = first; i < result.runs.size(); ++i) runs.push_back(&result.runs[i]);
            CompareRow row = summarise(a.label, lr, runs);
            if (spec.sweep) result.sweep.push_back(row);
            if (!best || (std::isfinite(row.final_loss_mean) &&
                          !(best->final_loss_mean <= row.final_loss_mean))) {
                best = row;
            }
        }
        result.table.push_back(*best);
    }
    return result;
}

void write_compare(const std::filesystem::path& stem, const CompareSpec& spec,
                   const CompareResult& result, const std::string& title, double y_max) {
    // Per arm (at its best lr): smoothed curves of every seed → mean, min, max per iteration.
    std::vector<std::vector<std::vector<double>>> curves(result.table.size());
    for (std::size_t t = 0; t < result.table.size(); ++t) {
        for (const CompareRun& r : result.runs) {
            if (r.label == result.table[t].label && r.lr == result.table[t].lr) curves[t].push_back(smooth_curve(r.loss));
        }
    }
    std::string csv = "iteration";
    for (const auto& row : result.table) {
        std::string l = row.label;
        std::replace(l.begin(), l.end(), ',', ';');
        csv += "," + l + " mean," + l + " min," + l + " max";
    }
    csv += "\n";
    for (std::int64_t i = 0; i < spec.iterations; ++i) {
        csv += std::to_string(i);
        for (const auto& seeds : curves) {
            double lo = INFINITY, hi = -INFINITY, sum = 0;
            for (const auto& c : seeds) {
                lo = std::min(lo, c[std::size_t(i)]);
                hi = std::max(hi, c[std::size_t(i)]);
                sum += c[std::size_t(i)];
            }
            csv += "," + num(sum / double(seeds.size())) + "," + num(lo) + "," + num(hi);
        }
        csv += "\n";
    }
    write_text(stem.string() + "-curves.csv", csv);
    std::string runs = "label,lr,seed,final_loss,test_accuracy,ms_per_iteration\n";
    for (const auto& r : result.runs) {
        std::string l = r.label;
        std::replace(l.begin(), l.end(), ',', ';');
        runs += l + "," + num(r.lr) + "," + std::to_string(r.seed) + "," + num(r.final_loss) + "," +
                num(r.test_accuracy) + "," + num(r.ms_per_iteration) + "\n";
    }
    write_text(stem.string() + "-runs.csv", runs);
    auto table_csv = [&](const std::vector<CompareRow>& rows) {
        std::string t = "label,lr,final_loss_mean,final_loss_std,smoothed_last,test_accuracy_mean,test_accuracy_std,ms_per_iteration\n";
        for (const auto& r : rows) {
            std::string l = r.label;
            std::replace(l.begin(), l.end(), ',', ';');
            t += l + "," + num(r.lr) + "," + num(r.final_loss_mean) + "," + num(r.final_loss_std) + "," +
                 num(r.smoothed_last_mean) + "," + num(r.test_accuracy_mean) + "," + num(r.test_accuracy_std) +
                 "," + num(r.ms_per_iteration) + "\n";
        }
        return t;
    };
    write_text(stem.string() + "-table.csv", table_csv(result.table));
    if (!result.sweep.empty()) write_text(stem.string() + "-sweep.csv", table_csv(result.sweep));

    std::string gp = "set datafile separator ','\nset key top right box opaque\nset grid\n";
    gp += "set title " + gnuplot_string(title + " — " + std::to_string(spec.seeds) + " seeds, mean and min-max band") + "\n";
    gp += "set xlabel 'iteration'\nset ylabel 'training loss (smoothed)'\n";
    gp += "set yrange [0:" + num(y_max) + "]\nset xrange [0:" + std::to_string(spec.iterations - 1) + "]\n";
    const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    const std::string data = gnuplot_string(stem.filename().string() + "-curves.csv");
    gp += "plot ";
    for (std::size_t t = 0; t < result.table.size(); ++t) {
        const std::string col = colors[t % 10];
        const int c = int(2 + 3 * t);
        gp += data + " every ::1 using 1:" + std::to_string(c + 1) + ":" + std::to_string(c + 2) +
              " with filledcurves lc rgb '" + col + "' fs transparent solid 0.2 notitle, \\\n     ";
        gp += data + " every ::1 using 1:" + std::to_string(c) + " with lines lw 2 lc rgb '" + col + "' title " +
              gnuplot_string(result.table[t].label) + (t + 1 < result.table.size() ? ", \\\n     " : "\n");
    }
    plot_png_svg(stem, gp, 900, 560);
}

// ---- E3 -------------------------------------------------------------------------------------

std::vector<LayerHistogram> run_init_histogram(const HistogramSpec& spec) {
    if (spec.layers < 1 || spec.nodes < 1 || spec.samples < 1 || spec.bins < 1) {
        throw InvalidArgument("init-histogram: layers, nodes, samples and bins must be >= 1");
    }
    std::vector<LayerHistogram> out;
    const std::size_t n = std::size_t(spec.nodes), rows = std::size_t(spec.samples);
    for (const std::string& act : spec.activations) {
        if (act != "sigmoid" && act != "tanh" && act != "relu") {
            throw InvalidArgument("init-histogram: activation '" + act + "' (expected sigmoid, tanh or relu)");
        }
        for (const std::string& init : spec.inits) {
            double scale;
            if (init == "xavier") scale = std::sqrt(1.0 / double(n));
            else if (init == "he") scale = std::sqrt(2.0 / double(n));
            else if (init.rfind("std=", 0) == 0) scale = parse_number(init.substr(4), "init-histogram init");
            else throw InvalidArgument("init-histogram: init '" + init + "' (expected std=S, xavier or he)");
            Rng rng(spec.seed);
            std::vector<double> x(rows * n), a(rows * n), w(n * n);
            for (double& v : x) v = rng.normal();
            for (int layer = 1; layer <= spec.layers; ++layer) {
                for (double& v : w) v = rng.normal() * scale;
                for (std::size_t r = 0; r < rows; ++r) {  // a = x·w, no bias
                    for (std::size_t j = 0; j < n; ++j) a[r * n + j] = 0;
                    for (std::size_t k = 0; k < n; ++k) {
                        const double xv = x[r * n + k];
                        for (std::size_t j = 0; j < n; ++j) a[r * n + j] += xv * w[k * n + j];
                    }
                }
                for (double& v : a) {
                    v = act == "sigmoid" ? 1 / (1 + std::exp(-v)) : act == "tanh" ? std::tanh(v) : std::max(0.0, v);
                }
                LayerHistogram h;
                h.activation = act;
                h.init = init;
                h.layer = layer;
                h.lo = act == "tanh" ? -1.0 : 0.0;
                h.hi = 1.0;
                h.counts.assign(std::size_t(spec.bins), 0);
                double sum = 0, sq = 0;
                std::size_t outside = 0;
                for (double v : a) {
                    sum += v;
                    sq += v * v;
                    if (v < h.lo || v > h.hi) {
                        ++outside;
                        continue;
                    }
                    const std::size_t b = std::min(std::size_t(spec.bins) - 1,
                                                   std::size_t((v - h.lo) / (h.hi - h.lo) * spec.bins));
                    ++h.counts[b];
                }
                const double m = sum / double(a.size());
                h.mean = m;
                h.std = std::sqrt(std::max(0.0, sq / double(a.size()) - m * m));
                h.outside = double(outside) / double(a.size());
                out.push_back(h);
                x = a;
            }
        }
    }
    return out;
}

void write_init_histogram(const std::filesystem::path& stem, const HistogramSpec& spec,
                          const std::vector<LayerHistogram>& result) {
    std::string csv = "activation,init,layer,bin,lo,hi,count,mean,std,outside\n";
    for (const auto& h : result) {
        for (std::size_t b = 0; b < h.counts.size(); ++b) {
            const double w = (h.hi - h.lo) / double(h.counts.size());
            csv += h.activation + "," + h.init + "," + std::to_string(h.layer) + "," + std::to_string(b) + "," +
                   num(h.lo + w * double(b)) + "," + num(h.lo + w * double(b + 1)) + "," +
                   std::to_string(h.counts[b]) + "," + num(h.mean) + "," + num(h.std) + "," + num(h.outside) + "\n";
        }
    }
    write_text(stem.string() + ".csv", csv);
    for (const std::string& act : spec.activations) {
        const std::string file = stem.filename().string() + ".csv";
        std::string gp = "set datafile separator ','\nset style fill solid 0.8 border lc rgb 'white'\nunset key\n";
        gp += "set multiplot layout " + std::to_string(spec.inits.size()) + "," + std::to_string(spec.layers) +
              " title " + gnuplot_string("Activations of " + std::to_string(spec.layers) + " layers of " +
                                         std::to_string(spec.nodes) + " " + act + " units, " +
                                         std::to_string(spec.samples) + " random inputs (" +
                                         std::to_string(spec.bins) + " bins)") + "\n";
        gp += "set tics font ',7'\nset format y '%.0s%c'\n";
        for (const std::string& init : spec.inits) {
            for (int layer = 1; layer <= spec.layers; ++layer) {
                const LayerHistogram* h = nullptr;
                for (const auto& x : result) {
                    if (x.activation == act && x.init == init && x.layer == layer) h = &x;
                }
                if (!h) continue;
                gp += "set title \"" + init + ", layer " + std::to_string(layer) + "\\nmean " +
                      num(std::round(h->mean * 1e3) / 1e3) + ", std " + num(std::round(h->std * 1e3) / 1e3) +
                      "\" font ',8'\n";
                gp += "set xrange [" + num(h->lo) + ":" + num(h->hi) + "]\n";
                gp += "plot " + gnuplot_string(file) + " every ::1 using ((strcol(1) eq '" + act +
                      "' && strcol(2) eq '" + init + "' && $3 == " + std::to_string(layer) +
                      ") ? ($5+$6)/2 : NaN):7:($6-$5) with boxes lc rgb '#1f77b4'\n";
            }
        }
        gp += "unset multiplot\n";
        plot_png_svg(stem.string() + "-" + act, gp, 1100, 210 * int(spec.inits.size()) + 50);
    }
}

}  // namespace optlab::experiment
