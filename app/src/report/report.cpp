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
#include "optlab/language/language.hpp"
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

std::string compare_table(const CompareResult& r, Lang lang) {
    std::string t = "<table><tr><th></th><th>lr</th><th>" + std::string(tr(lang, "report.table.final-loss")) + "</th><th>" +
                    std::string(tr(lang, "report.table.smoothed")) + "</th><th>" + std::string(tr(lang, "report.table.accuracy")) +
                    "</th><th>" + std::string(tr(lang, "report.table.ms")) + "</th></tr>\n";
    for (const auto& row : r.table) {
        t += "<tr><td>" + esc(translated(lang, "arm.", row.label)) + "</td><td>" + format_number(row.lr) + "</td><td>" +
             fixed(row.final_loss_mean, 4) + " ± " + fixed(row.final_loss_std, 4) + "</td><td>" +
             fixed(row.smoothed_last_mean, 4) + "</td><td>" + fixed(row.test_accuracy_mean, 4) + " ± " +
             fixed(row.test_accuracy_std, 4) + "</td><td>" + fixed(row.ms_per_iteration, 3) + "</td></tr>\n";
    }
    return t + "</table>\n";
}

// What the page says is computed from this run: the figures' numbers, gathered here.
struct Results {
    Lang lang = Lang::en;                 // the page's language
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
    /// The page's text under `key`, and with its placeholders filled.
    std::string text(std::string_view key) const { return std::string(tr(lang, key)); }
    std::string text(std::string_view key, std::initializer_list<std::string> args) const { return trf(lang, key, args); }
};

// A sentence of the page that claims something about the data: its verdict and identity as
// attributes, which report_test recomputes from the run's files with code of its own.
std::string claim(const std::string& id, bool holds, const std::string& text, const std::string& attributes = "") {
    return "<span class=\"claim\" data-claim=\"" + id + "\" data-holds=\"" + (holds ? "true" : "false") + "\"" + attributes +
           ">" + text + "</span>";
}

// "4 times" / "1 time": a count with its unit (the family's keys FAMILY.one, FAMILY.many).
std::string count(Lang lang, int n, const std::string& family) {
    return trf(lang, family + (n == 1 ? "one" : "many"), {std::to_string(n)});
}

// "crosses the valley floor 4 times" / "never crosses the valley floor"
std::string crossings(Lang lang, int n) {
    return n == 0 ? std::string(tr(lang, "report.crossings.never")) : trf(lang, "report.crossings", {count(lang, n, "report.times.")});
}

