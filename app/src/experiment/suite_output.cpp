// SPDX-License-Identifier: MIT
// The suite's files: suite.json, its CSV tables, and the figures drawn by gnuplot from CSV
// files kept beside them (experiment/suite.hpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "optlab/core/text.hpp"
#include "optlab/experiment/suite.hpp"
#include "optlab/io/safetensors.hpp"
#include "optlab/plot/gnuplot.hpp"

namespace optlab::experiment {

namespace {

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }
template <class T>
nlohmann::json optional_or_null(const std::optional<T>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json();
}
std::string cell(double v) { return std::isfinite(v) ? format_number(v) : std::string(); }
template <class T>
std::string cell(const std::optional<T>& v) {
    return v ? format_number(double(*v)) : std::string();
}

const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                               "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aec7e8"};

// Legends and tables: the registry's label, or an external optimizer's name.
std::string label(const SuiteResult& r, const std::string& optimizer) { return r.protocol.catalogue.label(optimizer); }

// The performance profiles, by iterations and by seconds, side by side.
void plot_profile(const std::filesystem::path& dir, const SuiteResult& r, Lang lang) {
    std::string csv = "tau";
    for (const auto& o : r.protocol.optimizers) csv += "," + csv_cell(o) + " (iterations)," + csv_cell(o) + " (seconds)";
    csv += "\n";
    for (std::size_t k = 0; k < r.taus.size(); ++k) {
        csv += format_number(r.taus[k]);
        for (std::size_t o = 0; o < r.protocol.optimizers.size(); ++o) {
            csv += "," + format_number(r.profile_iterations[o][k]) + "," + format_number(r.profile_seconds[o][k]);
        }
        csv += "\n";
    }
    write_text(dir / "suite-profile.csv", csv);
    std::string gp = "set datafile separator ','\nset grid\nset key outside below horizontal font ',9'\n";
    gp += "set multiplot layout 1,2 title " +
          gnuplot_string(std::string(tr(lang, "figure.suite.profile.title"))) + "\n";
    gp += "set xrange [1:" + format_number(SuiteResult::kTauMax) + "]\nset yrange [0:1.05]\nset ylabel 'ρ(τ)'\n";
    for (int view = 0; view < 2; ++view) {
        gp += "set title " + gnuplot_string(std::string(tr(lang, view == 0 ? "figure.suite.profile.iterations" : "figure.suite.profile.seconds"))) +
              "\nset xlabel 'τ'\nplot ";
        for (std::size_t o = 0; o < r.protocol.optimizers.size(); ++o) {
            const double score = view == 0 ? r.score_iterations[o] : r.score_seconds[o];
            gp += "'suite-profile.csv' every ::1 using 1:" + std::to_string(2 + 2 * o + view) +
                  " with steps lw 2 lc rgb '" + kColors[o % 12] + "' title " +
                  gnuplot_text(label(r, r.protocol.optimizers[o]) + " (" + format_number(std::round(score * 1000) / 1000) + ")") +
                  (o + 1 < r.protocol.optimizers.size() ? ", \\\n     " : "\n");
        }
    }
    gp += "unset multiplot\n";
    plot_png_svg(dir / "suite-profile", gp, 1200, 520, lang);
}

// Ranks as a heat map: problems down, optimizers across, the rank written in each cell. Each
// cell is a box (gnuplot's `with image` needs a grid of at least 2 × 2), and the colour range
// is at least [1, 2] (a suite of one optimizer has only rank 1, and gnuplot refuses an empty
// range).
void plot_ranks(const std::filesystem::path& dir, const SuiteResult& r, Lang lang) {
    const std::size_t O = r.protocol.optimizers.size(), P = r.problems.size();
    std::string matrix, csv = "problem";
    for (const auto& o : r.protocol.optimizers) csv += "," + csv_cell(o);
    csv += "\n";
    for (std::size_t p = 0; p < P; ++p) {
        csv += csv_cell(r.problems[p].name);
        for (std::size_t o = 0; o < O; ++o) {
            const SuiteRow& row = r.rows[p * O + o];
            matrix += (o ? " " : "") + (row.applicable ? std::to_string(row.rank) : std::string("NaN"));
            csv += "," + std::to_string(row.rank);
        }
        matrix += "\n";
        csv += "\n";
    }
    write_text(dir / "suite-ranks.csv", csv);
    write_text(dir / "suite-ranks.dat", matrix);
    std::string gp = "set title " + gnuplot_string(std::string(tr(lang, "figure.suite.ranks.title"))) + "\n";
    gp += "set palette defined (0 '#2ca02c', 1 '#ffffbf', 2 '#d62728')\nset cbrange [1:" +
          std::to_string(std::max<std::size_t>(O, 2)) + "]\nset cbtics 1\n";
    gp += "set cblabel " + gnuplot_string(std::string(tr(lang, "figure.suite.ranks.rank"))) + "\nunset key\nset xtics rotate by -35 font ',9'\nset ytics font ',9'\n";
    gp += "set xrange [-0.5:" + std::to_string(O) + "-0.5]\nset yrange [" + std::to_string(P) + "-0.5:-0.5]\n";
    gp += "set xtics (";
    for (std::size_t o = 0; o < O; ++o) gp += (o ? ", " : "") + gnuplot_text(label(r, r.protocol.optimizers[o])) + " " + std::to_string(o);
    gp += ")\nset ytics (";
    for (std::size_t p = 0; p < P; ++p) gp += (p ? ", " : "") + gnuplot_text(r.problems[p].name) + " " + std::to_string(p);
    gp += ")\nplot 'suite-ranks.dat' matrix using 1:2:(0.5):(0.5):3 with boxxyerror fillstyle solid 1.0 noborder "
          "fillcolor palette, \\\n     '' matrix using 1:2:($3 == $3 ? sprintf('%d', $3) : " +
          gnuplot_string(std::string(tr(lang, "report.suite.not-applicable"))) + ") with labels font ',10'\n";
    plot_png_svg(dir / "suite-ranks", gp, 1000, 160 + 60 * int(P), lang);
}

