// SPDX-License-Identifier: MIT
#include "optlab/report/report.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "optlab/core/error.hpp"
#include "optlab/experiment/experiments.hpp"
#include "optlab/experiment/suite.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/plot/gnuplot.hpp"
#include "optlab/report/explorable.hpp"
#include "optlab/report/html.hpp"
#include "optlab/core/text.hpp"

namespace optlab {

namespace {

using namespace experiment;

std::string esc(std::string_view s) { return html_escape(s); }

std::string fixed(double v, int digits) {
    if (!std::isfinite(v)) return "—";
    std::ostringstream ss;
    ss.setf(std::ios::fixed);
    ss.precision(digits);
    ss << v;
    return ss.str();
}

std::string figure(const std::string& stem, const std::string& caption) {
    return "<figure><a href=\"" + stem + ".svg\"><img src=\"" + stem + ".png\" alt=\"" + esc(caption) +
           "\"></a><figcaption>" + caption + " <span class=\"files\">(<a href=\"" + stem +
           ".svg\">SVG</a>)</span></figcaption></figure>\n";
}

std::string compare_table(const CompareResult& r) {
    std::string t = "<table><tr><th></th><th>lr</th><th>final loss (mean of the last 100 iterations)</th>"
                    "<th>smoothed loss at the end</th><th>test accuracy</th><th>ms / iteration</th></tr>\n";
    for (const auto& row : r.table) {
        t += "<tr><td>" + esc(row.label) + "</td><td>" + format_number(row.lr) + "</td><td>" +
             fixed(row.final_loss_mean, 4) + " ± " + fixed(row.final_loss_std, 4) + "</td><td>" +
             fixed(row.smoothed_last_mean, 4) + "</td><td>" + fixed(row.test_accuracy_mean, 4) + " ± " +
             fixed(row.test_accuracy_std, 4) + "</td><td>" + fixed(row.ms_per_iteration, 3) + "</td></tr>\n";
    }
    return t + "</table>\n";
}

const CompareRow* row_of(const CompareResult& r, const std::string& prefix) {
    for (const auto& row : r.table) {
        if (row.label.rfind(prefix, 0) == 0) return &row;
    }
    return nullptr;
}

// What the page says is computed from this run: the figures' numbers, gathered here.
struct Results {
    std::vector<Path> book;               // E1's paths (SGD, Momentum, AdaGrad, Adam)
    std::vector<LayerHistogram> hist;     // E3
    CompareSpec cs, is;                   // E2 and E4 as run
    CompareResult cr, ir;
    ReconstructionSpec rs;                // the autoencoder as run
    ReconstructionResult rr;
    SuiteResult suite;                    // the suite sized for the report
    std::string suite_dir;                // its folder, relative to the report
    bool quick = false;
    double seconds = 0;