// Three significant digits, for values of any size (a spread of 1e-5, a ratio of 30 000).
std::string sig(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

// A label without its settings: "AdaGrad (lr 1.5)" → "AdaGrad".
std::string short_label(const std::string& label) { return label.substr(0, label.find(" (")); }

std::string head(Lang lang) {
    return R"(<!DOCTYPE html>
<html lang=")" + std::string(lang_code(lang)) + R"("><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>)" +
           std::string(tr(lang, "report.title")) + R"(</title>
<style>
body{font-family:)" + page_font_family(lang) + R"(;max-width:1150px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.7em}h2{margin-top:2em;border-bottom:1px solid #ccc}
figure{margin:1em 0}img{max-width:100%;border:1px solid #ddd}figcaption{color:#555;font-size:.9em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}code{background:#f4f4f4;padding:0 .2em}
.formulas h4{margin:.8em 0 .2em}.formulas .convention{font-weight:bold;margin:.3em 0 0}.formulas .script{display:none}.formulas math{display:inline math;margin-left:1em;overflow-x:auto;max-width:100%}.formulas mtd{text-align:left}.formulas .remark{color:#666;font-size:.85em}.files{font-size:.85em}.note{color:#555}
</style></head><body>
<h1>)" + std::string(tr(lang, "report.h1")) + R"(</h1>
<p>)" + std::string(tr(lang, "report.intro")) + R"(</p>
)";
}

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
    const Lang lang = r.lang;
    const std::vector<PathFacts> ranked = findings::by_final_loss(r.book);
    const PathFacts* sgd = facts_of(ranked, "sgd");
    const PathFacts* momentum = facts_of(ranked, "momentum");
    const PathFacts* adagrad = facts_of(ranked, "adagrad");
    const PathFacts* adam = facts_of(ranked, "adam");
    std::string html = r.text("report.paths.heading") + r.text("report.paths.intro");
    if (sgd && momentum && adagrad && adam) {
        const std::string steps = r.text("report.steps", {std::to_string(sgd->steps)});
        const std::string flips = count(lang, sgd->y_flips, "report.times.");
        html += claim("sgd-zigzag", sgd->zig_zags(),
                      r.text(sgd->zig_zags() ? "report.sgd-zigzag.holds" : "report.sgd-zigzag.not", {flips, steps})) + " ";
        const bool calmer = momentum->y_flips < sgd->y_flips;
        html += claim("momentum-calmer", calmer,
                      r.text(calmer ? "report.momentum-calmer.holds" : "report.momentum-calmer.not", {crossings(lang, momentum->y_flips)})) + " ";
        html += claim("momentum-overshoots", momentum->max_x > 0,
                      r.text(momentum->max_x > 0 ? "report.momentum-overshoots.holds" : "report.momentum-overshoots.not",
                             {fixed(momentum->max_x, 2)})) + " ";
        const bool shrinks = adagrad->shrinking_steps == adagrad->steps - 1;
        html += claim("adagrad-shrinks", shrinks,
                      shrinks ? r.text("report.adagrad-shrinks.holds",
                                       {fixed(adagrad->first_step, 3), sig(adagrad->last_step), crossings(lang, adagrad->y_flips)})
                              : r.text("report.adagrad-shrinks.not",
                                       {std::to_string(adagrad->shrinking_steps), std::to_string(adagrad->steps - 1),
                                        fixed(adagrad->first_step, 3), sig(adagrad->last_step), crossings(lang, adagrad->y_flips)})) + " ";
        html += adam->max_x > 0 ? r.text("report.adam-path.passes", {crossings(lang, adam->y_flips), fixed(adam->max_x, 2)})
                                : r.text("report.adam-path.stays", {crossings(lang, adam->y_flips)});
        std::string order, ids;
        for (std::size_t i = 0; i < ranked.size(); ++i) {
            order += (i ? ", " : "") + esc(short_label(ranked[i].label)) + " (f = " + fixed(ranked[i].final_f, 4) + ")";
            ids += (i ? "," : "") + ranked[i].optimizer;
        }
        const bool lecture = ranked.front().optimizer == "adagrad";
        html += claim("book-winner", lecture,
                      lecture ? r.text("report.book-winner.holds", {steps, order})
                              : r.text("report.book-winner.not", {steps, order, esc(short_label(ranked.front().label))}),
                      " data-order=\"" + ids + "\"") +
                r.text("report.paths.depends");
    }
    html += "</p>\n" + figures + "<p>";
    if (r.ravine.size() == 2) {
        const PathFacts plain = findings::path_facts(r.ravine[0]), heavy = findings::path_facts(r.ravine[1]);
        const bool damped = heavy.y_flips < plain.y_flips;
        html += claim("ravine-damped", damped,
                      r.text(damped ? "report.ravine-damped.holds" : "report.ravine-damped.not",
                             {count(lang, plain.y_flips, "report.times."), count(lang, heavy.y_flips, "report.times.")})) + " ";
    }
    if (r.local.size() == 2) {
        const findings::Wells w = findings::local_minima_wells();
        const PathFacts plain = findings::path_facts(r.local[0]), heavy = findings::path_facts(r.local[1]);
        auto where = [&](const PathFacts& f) {
            return r.text(f.final_x > w.ridge ? "report.local-minima.shallow" : "report.local-minima.deeper", {fixed(f.final_x, 2)});
        };
        const bool lecture = plain.final_x > w.ridge && heavy.final_x < w.ridge;
        html += claim("local-minima", lecture,
                      r.text(lecture ? "report.local-minima.holds" : "report.local-minima.not",
                             {fixed(w.shallow, 2), fixed(w.deep, 2), fixed(w.ridge, 2), std::to_string(plain.steps), where(plain),
                              where(heavy)}));
    }
    html += "</p>\n";
    return html + r.text("report.rules.heading") + formulas_mathml(lang);
}

std::string percent(double share) { return fixed(100 * share, 0) + "%"; }

std::string histogram_sentences(const Results& r) {
    const findings::InitHistogramVerdicts v = findings::init_histogram_verdicts(r.hist);
    std::string html;
    const char* names[2] = {"sigmoid", "tanh"};
    const char* centres[2] = {"0.5", "0"};
    for (int a = 0; a < 2; ++a) {
        const auto large = findings::histogram_facts(r.hist, names[a], "std=1");
        const auto small = findings::histogram_facts(r.hist, names[a], "std=0.01");
        const auto xavier = findings::histogram_facts(r.hist, names[a], "xavier");
        if (!large.layer5 || !small.layer5 || !xavier.layer5) continue;
        const std::string act = names[a];
        html += claim(act + "-std1-piles-up", v.piles_up[a],
                      r.text("report.hist." + act + (v.piles_up[a] ? ".piles-up" : ".not-piles-up"), {percent(large.end_share)})) + " ";
        html += claim(act + "-small-collapses", v.collapses[a],
                      r.text(!v.collapses[a] ? "report.hist.not-collapses"
                             : a == 0        ? "report.hist.sigmoid.collapses"
                                             : "report.hist.collapses",
                             {sig(small.layer5->mean), sig(small.layer5->std), centres[a]})) + " ";
        html += claim(act + "-xavier-spreads", v.spreads[a],
                      r.text(v.spreads[a] ? "report.hist.xavier-spreads.holds" : "report.hist.xavier-spreads.not",
                             {sig(xavier.layer5->std), sig(xavier.layer5->std / small.layer5->std), percent(xavier.end_share)})) + " ";
    }
    const LayerHistogram small1 = r.layer("relu", "std=0.01", 1), small5 = r.layer("relu", "std=0.01", 5);
    const LayerHistogram xavier1 = r.layer("relu", "xavier", 1), xavier5 = r.layer("relu", "xavier", 5);
    const LayerHistogram he1 = r.layer("relu", "he", 1), he5 = r.layer("relu", "he", 5);
    html += claim("relu-small-shrinks", v.relu_small_shrinks,
                  v.relu_small_shrinks ? r.text("report.hist.relu-small-shrinks.holds", {sig(v.relu_small_factor), sig(small1.mean), sig(small5.mean)})
                                       : r.text("report.hist.relu-small-shrinks.not",
                                                {fixed(findings::kShrinkFactor, 0), sig(small1.mean), sig(small5.mean)})) + " ";
    html += claim("relu-xavier-narrows", v.relu_xavier_narrows,
                  r.text(v.relu_xavier_narrows ? "report.hist.relu-xavier-narrows.holds" : "report.hist.relu-xavier-narrows.not",
                         {fixed(xavier1.std, 3), fixed(xavier5.std, 3)})) + " ";
    html += claim("relu-he-alike", v.relu_he_alike,
                  r.text(v.relu_he_alike ? "report.hist.relu-he-alike.holds" : "report.hist.relu-he-alike.not",
                         {fixed(he1.std, 3), fixed(he5.std, 3), fixed(findings::kAlikeFactor, 0)})) + " ";
    html += claim("init-rule", v.lecture_rule_holds(), r.text(v.lecture_rule_holds() ? "report.init-rule.holds" : "report.init-rule.not"));
    return html;
}

std::string initial_weights_section(const Results& r) {
    std::string html = r.text("report.init.heading") + histogram_sentences(r) + "</p>\n";
    for (const char* act : {"sigmoid", "tanh", "relu"}) {
        html += figure("init-histogram-" + std::string(act), r.text("report.init.histogram-caption", {act}));
    }
    html += figure("init-compare", r.text("report.init.compare-caption", {std::to_string(r.is.iterations), std::to_string(r.is.seeds)}));
    const std::string ln10 = "ln 10 = " + fixed(std::log(10.0), 3);
    const std::string band = fixed(findings::kFlatBand, 2);
    const std::string iterations = r.text("report.iterations", {std::to_string(r.is.iterations)});
    const findings::CurveFacts zero = findings::curve_facts(r.ir, "std=0 ");
    const findings::CurveFacts small = findings::curve_facts(r.ir, "std=0.01, relu");
    const findings::CurveFacts xavier = findings::curve_facts(r.ir, "Xavier (std 1/√n), relu");
    const findings::CurveFacts he = findings::curve_facts(r.ir, "He (std √(2/n)), relu");
    html += "<p>";
    if (small.row && he.row) {
        html += claim("relu-small-flat", small.flat,
                      small.flat ? r.text("report.relu-small-flat.holds", {band, ln10, iterations, fixed(small.end, 3), fixed(he.end, 3)})
                                 : r.text("report.relu-small-flat.not", {ln10, fixed(small.end, 3), fixed(he.end, 3)})) + " ";
    }
    if (xavier.row && he.row) {
        const bool lecture = he.end < xavier.end;
        html += claim("relu-he-below-xavier", lecture,
                      lecture ? r.text("report.relu-he-below-xavier.holds", {fixed(he.end, 3), fixed(xavier.end, 3)})
                              : r.text("report.relu-he-below-xavier.not", {fixed(xavier.end, 3), fixed(he.end, 3)})) + " ";
    }
    const findings::CurveFacts small_sigmoid = findings::curve_facts(r.ir, "std=0.01, sigmoid");
    const findings::CurveFacts xavier_sigmoid = findings::curve_facts(r.ir, "Xavier (std 1/√n), sigmoid");
    if (small_sigmoid.row && xavier_sigmoid.row) {
        // Which of four cases the run shows: the lecture's (Xavier learns, std 0.01 stays at
        // ln 10), both learn, neither has left ln 10 yet (a short run), or the reverse.
        const bool x = xavier_sigmoid.learned(), s = small_sigmoid.learned();
        const std::string numbers = r.text("report.sigmoid.numbers", {fixed(xavier_sigmoid.end, 3), fixed(small_sigmoid.end, 3)});
        std::string text, which;
        if (x && small_sigmoid.flat) {
            which = "lecture";
            text = r.text("report.sigmoid.lecture", {fixed(xavier_sigmoid.end, 3), band, fixed(small_sigmoid.end, 3)});
        } else if (x && s) {
            which = "both";
            text = r.text("report.sigmoid.both", {numbers});
        } else if (!x && !s) {
            which = "neither";
            text = r.text("report.sigmoid.neither", {iterations, numbers});
        } else {
            which = x ? "xavier" : "small";
            text = r.text(x ? "report.sigmoid.xavier" : "report.sigmoid.small", {numbers});
        }
        html += r.text("report.sigmoid.intro", {format_number(kSigmoidLr)}) +
                claim("sigmoid-xavier-learns", which == "lecture", text, " data-case=\"" + which + "\"") + " ";
    }
    if (zero.row) {
        const bool prior = std::abs(zero.end - r.label_entropy) <= findings::kPriorBand;
        html += claim("zero-prior", prior,
                      prior ? r.text("report.zero-prior.holds", {fixed(zero.end, 3), fixed(findings::kPriorBand, 2), fixed(r.label_entropy, 3)})
                            : r.text("report.zero-prior.not", {fixed(zero.end, 3), fixed(r.label_entropy, 3)}));
    }
    html += "</p>\n";
    return html + compare_table(r.ir, r.lang);
}

std::string compare_section(const Results& r) {
    std::string html = r.text("report.compare.heading", {std::to_string(r.cs.iterations), std::to_string(r.cs.seeds)});
    html += figure("compare", r.text("report.compare.caption"));
    html += compare_table(r.cr, r.lang);
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
                          r.text(r.cs.seeds > 1 ? "report.compare-ranking.seeds" : "report.compare-ranking.one-seed", {order}),
                          " data-order=\"" + ids + "\"") + " ";
    // The lecture's figure: SGD slowest; of its four (SGD, Momentum, AdaGrad, Adam), AdaGrad and
    // Adam the lowest pair.
    const CompareRow* slowest = ranking.rows.back();
    const bool sgd_slowest = findings::optimizer_of(r.cs, *slowest) == "sgd";
    html += claim("sgd-slowest", sgd_slowest,
                  sgd_slowest ? r.text("report.sgd-slowest.holds") : r.text("report.sgd-slowest.not", {esc(slowest->label)})) + " ";
    std::vector<std::string> four;
    for (const CompareRow* row : ranking.rows) {
        const std::string o = findings::optimizer_of(r.cs, *row);
        if (o == "sgd" || o == "momentum" || o == "adagrad" || o == "adam") four.push_back(row->label);
    }
    if (four.size() == 4) {
        auto is = [](const std::string& label, const char* name) { return label.rfind(name, 0) == 0; };
        const bool pair = (is(four[0], "AdaGrad") || is(four[0], "Adam")) && (is(four[1], "AdaGrad") || is(four[1], "Adam"));
        html += claim("book-four-pair", pair,
                      pair ? r.text("report.book-four-pair.holds") : r.text("report.book-four-pair.not", {esc(four[0]), esc(four[1])})) + " ";
    }
    html += r.text("report.compare.settle") + "</p>\n";
    return html;
}