// Per problem, in one figure: the tuned runs' validation metric along the budget (mean over
// seeds, min-max band), and the learning-rate sensitivity (the tuning grid).
void plot_per_problem(const std::filesystem::path& dir, const SuiteResult& r, Lang lang) {
    const std::size_t O = r.protocol.optimizers.size(), P = r.problems.size();
    const int columns = P < 3 ? int(P) : 3, rows = int((P + 2) / 3);
    std::string curves_gp = "set datafile separator ','\nset grid\nset key font ',8' box opaque\n";
    curves_gp += "set multiplot layout " + std::to_string(rows) + "," + std::to_string(columns) + " title " +
                 gnuplot_string(trf(lang, "figure.suite.curves.title", {std::to_string(r.protocol.seeds)})) + "\n";
    std::string lr_gp = "set datafile separator ','\nset grid\nset logscale x\nset key font ',8' box opaque\n";
    lr_gp += "set multiplot layout " + std::to_string(rows) + "," + std::to_string(columns) + " title " +
             gnuplot_string(std::string(tr(lang, "figure.suite.lr.title"))) + "\n";
    for (std::size_t p = 0; p < P; ++p) {
        const SuiteProblem& problem = r.problems[p];
        // Curves: iteration → per optimizer mean, min, max over its tuned seeds.
        std::map<std::int64_t, std::vector<std::vector<double>>> at;  // iteration → [optimizer] → values
        for (std::size_t o = 0; o < O; ++o) {
            const SuiteRow& row = r.rows[p * O + o];
            for (const SuiteArm& a : r.arms) {
                if (a.problem != problem.name || a.optimizer != row.optimizer || !a.lr || a.diverged) continue;
                if (!(a.phase == "seed" || (a.phase == "tune" && *a.lr == row.best_lr))) continue;
                for (const auto& point : a.curve) {
                    auto& slot = at[point.iteration];
                    slot.resize(O);
                    if (std::isfinite(point.validation_metric)) slot[o].push_back(point.validation_metric);
                }
            }
        }
        std::string csv = "iteration";
        for (const auto& o : r.protocol.optimizers) csv += "," + o + " mean," + o + " min," + o + " max";
        csv += "\n";
        for (auto& [iteration, values] : at) {
            csv += std::to_string(iteration);
            values.resize(O);
            for (const auto& v : values) {
                if (v.empty()) {
                    csv += ",,,";
                    continue;
                }
                double sum = 0;
                for (double x : v) sum += x;
                csv += "," + format_number(sum / double(v.size())) + "," + format_number(*std::min_element(v.begin(), v.end())) +
                       "," + format_number(*std::max_element(v.begin(), v.end()));
            }
            csv += "\n";
        }
        const std::string curves_file = "suite-curves-" + problem.name + ".csv";
        write_text(dir / curves_file, csv);
        curves_gp += "set title " + gnuplot_text(problem.name) + "\nset xlabel " + gnuplot_string(std::string(tr(lang, "figure.iteration"))) +
                     "\nset ylabel " + gnuplot_string(trf(lang, "figure.suite.validation", {problem.metric})) + "\nset key " +
                     (problem.lower_is_better ? "top right" : "bottom right") + "\nplot ";
        for (std::size_t o = 0; o < O; ++o) {
            const std::string c = std::to_string(2 + 3 * o), col = kColors[o % 12];
            curves_gp += "'" + curves_file + "' every ::1 using 1:" + std::to_string(3 + 3 * o) + ":" + std::to_string(4 + 3 * o) +
                         " with filledcurves lc rgb '" + col + "' fs transparent solid 0.15 notitle, '" + curves_file +
                         "' every ::1 using 1:" + c + " with lines lw 2 lc rgb '" + col + "' title " +
                         gnuplot_text(label(r, r.protocol.optimizers[o])) + (o + 1 < O ? ", \\\n     " : "\n");
        }
        // Sensitivity: lr → per optimizer the validation metric of its tuning run.
        std::string lr_csv = "lr";
        for (const auto& o : r.protocol.optimizers) lr_csv += "," + o;
        lr_csv += "\n";
        for (double lr : r.protocol.learning_rates()) {
            lr_csv += format_number(lr);
            for (const auto& o : r.protocol.optimizers) {
                double v = std::numeric_limits<double>::quiet_NaN();
                for (const SuiteArm& a : r.arms) {
                    if (a.problem == problem.name && a.optimizer == o && a.phase == "tune" && a.lr && *a.lr == lr) v = a.validation_metric;
                }
                lr_csv += "," + cell(v);
            }
            lr_csv += "\n";
        }
        const std::string lr_file = "suite-lr-" + problem.name + ".csv";
        write_text(dir / lr_file, lr_csv);
        lr_gp += "set title " + gnuplot_text(problem.name) + "\nset xlabel " + gnuplot_string(std::string(tr(lang, "figure.suite.learning-rate"))) +
                 "\nset ylabel " + gnuplot_string(trf(lang, "figure.suite.validation", {problem.metric})) + "\nplot ";
        for (std::size_t o = 0; o < O; ++o) {
            lr_gp += "'" + lr_file + "' every ::1 using 1:" + std::to_string(2 + o) + " with linespoints lw 2 pt 7 lc rgb '" +
                     kColors[o % 12] + "' title " + gnuplot_text(label(r, r.protocol.optimizers[o])) + (o + 1 < O ? ", \\\n     " : "\n");
        }
    }
    curves_gp += "unset multiplot\n";
    lr_gp += "unset multiplot\n";
    plot_png_svg(dir / "suite-curves", curves_gp, 420 * columns, 340 * rows + 40, lang);
    plot_png_svg(dir / "suite-lr", lr_gp, 420 * columns, 340 * rows + 40, lang);
}

}  // namespace