    LayerHistogram layer(const std::string& act, const std::string& init, int l) const {
        for (const auto& h : hist) {
            if (h.activation == act && h.init == init && h.layer == l) return h;
        }
        return LayerHistogram{};
    }
};

int y_flips(const Path& p) {
    int n = 0;
    for (std::size_t k = 1; k < p.points.size(); ++k) n += (p.points[k][1] > 0) != (p.points[k - 1][1] > 0);
    return n;
}

const char* kHead = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>optlab report: which optimizer?</title>
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.7em}h2{margin-top:2em;border-bottom:1px solid #ccc}
figure{margin:1em 0}img{max-width:100%;border:1px solid #ddd}figcaption{color:#555;font-size:.9em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}code{background:#f4f4f4;padding:0 .2em}
.formulas h4{margin:.8em 0 .2em}.formulas .convention{font-weight:bold;margin:.3em 0 0}.formulas .script{display:none}.formulas math{display:inline math;margin-left:1em;overflow-x:auto;max-width:100%}.formulas mtd{text-align:left}.formulas .remark{color:#666;font-size:.85em}.files{font-size:.85em}.note{color:#555}
</style></head><body>
<h1>Which optimizer? — an optlab report</h1>
<p>Training is the search for the parameters that minimise a loss. This page runs the lecture's
experiments with optlab and shows what they answer: how the update rules move, how the initial
weights decide whether a network learns at all, and how the optimizers compare on real data.
Every figure has its data beside it as CSV; every number below comes from this run.</p>
)";

// The page counts its own loaded images (a headless browser reads the attribute).
const char* kFoot = R"(<script>
window.addEventListener('load', function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;
  document.body.setAttribute('data-images', ok + '/' + imgs.length);
});
</script>
</body></html>
)";

// ---- the sections ---------------------------------------------------------------------------

std::string paths_section(const Results& r, const std::string& figures) {
    return "<h2>1. How the update rules move</h2>\n<p>Paths on f(x, y) = x²/20 + y², whose curvature along y is 20 times "
           "that along x. SGD zig-zags across the ravine: its y changes sign " +
           std::to_string(y_flips(r.book[0])) + " times in 30 steps. Momentum rolls like a ball in a bowl and overshoots "
           "(it crosses y = 0 " + std::to_string(y_flips(r.book[1])) + " times, and x overshoots to " +
           fixed(r.book[1].points.back()[0], 2) + "); AdaGrad's steps shrink as its squared gradients accumulate, so it "
           "glides straight along the floor; Adam combines both. On this function AdaGrad looks best — but the "
           "answer depends on the problem and the hyper-parameters, which is why the next sections measure.</p>\n" +
           figures +
           "<p>In the ravine (Figure 3) the heavy ball damps the oscillation across the valley; with a shallow "
           "local minimum on the way (Figure 4) plain SGD stops in it while Momentum's speed carries it over the "
           "ridge into the deeper well.</p>\n" +
           "<h2>2. The update rules</h2>\n<p class=\"note\">Exactly as optlab computes them, in the order the "
           "code computes them: docs/optimizers.md's text, typeset. θ parameter, g gradient, γ learning rate, λ "
           "weight_decay, t the step; ±g is −g under maximize.</p>\n" + formulas_mathml();
}

std::string initial_weights_section(const Results& r) {
    std::string html =
        "<h2>3. Initial weights decide whether a network learns</h2>\n<p>Activations of five layers of 100 units "
        "for 1000 random inputs. With std 1, sigmoid activations pile up at 0 and 1 (layer 5: mean " +
        fixed(r.layer("sigmoid", "std=1", 5).mean, 3) + ", std " + fixed(r.layer("sigmoid", "std=1", 5).std, 3) +
        "), where the gradient vanishes; with std 0.01 they collapse onto 0.5 (std " +
        fixed(r.layer("sigmoid", "std=0.01", 5).std, 4) + "), so every unit says the same; Xavier (std 1/√n) keeps "
        "them spread (std " + fixed(r.layer("sigmoid", "xavier", 5).std, 3) + "). For ReLU, std 0.01 shrinks the "
        "signal layer by layer (mean " + fixed(r.layer("relu", "std=0.01", 1).mean, 4) + " in layer 1, " +
        fixed(r.layer("relu", "std=0.01", 5).mean, 8) + " in layer 5), while He (std √(2/n)) keeps every layer "
        "alike (std " + fixed(r.layer("relu", "he", 1).std, 3) + " in layer 1, " + fixed(r.layer("relu", "he", 5).std, 3) +
        " in layer 5). Xavier for sigmoid and tanh, He for ReLU.</p>\n";
    for (const char* act : {"sigmoid", "tanh", "relu"}) {
        html += figure("init-histogram-" + std::string(act), std::string("Activation histograms, ") + act + ".");
    }
    html += figure("init-compare", "Training loss under different initial weights (" +
                   std::to_string(r.is.iterations) + " iterations, " + std::to_string(r.is.seeds) + " seed(s)).");
    const CompareRow* he_relu = row_of(r.ir, "He");
    const CompareRow* small_relu = row_of(r.ir, "std=0.01");
    const CompareRow* zero_relu = row_of(r.ir, "std=0");
    if (he_relu && small_relu) {
        html += "<p>On Fashion-MNIST, std 0.01 barely learns: its loss stays at " + fixed(small_relu->smoothed_last_mean, 3) +
                " (ln 10 = 2.303 is a uniform guess) while He reaches " + fixed(he_relu->smoothed_last_mean, 3) + ".</p>\n";
    }
    const CompareRow* small_sigmoid = row_of(r.ir, "std=0.01, sigmoid");
    const CompareRow* xavier_sigmoid = row_of(r.ir, "Xavier (std 1/√n), sigmoid");
    if (small_sigmoid && xavier_sigmoid) {
        // What the sigmoid half shows depends on the run's length (--quick's 300 iterations are
        // too few for either to leave ln 10): say what the numbers say.
        const double gap = small_sigmoid->smoothed_last_mean - xavier_sigmoid->smoothed_last_mean;
        html += "<p>The sigmoid networks learn only with a larger step (SGD lr 1; at 0.01 every sigmoid curve is "
                "flat for 2000 iterations). ";
        html += gap > 0.3 ? "There Xavier's network reaches " + fixed(xavier_sigmoid->smoothed_last_mean, 3) +
                                " while std 0.01's stays at " + fixed(small_sigmoid->smoothed_last_mean, 3) +
                                ": its activations all sit at 0.5, so every unit says the same.</p>\n"
                          : "In this run neither has left ln 10 yet (std 0.01: " + fixed(small_sigmoid->smoothed_last_mean, 3) +
                                ", Xavier: " + fixed(xavier_sigmoid->smoothed_last_mean, 3) +
                                "); the full report's 2000 iterations separate them.</p>\n";
    }
    if (zero_relu) {
        html += "<p>With std 0 every weight starts equal: all units of a layer compute the same value and "
                "receive the same gradient, so they stay equal forever — the symmetry is never broken, and "
                "with ReLU the hidden signal is exactly zero. Its loss stays at " +
                fixed(zero_relu->smoothed_last_mean, 3) + ": the network only learns how often each class "
                "occurs. This is why weights start random.</p>\n";
    }
    return html + compare_table(r.ir);
}

std::string compare_section(const Results& r) {
    std::string html = "<h2>4. Which optimizer? Fashion-MNIST</h2>\n<p>The network 784-100-100-100-100-10 (ReLU, He), batch 128, " +
                       std::to_string(r.cs.iterations) + " iterations, " + std::to_string(r.cs.seeds) +
                       " seed(s), each optimizer at the book's defaults; the curves are smoothed as the book smooths them, "
                       "the band spans the seeds.</p>\n";
    html += figure("compare", "Training loss of each optimizer.");
    html += compare_table(r.cr);
    const CompareRow* sgd = row_of(r.cr, "SGD");
    const CompareRow* adam = row_of(r.cr, "Adam");
    const CompareRow* adagrad = row_of(r.cr, "AdaGrad");
    if (sgd && adam && adagrad) {
        html += "<p>SGD learns slowest (final loss " + fixed(sgd->final_loss_mean, 3) + "); Adam (" +
                fixed(adam->final_loss_mean, 3) + ") and AdaGrad (" + fixed(adagrad->final_loss_mean, 3) +
                ") are among the fastest. No optimizer wins every problem: the ranking depends on the learning "
                "rate and the network, so compare them at their best with <code>optlab compare --sweep "
                "lr=1e-4:1e-1:7</code>. In practice SGD (often with momentum) and Adam are the common choices.</p>\n";
    }
    return html;
}

std::string autoencoder_section(const Results& r) {
    const double ratio = r.rr.test_error / r.rr.mean_image_error;
    std::string html = "<h2>5. Another problem: an autoencoder</h2>\n<p>One network is not every problem "
                       "(<code>optlab problems</code> lists six). Here <code>fmnist-autoencoder</code> — 784-256-64-256-784, "
                       "ReLU, a sigmoid output, binary cross-entropy per pixel — squeezes each image through 64 numbers "
                       "and draws it back, after " + std::to_string(r.rs.iterations) + " iterations of Adam (lr " +
                       format_number(r.rs.lr) + ", batch " + std::to_string(r.rs.batch) + ").</p>\n";
    html += figure("reconstructions", "Test images (top) and the autoencoder's reconstructions (bottom).");
    html += "<p>Its mean squared error per pixel on the test set is " + fixed(r.rr.test_error, 4) +
            ", against " + fixed(r.rr.mean_image_error, 4) + " for the mean training image drawn for every test image: " +
            (ratio < 1 ? fixed(100 * (1 - ratio), 0) + "% lower." : "not lower: this run did not learn.") + "</p>\n";
    return html;
}

// ---- which optimizer, across problems ------------------------------------------------------

std::string label_of(const std::string& optimizer) { return std::string(optimizer_info(optimizer).label); }

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    }
    return out;
}