std::string autoencoder_section(const Results& r) {
    const double ratio = r.rr.test_error / r.rr.mean_image_error;
    std::string html = r.text("report.autoencoder.heading",
                              {std::to_string(r.rs.iterations), format_number(r.rs.lr), std::to_string(r.rs.batch)});
    html += figure("reconstructions", r.text("report.autoencoder.caption"));
    html += "<p>" + (ratio < 1 ? r.text("report.autoencoder.lower", {fixed(r.rr.test_error, 4), fixed(r.rr.mean_image_error, 4),
                                                                     fixed(100 * (1 - ratio), 0)})
                               : r.text("report.autoencoder.not-lower", {fixed(r.rr.test_error, 4), fixed(r.rr.mean_image_error, 4)})) +
            "</p>\n";
    return html;
}

// ---- which optimizer, across problems ------------------------------------------------------

std::string label_of(const std::string& optimizer) { return std::string(optimizer_info(optimizer).label); }

// "a, b and c" (Korean: "a, b, c").
std::string join_names(Lang lang, const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        out += (i == 0 ? "" : i + 1 == names.size() ? std::string(tr(lang, "report.list.and")) : std::string(", ")) + names[i];
    }
    return out;
}

// The methods that need no learning rate, compared as AlgoPerf's self-tuning track compares
// them: each at its defaults, untuned, against every other optimizer tuned on the same grid —
// its rank on each problem if its defaults' test metric (mean over seeds) stood among the
// others' tuned ones, beside its own tuned rank. Each rank is in data-ranks for report_test.
std::string learning_rate_free_findings(const SuiteResult& s, Lang lang) {
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
            untuned += (untuned.empty() ? "" : ", ") + trf(lang, "report.lr-free.rank", {std::to_string(rank), std::to_string(field), name});
            tuned += (tuned.empty() ? "" : ", ") + std::to_string(mine.rank);
        }
        if (ranks.empty()) continue;
        if (html.empty()) html = "<p class=\"lr-free\">" + std::string(tr(lang, "report.lr-free.intro"));
        const std::string label = esc(label_of(s.protocol.optimizers[o]));
        html += "<span class=\"lr-free-ranks\" data-optimizer=\"" + s.protocol.optimizers[o] + "\" data-ranks=\"" + ranks +
                "\"></span>" + trf(lang, "report.lr-free.ranks", {label, untuned, tuned});
    }
    return html.empty() ? html : html + "</p>\n";
}