std::string suite_json(const SuiteResult& r) {
    nlohmann::ordered_json j;
    j["protocol"] = nlohmann::json::parse(r.protocol.to_json());
    j["protocol"]["phases"] = {
        {"default", "every optimizer at its default hyper-parameters (torch convention), once per seed"},
        {"tune", "the learning rate over the grid, seed 1, scored by the final validation metric"},
        {"seed", "the best learning rate on seeds 2..S; seed 1 is its tuning run"}};
    j["problems"] = nlohmann::json::array();
    for (const SuiteProblem& p : r.problems) {
        j["problems"].push_back({{"name", p.name}, {"metric", p.metric}, {"lower_is_better", p.lower_is_better},
                                 {"iterations", p.iterations}, {"eval_every", p.eval_every}, {"target", p.target},
                                 {"validation", p.validation}, {"test", p.test}});
    }
    j["optimizers"] = r.protocol.optimizers;
    // Optimizers from outside the registry, by what made them (a Python class).
    nlohmann::ordered_json origins = nlohmann::ordered_json::object();
    for (const auto& o : r.protocol.optimizers) {
        if (const std::string origin = r.protocol.catalogue.origin(o); !origin.empty()) origins[o] = origin;
    }
    if (!origins.empty()) j["origins"] = origins;
    j["arms"] = nlohmann::json::array();
    for (const SuiteArm& a : r.arms) {
        nlohmann::ordered_json arm;
        arm["problem"] = a.problem;
        arm["optimizer"] = a.optimizer;
        arm["phase"] = a.phase;
        arm["lr"] = a.lr_used;
        arm["seed"] = a.seed;
        arm["diverged"] = a.diverged;
        arm["final_train_loss"] = number_or_null(a.final_train_loss);
        arm["validation_metric"] = number_or_null(a.validation_metric);
        arm["test_metric"] = number_or_null(a.test_metric);
        arm["iterations"] = a.iterations;
        arm["iterations_to_target"] = optional_or_null(a.iterations_to_target);
        arm["seconds_to_target"] = optional_or_null(a.seconds_to_target);
        arm["seconds"] = a.seconds;
        if (!a.same_run_as.empty()) arm["same_run_as"] = a.same_run_as;
        if (!a.origin.empty()) arm["origin"] = a.origin;
        j["arms"].push_back(arm);
    }
    j["table"] = nlohmann::json::array();
    for (const SuiteRow& row : r.rows) {
        j["table"].push_back({{"problem", row.problem}, {"optimizer", row.optimizer}, {"applicable", row.applicable}, {"rank", row.rank},
                              {"tied_with_winner", row.tied}, {"best_lr", number_or_null(row.best_lr)},
                              {"tuned_test_metric", {{"mean", number_or_null(row.tuned_mean)}, {"min", number_or_null(row.tuned_min)}, {"max", number_or_null(row.tuned_max)}}},
                              {"default_test_metric", {{"mean", number_or_null(row.default_mean)}, {"min", number_or_null(row.default_min)}, {"max", number_or_null(row.default_max)}}},
                              {"iterations_to_target", optional_or_null(row.iterations_to_target)},
                              {"seconds_to_target", optional_or_null(row.seconds_to_target)}});
    }
    nlohmann::ordered_json winners, scores, scores_seconds, defaults_vs_tuning;
    const std::size_t O = r.protocol.optimizers.size();
    for (std::size_t p = 0; p < r.problems.size(); ++p) {
        winners[r.problems[p].name] = r.winners[p];
        // The best of every optimizer at its defaults against each optimizer tuned.
        const SuiteRow* best_default = nullptr;
        for (std::size_t o = 0; o < O; ++o) {
            const SuiteRow& row = r.rows[p * O + o];
            if (!std::isfinite(row.default_mean)) continue;
            const double mine = r.problems[p].lower_is_better ? -row.default_mean : row.default_mean;
            if (!best_default || mine > (r.problems[p].lower_is_better ? -best_default->default_mean : best_default->default_mean)) {
                best_default = &row;
            }
        }
        nlohmann::ordered_json entry;
        entry["best_default"] = best_default ? nlohmann::ordered_json{{"optimizer", best_default->optimizer},
                                                                      {"test_metric", best_default->default_mean}}
                                             : nlohmann::ordered_json();
        nlohmann::ordered_json tuned;
        for (std::size_t o = 0; o < O; ++o) tuned[r.rows[p * O + o].optimizer] = number_or_null(r.rows[p * O + o].tuned_mean);
        entry["tuned"] = tuned;
        defaults_vs_tuning[r.problems[p].name] = entry;
    }
    for (std::size_t o = 0; o < O; ++o) {
        scores[r.protocol.optimizers[o]] = r.score_iterations[o];
        scores_seconds[r.protocol.optimizers[o]] = r.score_seconds[o];
    }
    j["winners"] = winners;
    j["scores"] = scores;
    j["scores_seconds"] = scores_seconds;
    j["defaults_vs_tuning"] = defaults_vs_tuning;
    j["profile"] = {{"tau_max", SuiteResult::kTauMax}, {"taus", r.taus}};
    return j.dump(1);
}