// The sentences say what the suite's numbers say, whatever they are; each claim carries its
// numbers in data- attributes, which report_test recomputes from the arms.
std::string suite_section(const Results& r) {
    const SuiteResult& s = r.suite;
    const std::size_t O = s.protocol.optimizers.size();
    std::string html = "<h2>6. Which optimizer, across problems?</h2>\n<p>The lecture's conclusion, measured: " +
                       std::to_string(O) + " optimizers on " + std::to_string(s.problems.size()) +
                       " problems of different character (<code>optlab suite</code>, docs/suite.md). Each optimizer ran at its "
                       "defaults on every seed, then at " + std::to_string(s.protocol.grid) +
                       " learning rates on seed 1, and at the best of them (by the validation metric) on every seed (" +
                       std::to_string(s.protocol.seeds) + " seeds" + (s.protocol.quick ? ", short budgets" : "") +
                       "). The table gives each optimizer's tuned test metric, mean over seeds, and its rank; the winner is "
                       "bold, ≈ marks a seed range that overlaps the winner's.</p>\n";
    html += "<table class=\"suite\"><tr><th>problem (metric)</th>";
    for (const auto& o : s.protocol.optimizers) html += "<th>" + esc(label_of(o)) + "</th>";
    html += "</tr>\n";
    for (std::size_t p = 0; p < s.problems.size(); ++p) {
        const SuiteProblem& problem = s.problems[p];
        html += "<tr><td>" + esc(problem.name) + " (" + esc(problem.metric) + (problem.lower_is_better ? ", lower" : ", higher") +
                " is better)</td>";
        for (std::size_t o = 0; o < O; ++o) {
            const SuiteRow& row = s.rows[p * O + o];
            if (!row.applicable) {
                html += "<td>n/a</td>";
                continue;
            }
            const std::string value = fixed(row.tuned_mean, problem.metric == "accuracy" ? 3 : 4) + " (" + std::to_string(row.rank) + ")";
            html += std::string("<td>") + (row.rank == 1 ? "<b>" + value + "</b>" : (row.tied ? "≈ " : "") + value) + "</td>";
        }
        html += "</tr>\n";
    }
    html += "</table>\n";
    html += figure(r.suite_dir + "/suite-ranks", "Ranks per problem (1 = best tuned test metric).");
    html += figure(r.suite_dir + "/suite-profile",
                   "Performance profiles: the share of problems each optimizer reaches the problem's target within τ times "
                   "the fastest optimizer's iterations (left) or seconds (right); the legend gives each one's score.");

    // 1. Who wins where.
    std::map<std::string, std::vector<std::string>> won;  // winner → problems
    std::string marks;
    for (std::size_t p = 0; p < s.problems.size(); ++p) {
        won[s.winners[p]].push_back(s.problems[p].name);
        marks += "<span class=\"winner\" data-problem=\"" + s.problems[p].name + "\" data-winner=\"" + s.winners[p] + "\"></span>";
    }
    std::string findings = "<p class=\"suite-findings\" data-distinct-winners=\"" + std::to_string(won.size()) + "\">" + marks;
    if (won.size() == 1) {
        findings += "<b>" + esc(label_of(won.begin()->first)) + " wins every problem</b> here, tuned. ";
    } else {
        findings += "<b>No optimizer wins every problem</b>: ";
        std::vector<std::string> parts;
        for (const auto& [optimizer, problems] : won) parts.push_back(esc(label_of(optimizer)) + " wins " + join_names(problems));
        for (std::size_t i = 0; i < parts.size(); ++i) findings += (i ? "; " : "") + parts[i];
        findings += ". ";
    }
    // 2. The best time-to-target score, and whether the ranking changes with the problem: the
    //    optimizer whose rank moves the most across problems.
    std::size_t best = 0;
    for (std::size_t o = 1; o < O; ++o) best = s.score_iterations[o] > s.score_iterations[best] ? o : best;
    findings += "<span class=\"best-score\" data-optimizer=\"" + s.protocol.optimizers[best] + "\"></span>By time to the targets " +
                esc(label_of(s.protocol.optimizers[best])) + " scores highest (" + fixed(s.score_iterations[best], 2) + " of 1). ";
    std::size_t widest = 0;
    int widest_lo = 0, widest_hi = 0;
    std::string lo_problem, hi_problem;
    for (std::size_t o = 0; o < O; ++o) {
        int lo = 1 << 30, hi = 0;
        std::string lp, hp;
        for (std::size_t p = 0; p < s.problems.size(); ++p) {
            const SuiteRow& row = s.rows[p * O + o];
            if (!row.applicable) continue;
            if (row.rank < lo) lo = row.rank, lp = s.problems[p].name;
            if (row.rank > hi) hi = row.rank, hp = s.problems[p].name;
        }
        if (hi > 0 && hi - lo > widest_hi - widest_lo) widest = o, widest_lo = lo, widest_hi = hi, lo_problem = lp, hi_problem = hp;
    }
    findings += "<span class=\"widest\" data-optimizer=\"" + (widest_hi > 0 ? s.protocol.optimizers[widest] : std::string()) +
                "\" data-rank-low=\"" + std::to_string(widest_lo) + "\" data-rank-high=\"" + std::to_string(widest_hi) + "\"></span>";
    findings += widest_hi > widest_lo
                    ? "The ranking changes with the problem: " + esc(label_of(s.protocol.optimizers[widest])) + " ranks " +
                          std::to_string(widest_lo) + " on " + lo_problem + " but " + std::to_string(widest_hi) + " on " +
                          hi_problem + ". "
                    : "Every optimizer holds the same rank on every problem. ";
    // 3. Did tuning matter? The best tuned optimizer against the best optimizer at its defaults.
    int tuning_won = 0;
    for (std::size_t p = 0; p < s.problems.size(); ++p) {
        const bool lower = s.problems[p].lower_is_better;
        double best_default = lower ? INFINITY : -INFINITY, winner_worst = NAN;
        for (std::size_t o = 0; o < O; ++o) {
            const SuiteRow& row = s.rows[p * O + o];
            if (std::isfinite(row.default_mean)) best_default = lower ? std::min(best_default, row.default_mean) : std::max(best_default, row.default_mean);
            if (row.rank == 1) winner_worst = lower ? row.tuned_max : row.tuned_min;
        }
        tuning_won += lower ? winner_worst < best_default : winner_worst > best_default;
    }
    findings += "<span class=\"tuning\" data-problems=\"" + std::to_string(tuning_won) + "\"></span>";
    findings += tuning_won == 0 ? "Tuning the learning rate did not beat the best default anywhere: on every problem one "
                                  "optimizer's defaults were as good as the tuned winner's worst seed."
                                : "Tuning the learning rate mattered on " + std::to_string(tuning_won) + " of " +
                                      std::to_string(s.problems.size()) +
                                      " problems: there even the tuned winner's worst seed beats every optimizer at its defaults.";
    html += findings + "</p>\n<p class=\"note\">Data: <a href=\"" + r.suite_dir + "/suite.json\">suite.json</a>, <a href=\"" +
            r.suite_dir + "/suite-table.csv\">suite-table.csv</a>, one file per run in <code>" + r.suite_dir +
            "/arms/</code>; learning-rate sensitivity in <a href=\"" + r.suite_dir + "/suite-lr.svg\">suite-lr</a>, curves in <a href=\"" +
            r.suite_dir + "/suite-curves.svg\">suite-curves</a>.</p>\n";
    return html;
}