// Do the preconditioned methods (beyond a diagonal: Shampoo, SOAP, Muon, L-BFGS) win, per
// step and per second? Per problem, the fastest of them to the target (median over the tuned
// seeds, in evaluations of the loss and gradient, then in training seconds) against the
// fastest of the others: "preconditioned" when faster (in seconds by more than kTimeMargin),
// "first-order" when the other is, "tie" otherwise, "none" when neither reached the target. Each verdict is in
// data-step / data-second for report_test; the sentence counts them and names the gaps.
std::string preconditioned_findings(const SuiteResult& s, Lang lang) {
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
        // Where they win per step, what that costs: both races' numbers (a median reached in
        // evaluations is reached in seconds: the same seeds' arms).
        if (race.verdict_step == "preconditioned" && std::isfinite(race.first_evals)) {
            details += trf(lang, "report.suite.preconditioned.detail",
                           {race.problem, esc(label_of(race.pre_step)), sig(race.pre_evals), esc(label_of(race.first_step)),
                            sig(race.first_evals), esc(label_of(race.pre_second)), sig(race.pre_seconds),
                            esc(label_of(race.first_second)), sig(race.first_seconds)});
        }
    }
    const std::string n = std::to_string(races.size()), methods = join_names(lang, labels);
    std::string html = "<p class=\"preconditioned\">" + marks;
    html += won_step.empty() ? trf(lang, "report.suite.preconditioned.step.none", {methods, n})
                             : trf(lang, "report.suite.preconditioned.step.some",
                                   {methods, std::to_string(won_step.size()), n, join_names(lang, won_step)});
    if (!tied_step.empty()) html += trf(lang, "report.suite.preconditioned.step.tied", {join_names(lang, tied_step)});
    html += won_second.empty() ? trf(lang, "report.suite.preconditioned.second.none", {n})
                               : trf(lang, "report.suite.preconditioned.second.some",
                                     {std::to_string(won_second.size()), n, join_names(lang, won_second)});
    if (!tied_second.empty()) {
        html += trf(lang, "report.suite.preconditioned.second.tied",
                    {fixed(100 * (findings::kTimeMargin - 1), 0), join_names(lang, tied_second)});
    }
    html += details + "</p>\n";
    return html;
}