void write_suite(const std::filesystem::path& dir, const SuiteResult& r, Lang lang) {
    std::filesystem::create_directories(dir);
    const std::string json = suite_json(r) + "\n";
    write_file_atomic(dir / "suite.json", std::as_bytes(std::span(json.data(), json.size())));
    std::string arms = "problem,optimizer,phase,lr,seed,diverged,final_train_loss,validation_metric,test_metric,iterations,"
                       "iterations_to_target,seconds_to_target,seconds\n";
    for (const SuiteArm& a : r.arms) {
        arms += a.problem + "," + a.optimizer + "," + a.phase + "," + format_number(a.lr_used) + "," + std::to_string(a.seed) + "," +
                (a.diverged ? "true" : "false") + "," + cell(a.final_train_loss) + "," + cell(a.validation_metric) + "," +
                cell(a.test_metric) + "," + std::to_string(a.iterations) + "," + cell(a.iterations_to_target) + "," +
                cell(a.seconds_to_target) + "," + format_number(a.seconds) + "\n";
    }
    write_text(dir / "suite-arms.csv", arms);
    std::string table = "problem,optimizer,rank,tied_with_winner,best_lr,tuned_mean,tuned_min,tuned_max,default_mean,default_min,"
                        "default_max,iterations_to_target,seconds_to_target\n";
    for (const SuiteRow& row : r.rows) {
        table += row.problem + "," + row.optimizer + "," + std::to_string(row.rank) + "," + (row.tied ? "true" : "false") + "," +
                 cell(row.best_lr) + "," + cell(row.tuned_mean) + "," + cell(row.tuned_min) + "," + cell(row.tuned_max) + "," +
                 cell(row.default_mean) + "," + cell(row.default_min) + "," + cell(row.default_max) + "," +
                 cell(row.iterations_to_target) + "," + cell(row.seconds_to_target) + "\n";
    }
    write_text(dir / "suite-table.csv", table);
    if (!gnuplot_available()) return;
    plot_profile(dir, r, lang);
    plot_ranks(dir, r, lang);
    plot_per_problem(dir, r, lang);
}

}  // namespace optlab::experiment