std::string files_section(const std::filesystem::path& dir) {
    std::string html = "<h2>Files</h2>\n<p>Every figure's data: ";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() == ".csv") html += "<a href=\"" + name + "\">" + name + "</a> ";
    }
    return html + "</p>\n";
}

// E1's four figures, their HTML, and the book's paths the text quotes.
std::string trajectory_figures(const std::filesystem::path& dir, Results& r) {
    std::string html;
    for (auto [preset, caption] : {std::pair{"book", "Figure 1. The book's comparison (E1)."},
                                   std::pair{"lecture", "Figure 2. The lecture's six optimizers."},
                                   std::pair{"ravine-momentum", "Figure 3. SGD without and with momentum in a ravine."},
                                   std::pair{"local-minima", "Figure 4. Momentum and a local minimum."}}) {
        const TrajectorySpec spec = trajectory_preset(preset);
        const std::vector<Path> paths = run_trajectories(spec);
        write_trajectories(dir / ("trajectories-" + std::string(preset)), spec, paths);
        html += figure("trajectories-" + std::string(preset), caption);
        if (std::string(preset) == "book") r.book = paths;
    }
    return html;
}

}  // namespace

std::filesystem::path write_report(const ReportOptions& o, const std::function<void(const std::string&)>& log) {
    const auto started = std::chrono::steady_clock::now();
    auto say = [&](const std::string& s) {
        if (log) {
            const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            log("[" + std::to_string(int(t)) + " s] " + s);
        }
    };
    const std::filesystem::path dir = o.out;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir)) throw IoError(o.out + ": cannot create the report folder");

    Results r;
    r.quick = o.quick;
    say("1/7 optimizer paths on 2-D functions");
    const std::string trajectories_html = trajectory_figures(dir, r);
    say("2/7 activation histograms");
    const HistogramSpec hs;
    r.hist = run_init_histogram(hs);
    write_init_histogram(dir / "init-histogram", hs, r.hist);
    say("3/7 loading Fashion-MNIST");
    const TrainTest data = o.data.empty() ? load_named_dataset(o.dataset) : load_mnist_folder(o.data);
    // The report's settings on a preset: threads, and in quick mode 300 iterations, one seed.
    auto for_report = [&](CompareSpec spec) {
        spec.threads = o.threads;
        if (o.quick) {
            spec.iterations = 300;
            spec.seeds = 1;
        }
        return spec;
    };
    say("4/7 optimizers on Fashion-MNIST");
    r.cs = for_report(compare_preset());
    r.cr = run_compare(r.cs, data, [&](const std::string& s) { say("compare" + s); });
    write_compare(dir / "compare", r.cs, r.cr, "Optimizers on Fashion-MNIST", 1.2);
    say("5/7 initial weights on Fashion-MNIST");
    r.is = for_report(init_compare_preset());
    r.ir = run_compare(r.is, data, [&](const std::string& s) { say("init-compare" + s); });
    write_compare(dir / "init-compare", r.is, r.ir, "Initial weights on Fashion-MNIST (SGD: lr 0.01 for ReLU, lr 1 for sigmoid)", 2.5);
    say("6/7 an autoencoder on Fashion-MNIST");
    r.rs.threads = o.threads;
    if (o.quick) r.rs.iterations = 300;
    r.rr = run_reconstructions(r.rs, data);
    write_reconstructions(dir / "reconstructions", r.rr);
    say("7/7 which optimizer, across problems (optlab suite)");
    {
        // The quick suite (every problem, every default optimizer, short budgets); --quick: three
        // problems that load fast and four optimizers.
        SuiteProtocol protocol = SuiteProtocol::defaults(true);
        if (o.quick) {
            protocol.problems = {"quadratic", "fmnist-logreg", "words-charlm"};
            protocol.optimizers = {"sgd", "momentum", "adam", "lion"};
        }
        r.suite_dir = o.quick ? "suite-quick" : "suite";
        const TrainTest images = suite_images(data, true);
        LocalWorkers workers(true, &images, o.threads);
        SuiteObserver observer;
        std::size_t shown = 0;
        observer.arm_started = [&](std::size_t k, std::size_t n, const SuiteArm&, double) {
            if (k * 10 / n != shown) say("suite: arm " + std::to_string(k) + " of " + std::to_string(n)), shown = k * 10 / n;
        };
        r.suite = run_suite(protocol, dir / r.suite_dir, workers, observer);
        write_suite(dir / r.suite_dir, r.suite);
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    const std::string html = std::string(kHead) + "<p class=\"note\">" +
                             (o.quick ? "Quick mode: 300 iterations and one seed per run. " : "") + "Generated in " +
                             std::to_string(int(r.seconds)) + " s.</p>\n" + explorable_section() + paths_section(r, trajectories_html) +
                             initial_weights_section(r) + compare_section(r) + autoencoder_section(r) + suite_section(r) + files_section(dir) + kFoot;
    const auto index = dir / "index.html";
    write_text(index, html);
    say("wrote " + index.string());
    return index;
}

}  // namespace optlab