// The sentences say what the suite's numbers say, whatever they are; each claim carries its
// numbers in data- attributes, which report_test recomputes from the arms. A new sentence is a
// key with its English and Korean in app/src/report/texts.cpp and one r.text(key, {numbers})
// here (docs/explorable.md#the-page-in-korean).
std::string suite_section(const Results& r) {
    const SuiteResult& s = r.suite;
    const std::size_t O = s.protocol.optimizers.size();
    std::string html = r.text(s.protocol.quick ? "report.suite.heading.quick" : "report.suite.heading",
                              {std::to_string(O), std::to_string(s.problems.size()), std::to_string(s.protocol.grid),
                               std::to_string(s.protocol.seeds)});
    html += "<table class=\"suite\"><tr><th>" + r.text("report.suite.problem-header") + "</th>";
    for (const auto& o : s.protocol.optimizers) html += "<th>" + esc(label_of(o)) + "</th>";
    html += "</tr>\n";
    for (std::size_t p = 0; p < s.problems.size(); ++p) {
        const SuiteProblem& problem = s.problems[p];
        html += "<tr><td>" + r.text(problem.lower_is_better ? "report.suite.row.lower" : "report.suite.row.higher",
                                    {esc(problem.name), esc(problem.metric)}) + "</td>";
        for (std::size_t o = 0; o < O; ++o) {
            const SuiteRow& row = s.rows[p * O + o];
            if (!row.applicable) {
                html += "<td>" + r.text("report.suite.not-applicable") + "</td>";
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
    html += figure(r.suite_dir + "/suite-ranks", r.text("report.suite.ranks-caption"));
    html += figure(r.suite_dir + "/suite-profile", r.text("report.suite.profile-caption"));

    // 1. Who wins where.
    std::map<std::string, std::vector<std::string>> won;  // winner → problems
    std::string marks;
    for (std::size_t p = 0; p < s.problems.size(); ++p) {
        won[s.winners[p]].push_back(s.problems[p].name);
        marks += "<span class=\"winner\" data-problem=\"" + s.problems[p].name + "\" data-winner=\"" + s.winners[p] + "\"></span>";
    }
    std::string findings = "<p class=\"suite-findings\" data-distinct-winners=\"" + std::to_string(won.size()) + "\">" + marks;
    if (won.size() == 1) {
        findings += r.text("report.suite.one-winner", {esc(label_of(won.begin()->first))});
    } else {
        std::string parts;
        for (const auto& [optimizer, problems] : won) {
            parts += (parts.empty() ? "" : "; ") + r.text("report.suite.wins", {esc(label_of(optimizer)), join_names(r.lang, problems)});
        }
        findings += r.text("report.suite.no-winner", {parts});
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
            findings += r.text(unbeaten.size() == 1 ? "report.suite.unbeaten.one" : "report.suite.unbeaten.many", {join_names(r.lang, labels)});
        }
    }
    // 2. The best time-to-target score, and whether the ranking changes with the problem: the
    //    optimizer whose rank moves the most across problems.
    std::size_t best = 0;
    for (std::size_t o = 1; o < O; ++o) best = s.score_iterations[o] > s.score_iterations[best] ? o : best;
    findings += "<span class=\"best-score\" data-optimizer=\"" + s.protocol.optimizers[best] + "\"></span>" +
                r.text("report.suite.best-score", {esc(label_of(s.protocol.optimizers[best])), fixed(s.score_iterations[best], 2)});
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
                    ? r.text("report.suite.widest.changes", {esc(label_of(s.protocol.optimizers[widest])), std::to_string(widest_lo),
                                                             lo_problem, std::to_string(widest_hi), hi_problem})
                    : r.text("report.suite.widest.same");
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
    findings += tuning_won == 0 ? r.text("report.suite.tuning.never")
                                : r.text("report.suite.tuning.mattered", {std::to_string(tuning_won), std::to_string(s.problems.size())});
    html += findings + "</p>\n" + learning_rate_free_findings(s, r.lang) + preconditioned_findings(s, r.lang) + "<p class=\"note\">" +
            r.text("report.suite.data", {r.suite_dir}) + "</p>\n";
    return html;
}

std::string files_section(const std::filesystem::path& dir, Lang lang) {
    std::string html = std::string(tr(lang, "report.files.heading"));
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() == ".csv") html += "<a href=\"" + name + "\">" + name + "</a> ";
    }
    return html + "</p>\n";
}

