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
#include "findings.hpp"
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

// What the page says is computed from this run: the figures' numbers, gathered here.
struct Results {
    std::vector<Path> book;               // E1's paths (SGD, Momentum, AdaGrad, Adam)
    std::vector<Path> ravine, local;      // Figures 3 and 4: SGD without and with momentum
    std::vector<LayerHistogram> hist;     // E3
    CompareSpec cs, is;                   // E2 and E4 as run
    CompareResult cr, ir;
    ReconstructionSpec rs;                // the autoencoder as run
    ReconstructionResult rr;
    SuiteResult suite;                    // the suite sized for the report
    std::string suite_dir;                // its folder, relative to the report
    bool quick = false;
    double seconds = 0;
    double label_entropy = 0;             // of Fashion-MNIST's training labels

    LayerHistogram layer(const std::string& act, const std::string& init, int l) const {
        for (const auto& h : hist) {
            if (h.activation == act && h.init == init && h.layer == l) return h;
        }
        return LayerHistogram{};
    }
};

// A sentence of the page that claims something about the data: its verdict and identity as
// attributes, which report_test recomputes from the run's files with code of its own.
std::string claim(const std::string& id, bool holds, const std::string& text, const std::string& attributes = "") {
    return "<span class=\"claim\" data-claim=\"" + id + "\" data-holds=\"" + (holds ? "true" : "false") + "\"" + attributes +
           ">" + text + "</span>";
}

std::string count(int n, const std::string& one, const std::string& many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "crosses the valley floor 4 times" / "never crosses the valley floor"
std::string crossings(int n) { return n == 0 ? "never crosses the valley floor" : "crosses the valley floor " + count(n, "time", "times"); }

// Three significant digits, for values of any size (a spread of 1e-5, a ratio of 30 000).
std::string sig(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

// A label without its settings: "AdaGrad (lr 1.5)" → "AdaGrad".
std::string short_label(const std::string& label) { return label.substr(0, label.find(" (")); }

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

const findings::PathFacts* facts_of(const std::vector<findings::PathFacts>& facts, const std::string& optimizer) {
    for (const auto& f : facts) {
        if (f.optimizer == optimizer) return &f;
    }
    return nullptr;
}

std::string paths_section(const Results& r, const std::string& figures) {
    using findings::PathFacts;
    const std::vector<PathFacts> ranked = findings::by_final_loss(r.book);
    const PathFacts* sgd = facts_of(ranked, "sgd");
    const PathFacts* momentum = facts_of(ranked, "momentum");
    const PathFacts* adagrad = facts_of(ranked, "adagrad");
    const PathFacts* adam = facts_of(ranked, "adam");
    std::string html = "<h2>1. How the update rules move</h2>\n<p>Paths on f(x, y) = x²/20 + y², whose curvature along y is 20 "
                       "times that along x, from (−7, 2) at the book's learning rates; the minimum is (0, 0). ";
    if (sgd && momentum && adagrad && adam) {
        const std::string steps = std::to_string(sgd->steps) + " steps";
        html += claim("sgd-zigzag", sgd->zig_zags(),
                      sgd->zig_zags() ? "SGD zig-zags across the ravine: its y changes sign " + count(sgd->y_flips, "time", "times") +
                                            " in " + steps + "."
                                      : "SGD's y changes sign only " + count(sgd->y_flips, "time", "times") + " in " + steps +
                                            ": it hardly zig-zags here.") + " ";
        const bool calmer = momentum->y_flips < sgd->y_flips;
        html += claim("momentum-calmer", calmer,
                      "Momentum, the lecture's ball rolling in a bowl, " + crossings(momentum->y_flips) +
                          (calmer ? ", fewer than SGD," : ", no fewer than SGD,")) + " ";
        html += claim("momentum-overshoots", momentum->max_x > 0,
                      momentum->max_x > 0 ? "and its speed carries it past the minimum along x, to x = " + fixed(momentum->max_x, 2) + "."
                                          : "and never passes the minimum's x = 0 (it gets to x = " + fixed(momentum->max_x, 2) + ").") + " ";
        const bool shrinks = adagrad->shrinking_steps == adagrad->steps - 1;
        html += claim("adagrad-shrinks", shrinks,
                      (shrinks ? "AdaGrad's steps shrink at every step" : "AdaGrad's steps shrink on only " +
                                     std::to_string(adagrad->shrinking_steps) + " of " + std::to_string(adagrad->steps - 1) + " steps") +
                          std::string(" as its squared gradients accumulate (from ") + fixed(adagrad->first_step, 3) + " to " +
                          sig(adagrad->last_step) + "), and it " + crossings(adagrad->y_flips) + ".") + " ";
        html += "Adam, Momentum and AdaGrad in one rule, " + crossings(adam->y_flips) +
                (adam->max_x > 0 ? " and passes x = 0, to x = " + fixed(adam->max_x, 2) : " and stays left of x = 0") + ". ";
        std::string order, ids;
        for (std::size_t i = 0; i < ranked.size(); ++i) {
            order += (i ? ", " : "") + esc(short_label(ranked[i].label)) + " (f = " + fixed(ranked[i].final_f, 4) + ")";
            ids += (i ? "," : "") + ranked[i].optimizer;
        }
        const bool lecture = ranked.front().optimizer == "adagrad";
        html += claim("book-winner", lecture,
                      "After " + steps + " their losses rank them " + order + ": " +
                          (lecture ? "AdaGrad ends lowest, so on this function AdaGrad looks best, as the lecture says."
                                   : esc(short_label(ranked.front().label)) + " ends lowest, not AdaGrad, which the lecture says looks best here."),
                      " data-order=\"" + ids + "\"") +
                " The answer depends on the problem and the hyper-parameters, which is why the next sections measure.";
    }
    html += "</p>\n" + figures + "<p>";
    if (r.ravine.size() == 2) {
        const PathFacts plain = findings::path_facts(r.ravine[0]), heavy = findings::path_facts(r.ravine[1]);
        const bool damped = heavy.y_flips < plain.y_flips;
        html += claim("ravine-damped", damped,
                      "In the ravine (Figure 3) SGD's y changes sign " + count(plain.y_flips, "time", "times") + ", with momentum " +
                          count(heavy.y_flips, "time", "times") + ": " +
                          (damped ? "the heavy ball damps the oscillation across the valley."
                                  : "here the heavy ball does not damp the oscillation across the valley.")) + " ";
    }
    if (r.local.size() == 2) {
        const findings::Wells w = findings::local_minima_wells();
        const PathFacts plain = findings::path_facts(r.local[0]), heavy = findings::path_facts(r.local[1]);
        auto where = [&](const PathFacts& f) {
            return "x = " + fixed(f.final_x, 2) + (f.final_x > w.ridge ? ", in the shallow well" : ", in the deeper well");
        };
        const bool lecture = plain.final_x > w.ridge && heavy.final_x < w.ridge;
        html += claim("local-minima", lecture,
                      "With a shallow local minimum on the way (Figure 4: x⁴/4 − 2x² + x + y², whose wells are at x = " +
                          fixed(w.shallow, 2) + " and, deeper, x = " + fixed(w.deep, 2) + ", with a ridge at x = " + fixed(w.ridge, 2) +
                          "), after " + std::to_string(plain.steps) + " steps SGD ends at " + where(plain) + ", Momentum at " +
                          where(heavy) + (lecture ? ": Momentum's speed carried it over the ridge where SGD stopped."
                                                  : ": not the lecture's picture of a ball rolling over the ridge this time."));
    }
    html += "</p>\n";
    return html + "<h2>2. The update rules</h2>\n<p class=\"note\">Exactly as optlab computes them, in the order the "
                  "code computes them: docs/optimizers.md's text, typeset. θ parameter, g gradient, γ learning rate, λ "
                  "weight_decay, t the step; ±g is −g under maximize.</p>\n" + formulas_mathml();
}

std::string percent(double share) { return fixed(100 * share, 0) + "%"; }

std::string histogram_sentences(const Results& r) {
    const findings::InitHistogramVerdicts v = findings::init_histogram_verdicts(r.hist);
    std::string html;
    const char* names[2] = {"sigmoid", "tanh"};
    const char* ends[2] = {"0 and 1", "−1 and 1"};
    const char* centres[2] = {"0.5", "0"};
    for (int a = 0; a < 2; ++a) {
        const auto large = findings::histogram_facts(r.hist, names[a], "std=1");
        const auto small = findings::histogram_facts(r.hist, names[a], "std=0.01");
        const auto xavier = findings::histogram_facts(r.hist, names[a], "xavier");
        if (!large.layer5 || !small.layer5 || !xavier.layer5) continue;
        const std::string act = names[a];
        html += claim(act + "-std1-piles-up", v.piles_up[a],
                      std::string(a == 0 ? "With std 1, sigmoid" : "Tanh behaves alike: with std 1 its") + " activations " +
                          (v.piles_up[a] ? "pile up at " : "do not pile up at ") + ends[a] + " (" + percent(large.end_share) +
                          " of layer 5 in the two end bins)" + (v.piles_up[a] && a == 0 ? ", where the gradient vanishes;" : ";")) + " ";
        html += claim(act + "-small-collapses", v.collapses[a],
                      std::string("with std 0.01 they ") + (v.collapses[a] ? "collapse onto " : "do not collapse onto ") + centres[a] +
                          " (mean " + sig(small.layer5->mean) + ", std " + sig(small.layer5->std) + ")" +
                          (v.collapses[a] && a == 0 ? ", so every unit says the same;" : ";")) + " ";
        html += claim(act + "-xavier-spreads", v.spreads[a],
                      std::string("Xavier (std 1/√n) ") + (v.spreads[a] ? "keeps them spread" : "does not keep them spread by this measure") +
                          " (std " + sig(xavier.layer5->std) + ", " + sig(xavier.layer5->std / small.layer5->std) +
                          "× std 0.01's, " + percent(xavier.end_share) + " in the end bins).") + " ";
    }
    const LayerHistogram small1 = r.layer("relu", "std=0.01", 1), small5 = r.layer("relu", "std=0.01", 5);
    const LayerHistogram xavier1 = r.layer("relu", "xavier", 1), xavier5 = r.layer("relu", "xavier", 5);
    const LayerHistogram he1 = r.layer("relu", "he", 1), he5 = r.layer("relu", "he", 5);
    html += claim("relu-small-shrinks", v.relu_small_shrinks,
                  std::string("For ReLU, std 0.01 ") +
                      (v.relu_small_shrinks ? "shrinks the signal layer by layer, at least " + sig(v.relu_small_factor) + "× per layer"
                                            : "does not shrink the signal " + fixed(findings::kShrinkFactor, 0) + "× at every layer") +
                      " (mean " + sig(small1.mean) + " in layer 1, " + sig(small5.mean) + " in layer 5);") + " ";
    html += claim("relu-xavier-narrows", v.relu_xavier_narrows,
                  std::string("Xavier's layers ") + (v.relu_xavier_narrows ? "narrow with depth" : "do not narrow at every layer") +
                      " (std " + fixed(xavier1.std, 3) + " in layer 1, " + fixed(xavier5.std, 3) + " in layer 5);") + " ";
    html += claim("relu-he-alike", v.relu_he_alike,
                  std::string("He (std √(2/n)) ") +
                      (v.relu_he_alike ? "keeps every layer alike" : "lets its layers' spreads differ by more than " +
                                                                        fixed(findings::kAlikeFactor, 0) + "×") +
                      " (std " + fixed(he1.std, 3) + " in layer 1, " + fixed(he5.std, 3) + " in layer 5).") + " ";
    html += claim("init-rule", v.lecture_rule_holds(),
                  v.lecture_rule_holds() ? "The histograms bear out the lecture's rule: Xavier for sigmoid and tanh, He for ReLU."
                                         : "Not every histogram bears out the lecture's rule, Xavier for sigmoid and tanh and He for "
                                           "ReLU: the sentences above say which.");
    return html;
}

std::string initial_weights_section(const Results& r) {
    std::string html =
        "<h2>3. Initial weights decide whether a network learns</h2>\n<p>Activations of five layers of 100 units for 1000 "
        "random inputs, without training (the criteria behind each sentence are in docs/figures.md). " +
        histogram_sentences(r) + "</p>\n";
    for (const char* act : {"sigmoid", "tanh", "relu"}) {
        html += figure("init-histogram-" + std::string(act), std::string("Activation histograms, ") + act + ".");
    }
    html += figure("init-compare", "Training loss under different initial weights (" +
                   std::to_string(r.is.iterations) + " iterations, " + std::to_string(r.is.seeds) + " seed(s)).");
    const std::string ln10 = "ln 10 = " + fixed(std::log(10.0), 3);
    const std::string band = fixed(findings::kFlatBand, 2);
    const std::string iterations = std::to_string(r.is.iterations) + " iterations";
    const findings::CurveFacts zero = findings::curve_facts(r.ir, "std=0 ");
    const findings::CurveFacts small = findings::curve_facts(r.ir, "std=0.01, relu");
    const findings::CurveFacts xavier = findings::curve_facts(r.ir, "Xavier (std 1/√n), relu");
    const findings::CurveFacts he = findings::curve_facts(r.ir, "He (std √(2/n)), relu");
    html += "<p>";
    if (small.row && he.row) {
        html += claim("relu-small-flat", small.flat,
                      small.flat ? "On Fashion-MNIST, std 0.01 does not learn with ReLU: its smoothed loss stays within " + band + " of " +
                                       ln10 + " (a uniform guess over the ten classes) for all " + iterations + ", ending at " +
                                       fixed(small.end, 3) + ", while He's reaches " + fixed(he.end, 3) + "."
                                 : "On Fashion-MNIST, std 0.01's loss leaves " + ln10 + " with ReLU (it ends at " + fixed(small.end, 3) +
                                       "; He's at " + fixed(he.end, 3) + ").") + " ";
    }
    if (xavier.row && he.row) {
        const bool lecture = he.end < xavier.end;
        html += claim("relu-he-below-xavier", lecture,
                      lecture ? "He ends below Xavier (" + fixed(he.end, 3) + " against " + fixed(xavier.end, 3) +
                                    "), as the lecture advises for ReLU."
                              : "Xavier ends below He here (" + fixed(xavier.end, 3) + " against " + fixed(he.end, 3) +
                                    "), against the lecture's advice for ReLU.") + " ";
    }
    const findings::CurveFacts small_sigmoid = findings::curve_facts(r.ir, "std=0.01, sigmoid");
    const findings::CurveFacts xavier_sigmoid = findings::curve_facts(r.ir, "Xavier (std 1/√n), sigmoid");
    if (small_sigmoid.row && xavier_sigmoid.row) {
        // Which of four cases the run shows: the lecture's (Xavier learns, std 0.01 stays at
        // ln 10), both learn, neither has left ln 10 yet (a short run), or the reverse.
        const bool x = xavier_sigmoid.learned(), s = small_sigmoid.learned();
        const std::string numbers = "Xavier " + fixed(xavier_sigmoid.end, 3) + ", std 0.01 " + fixed(small_sigmoid.end, 3);
        std::string text, which;
        if (x && small_sigmoid.flat) {
            which = "lecture";
            text = "There Xavier's network learns (its smoothed loss ends at " + fixed(xavier_sigmoid.end, 3) +
                   ") while std 0.01's stays within " + band + " of ln 10 (" + fixed(small_sigmoid.end, 3) +
                   "): its activations all sit at 0.5, so every unit says the same.";
        } else if (x && s) {
            which = "both";
            text = "There both learn (" + numbers + ").";
        } else if (!x && !s) {
            which = "neither";
            text = "In this run's " + iterations + " neither has left ln 10 yet (" + numbers + ").";
        } else {
            which = x ? "xavier" : "small";
            text = x ? "There Xavier's network learns (" + numbers + ") and std 0.01's leaves ln 10 without staying flat."
                     : "There std 0.01's network learns and Xavier's does not (" + numbers + "), against the lecture.";
        }
        html += "The sigmoid networks train with a larger step, SGD lr " + format_number(kSigmoidLr) + ". " +
                claim("sigmoid-xavier-learns", which == "lecture", text, " data-case=\"" + which + "\"") + " ";
    }
    if (zero.row) {
        const bool prior = std::abs(zero.end - r.label_entropy) <= findings::kPriorBand;
        html += claim("zero-prior", prior,
                      "With std 0 every weight starts equal: all units of a layer compute the same value and receive the same "
                      "gradient, so they stay equal, and with ReLU the hidden signal is exactly zero. " +
                          (prior ? "Its loss stays at " + fixed(zero.end, 3) + ", within " + fixed(findings::kPriorBand, 2) +
                                       " of the entropy of the class frequencies (" + fixed(r.label_entropy, 3) +
                                       "): the network only learns how often each class occurs. This is why weights start random."
                                 : "Yet its loss ends at " + fixed(zero.end, 3) + ", not at the entropy of the class frequencies (" +
                                       fixed(r.label_entropy, 3) + "): something in this run broke the symmetry."));
    }
    html += "</p>\n";
    return html + compare_table(r.ir);
}

std::string compare_section(const Results& r) {
    std::string html = "<h2>4. Which optimizer? Fashion-MNIST</h2>\n<p>The network 784-100-100-100-100-10 (ReLU, He), batch 128, " +
                       std::to_string(r.cs.iterations) + " iterations, " + std::to_string(r.cs.seeds) +
                       " seed(s), each optimizer at the book's defaults; the curves are smoothed as the book smooths them, "
                       "the band spans the seeds.</p>\n";
    html += figure("compare", "Training loss of each optimizer.");
    html += compare_table(r.cr);
    const findings::Ranking ranking = findings::rank_by_final_loss(r.cr);
    if (ranking.rows.empty()) return html;
    std::string order, ids;
    for (std::size_t i = 0; i < ranking.rows.size(); ++i) {
        const CompareRow& row = *ranking.rows[i];
        if (i > 0) order += ranking.tied_with_next[i - 1] ? " ≈ " : " &lt; ";
        order += esc(short_label(row.label)) + " (" + fixed(row.final_loss_mean, 3) + ")";
        ids += (i ? "," : "") + findings::optimizer_of(r.cs, row);
    }
    html += "<p>" + claim("compare-ranking", true,
                          "By the mean loss of its last 100 iterations the table ranks them " + order +
                              (r.cs.seeds > 1 ? " (≈: within the sum of the two seed standard deviations)." : "."),
                          " data-order=\"" + ids + "\"") + " ";
    // The lecture's figure: SGD slowest; of its four (SGD, Momentum, AdaGrad, Adam), AdaGrad and
    // Adam the lowest pair.
    const CompareRow* slowest = ranking.rows.back();
    const bool sgd_slowest = findings::optimizer_of(r.cs, *slowest) == "sgd";
    html += claim("sgd-slowest", sgd_slowest,
                  sgd_slowest ? "SGD learns slowest, as the lecture says."
                              : esc(slowest->label) + " learns slowest here, not SGD as the lecture says.") + " ";
    std::vector<std::string> four;
    for (const CompareRow* row : ranking.rows) {
        const std::string o = findings::optimizer_of(r.cs, *row);
        if (o == "sgd" || o == "momentum" || o == "adagrad" || o == "adam") four.push_back(row->label);
    }
    if (four.size() == 4) {
        auto is = [](const std::string& label, const char* name) { return label.rfind(name, 0) == 0; };
        const bool pair = (is(four[0], "AdaGrad") || is(four[0], "Adam")) && (is(four[1], "AdaGrad") || is(four[1], "Adam"));
        html += claim("book-four-pair", pair,
                      pair ? "Of the lecture's four (SGD, Momentum, AdaGrad, Adam), AdaGrad and Adam end lowest, as in its figure."
                           : "Of the lecture's four (SGD, Momentum, AdaGrad, Adam), " + esc(four[0]) + " and " + esc(four[1]) +
                                 " end lowest, not AdaGrad and Adam as in its figure.") + " ";
    }
    html += "One network at the book's default learning rates cannot settle which optimizer is best: the ranking depends on "
            "the learning rate and the problem, so compare them at their best (<code>optlab compare --sweep "
            "lr=1e-4:1e-1:7</code>) and on other problems (section 6).</p>\n";
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

// The methods that need no learning rate, compared as AlgoPerf's self-tuning track compares
// them: each at its defaults, untuned, against every other optimizer tuned on the same grid —
// its rank on each problem if its defaults' test metric (mean over seeds) stood among the
// others' tuned ones, beside its own tuned rank. Each rank is in data-ranks for report_test.
std::string learning_rate_free_findings(const SuiteResult& s) {
    const std::size_t O = s.protocol.optimizers.size();
    std::string html;
    for (std::size_t o = 0; o < O; ++o) {
        if (!optimizer_info(s.protocol.optimizers[o]).learning_rate_free) continue;
        std::string ranks, untuned, tuned;
        for (std::size_t p = 0; p < s.problems.size(); ++p) {
            const SuiteRow& mine = s.rows[p * O + o];
            if (!mine.applicable) continue;
            const bool lower = s.problems[p].lower_is_better;
            // A finite metric beats a diverged one (NaN); a diverged one beats nothing.
            auto beats = [&](double a, double b) { return std::isfinite(a) && (!std::isfinite(b) || (lower ? a < b : a > b)); };
            int rank = 1, field = 1;
            for (std::size_t other = 0; other < O; ++other) {
                const SuiteRow& row = s.rows[p * O + other];
                if (other == o || !row.applicable) continue;
                ++field;
                rank += beats(row.tuned_mean, mine.default_mean);
            }
            const std::string& name = s.problems[p].name;
            ranks += (ranks.empty() ? "" : ",") + name + ":" + std::to_string(rank);
            untuned += (untuned.empty() ? "" : ", ") + std::to_string(rank) + " of " + std::to_string(field) + " on " + name;
            tuned += (tuned.empty() ? "" : ", ") + std::to_string(mine.rank);
        }
        if (ranks.empty()) continue;
        if (html.empty()) {
            html = "<p class=\"lr-free\">The methods that need no learning rate estimate their step size as they go (their lr "
                   "is a multiplier, 1 by default), so their honest comparison is untuned, as in AlgoPerf's self-tuning "
                   "track: at their defaults, against every other optimizer tuned on the grid. ";
        }
        const std::string label = esc(label_of(s.protocol.optimizers[o]));
        html += "<span class=\"lr-free-ranks\" data-optimizer=\"" + s.protocol.optimizers[o] + "\" data-ranks=\"" + ranks +
                "\"></span>" + label + " at its defaults would rank " + untuned + " (tuned like the others: " + tuned + "). ";
    }
    return html.empty() ? html : html + "</p>\n";
}

// Do the preconditioned methods (beyond a diagonal: Shampoo, SOAP, Muon, L-BFGS) win, per
// step and per second? Per problem, the fastest of them to the target (median over the tuned
// seeds, in evaluations of the loss and gradient, then in training seconds) against the
// fastest of the others: "preconditioned" when faster (in seconds by more than kTimeMargin),
// "first-order" when the other is, "tie" otherwise, "none" when neither reached the target. Each verdict is in
// data-step / data-second for report_test; the sentence counts them and names the gaps.
std::string preconditioned_findings(const SuiteResult& s) {
    const std::size_t O = s.protocol.optimizers.size();
    struct Race {
        std::string problem, verdict_step, verdict_second;
        std::string pre_step, first_step, pre_second, first_second;  // the fastest of each kind
        double pre_evals = INFINITY, first_evals = INFINITY, pre_seconds = INFINITY, first_seconds = INFINITY;
    };
    std::vector<std::string> preconditioned;
    for (const auto& o : s.protocol.optimizers) {
        if (optimizer_info(o).beyond_diagonal) preconditioned.push_back(o);
    }
    if (preconditioned.empty()) return "";
    // Evaluations are counts; seconds drift by ±30% between runs on a shared machine, so a
    // time wins only by more than that (kTimeMargin): closer is a tie.
    const auto verdict = [](double pre, double first, double margin) {
        if (!std::isfinite(pre) && !std::isfinite(first)) return "none";
        return pre * margin < first ? "preconditioned" : first * margin < pre ? "first-order" : "tie";
    };
    std::vector<Race> races;
    for (std::size_t p = 0; p < s.problems.size(); ++p) {
        Race race;
        race.problem = s.problems[p].name;
        bool any_preconditioned = false;
        for (std::size_t o = 0; o < O; ++o) {
            const SuiteRow& row = s.rows[p * O + o];
            if (!row.applicable) continue;
            const bool pre = optimizer_info(row.optimizer).beyond_diagonal;
            any_preconditioned = any_preconditioned || pre;
            const double evals = row.iterations_to_target.value_or(INFINITY), seconds = row.seconds_to_target.value_or(INFINITY);
            double& best_evals = pre ? race.pre_evals : race.first_evals;
            double& best_seconds = pre ? race.pre_seconds : race.first_seconds;
            if (evals < best_evals) best_evals = evals, (pre ? race.pre_step : race.first_step) = row.optimizer;
            if (seconds < best_seconds) best_seconds = seconds, (pre ? race.pre_second : race.first_second) = row.optimizer;
        }
        if (!any_preconditioned) continue;
        race.verdict_step = verdict(race.pre_evals, race.first_evals, 1.0);
        race.verdict_second = verdict(race.pre_seconds, race.first_seconds, findings::kTimeMargin);
        races.push_back(race);
    }
    if (races.empty()) return "";
    std::vector<std::string> labels, won_step, won_second, tied_step, tied_second;
    for (const auto& o : preconditioned) labels.push_back(esc(label_of(o)));
    std::string marks, details;
    for (const Race& race : races) {
        marks += "<span class=\"preconditioned-race\" data-problem=\"" + race.problem + "\" data-step=\"" + race.verdict_step +
                 "\" data-second=\"" + race.verdict_second + "\"></span>";
        if (race.verdict_step == "preconditioned") won_step.push_back(race.problem);
        if (race.verdict_step == "tie") tied_step.push_back(race.problem);
        if (race.verdict_second == "preconditioned") won_second.push_back(race.problem);
        if (race.verdict_second == "tie") tied_second.push_back(race.problem);
        // Where they win per step, what that step costs: both races' numbers.
        if (race.verdict_step == "preconditioned" && std::isfinite(race.first_evals)) {
            details += "On " + race.problem + " " + esc(label_of(race.pre_step)) + " needs " + sig(race.pre_evals) +
                       " evaluations to " + esc(label_of(race.first_step)) + "'s " + sig(race.first_evals) + "; per second, " +
                       (std::isfinite(race.pre_seconds) ? esc(label_of(race.pre_second)) + " takes " + sig(race.pre_seconds) + " s"
                                                        : "none of them gets there") +
                       " to " + esc(label_of(race.first_second)) + "'s " + sig(race.first_seconds) + " s. ";
        }
    }
    const std::size_t n = races.size();
    std::string html = "<p class=\"preconditioned\">" + marks + "<b>Per step</b> — evaluations of the loss and gradient to the "
                       "problem's target, median over the tuned seeds — the preconditioned methods (" + join_names(labels) +
                       ") reach it before every first-order method on " + std::to_string(won_step.size()) + " of " +
                       std::to_string(n) + " problems" + (won_step.empty() ? "" : " (" + join_names(won_step) + ")") +
                       (tied_step.empty() ? "" : ", at the same count on " + join_names(tied_step)) + ". <b>Per second</b> on this "
                       "machine they do on " + std::to_string(won_second.size()) + " of " + std::to_string(n) +
                       (won_second.empty() ? "" : " (" + join_names(won_second) + ")") +
                       (tied_second.empty() ? "" : ", within the machine's timing drift (" + fixed(100 * (findings::kTimeMargin - 1), 0) +
                                                       "%) on " + join_names(tied_second)) + ". " + details + "</p>\n";
    return html;
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
            html += "<td data-problem=\"" + problem.name + "\" data-optimizer=\"" + row.optimizer + "\" data-rank=\"" +
                    std::to_string(row.rank) + "\" data-tied=\"" + (row.tied ? "true" : "false") + "\">" +
                    (row.rank == 1 ? "<b>" + value + "</b>" : (row.tied ? "≈ " : "") + value) + "</td>";
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
        // A mean is not a verdict: an optimizer whose seeds overlap the winner's on every
        // problem it can train is not beaten anywhere by this suite.
        std::vector<std::string> unbeaten;
        for (std::size_t o = 0; o < O; ++o) {
            bool everywhere = true, any = false;
            for (std::size_t p = 0; p < s.problems.size(); ++p) {
                const SuiteRow& row = s.rows[p * O + o];
                if (!row.applicable) continue;
                any = true;
                everywhere = everywhere && (row.rank == 1 || row.tied);
            }
            if (any && everywhere) unbeaten.push_back(s.protocol.optimizers[o]);
        }
        std::string ids;
        for (std::size_t i = 0; i < unbeaten.size(); ++i) ids += (i ? "," : "") + unbeaten[i];
        std::vector<std::string> labels;
        for (const auto& o : unbeaten) labels.push_back(esc(label_of(o)));
        findings += "<span class=\"unbeaten\" data-optimizers=\"" + ids + "\"></span>";
        if (!unbeaten.empty()) {
            findings += "But " + join_names(labels) + (unbeaten.size() == 1 ? " is" : " are") +
                        " first or within the winner's seed range (≈) on every problem " + (unbeaten.size() == 1 ? "it" : "they") +
                        " can train: the seeds do not separate " + (unbeaten.size() == 1 ? "it" : "them") + " from the winners. ";
        }
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
    html += findings + "</p>\n" + learning_rate_free_findings(s) + preconditioned_findings(s) + "<p class=\"note\">Data: <a href=\"" + r.suite_dir + "/suite.json\">suite.json</a>, <a href=\"" +
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
        if (std::string(preset) == "ravine-momentum") r.ravine = paths;
        if (std::string(preset) == "local-minima") r.local = paths;
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
    r.label_entropy = findings::label_entropy(data.train);
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
        // problems that load fast and seven optimizers: one free of a learning rate, two
        // preconditioned beyond a diagonal (SOAP, L-BFGS: the per-step and per-second race).
        SuiteProtocol protocol = SuiteProtocol::defaults(true);
        if (o.quick) {
            protocol.problems = {"quadratic", "fmnist-logreg", "words-charlm"};
            protocol.optimizers = {"sgd", "momentum", "adam", "lion", "prodigy", "soap", "lbfgs"};
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