// E1's four figures, their HTML, and the book's paths the text quotes.
std::string trajectory_figures(const std::filesystem::path& dir, Results& r) {
    std::string html;
    for (const char* preset : {"book", "lecture", "ravine-momentum", "local-minima"}) {
        const TrajectorySpec spec = trajectory_preset(preset, r.lang);
        const std::vector<Path> paths = run_trajectories(spec);
        write_trajectories(dir / ("trajectories-" + std::string(preset)), spec, paths, r.lang);
        html += figure("trajectories-" + std::string(preset), r.text("report.figure." + std::string(preset)));
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
    r.lang = o.lang;
    say("1/7 optimizer paths on 2-D functions");
    const std::string trajectories_html = trajectory_figures(dir, r);
    say("2/7 activation histograms");
    const HistogramSpec hs;
    r.hist = run_init_histogram(hs);
    write_init_histogram(dir / "init-histogram", hs, r.hist, r.lang);
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
    write_compare(dir / "compare", r.cs, r.cr, r.text("figure.compare.title"), 1.2, r.lang);
    say("5/7 initial weights on Fashion-MNIST");
    r.is = for_report(init_compare_preset());
    r.ir = run_compare(r.is, data, [&](const std::string& s) { say("init-compare" + s); });
    write_compare(dir / "init-compare", r.is, r.ir, r.text("figure.init-compare.title"), 2.5, r.lang);
    say("6/7 an autoencoder on Fashion-MNIST");
    r.rs.threads = o.threads;
    if (o.quick) r.rs.iterations = 300;
    r.rr = run_reconstructions(r.rs, data);
    write_reconstructions(dir / "reconstructions", r.rr, r.lang);
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
        write_suite(dir / r.suite_dir, r.suite, r.lang);
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    const std::string html = head(r.lang) + "<p class=\"note\">" + (o.quick ? r.text("report.quick-note") : std::string()) +
                             r.text("report.generated", {std::to_string(int(r.seconds))}) + "</p>\n" + explorable_section(r.lang) +
                             paths_section(r, trajectories_html) + initial_weights_section(r) + compare_section(r) + autoencoder_section(r) +
                             suite_section(r) + files_section(dir, r.lang) + kFoot;
    const auto index = dir / "index.html";
    write_text(index, html);
    say("wrote " + index.string());
    return index;
}

}  // namespace optlab
