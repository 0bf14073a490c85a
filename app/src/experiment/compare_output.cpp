// SPDX-License-Identifier: MIT
// E2 and E4's files: the curves, runs and table as CSV, and the figure (experiment/compare.hpp).
#include <algorithm>
#include <cmath>

#include "optlab/core/text.hpp"
#include "optlab/experiment/compare.hpp"
#include "optlab/plot/gnuplot.hpp"

namespace optlab::experiment {

void write_compare(const std::filesystem::path& stem, const CompareSpec& spec,
                   const CompareResult& result, const std::string& title, double y_max, Lang lang) {
    // Per arm (at its best lr): smoothed curves of every seed → mean, min, max per iteration.
    std::vector<std::vector<std::vector<double>>> curves(result.table.size());
    for (std::size_t t = 0; t < result.table.size(); ++t) {
        for (const CompareRun& r : result.runs) {
            if (r.label == result.table[t].label && r.lr == result.table[t].lr) curves[t].push_back(smooth_curve(r.loss));
        }
    }
    std::string csv = "iteration";
    for (const auto& row : result.table) {
        const std::string l = csv_cell(row.label);
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
            csv += "," + format_number(sum / double(seeds.size())) + "," + format_number(lo) + "," + format_number(hi);
        }
        csv += "\n";
    }
    write_text(stem.string() + "-curves.csv", csv);
    std::string runs = "label,lr,seed,final_loss,test_accuracy,ms_per_iteration\n";
    for (const auto& r : result.runs) {
        runs += csv_cell(r.label) + "," + format_number(r.lr) + "," + std::to_string(r.seed) + "," + format_number(r.final_loss) + "," +
                format_number(r.test_accuracy) + "," + format_number(r.ms_per_iteration) + "\n";
    }
    write_text(stem.string() + "-runs.csv", runs);
    auto table_csv = [&](const std::vector<CompareRow>& rows) {
        std::string t = "label,lr,final_loss_mean,final_loss_std,smoothed_last,test_accuracy_mean,test_accuracy_std,ms_per_iteration\n";
        for (const auto& r : rows) {
            t += csv_cell(r.label) + "," + format_number(r.lr) + "," + format_number(r.final_loss_mean) + "," + format_number(r.final_loss_std) + "," +
                 format_number(r.smoothed_last_mean) + "," + format_number(r.test_accuracy_mean) + "," + format_number(r.test_accuracy_std) +
                 "," + format_number(r.ms_per_iteration) + "\n";
        }
        return t;
    };
    write_text(stem.string() + "-table.csv", table_csv(result.table));
    if (!result.sweep.empty()) write_text(stem.string() + "-sweep.csv", table_csv(result.sweep));

    std::string gp = "set datafile separator ','\nset key top right box opaque\nset grid\n";
    gp += "set title " + gnuplot_string(trf(lang, "figure.compare.band", {title, std::to_string(spec.seeds)})) + "\n";
    gp += "set xlabel " + gnuplot_string(std::string(tr(lang, "figure.iteration"))) + "\nset ylabel " +
          gnuplot_string(std::string(tr(lang, "figure.compare.ylabel"))) + "\n";
    gp += "set yrange [0:" + format_number(y_max) + "]\nset xrange [0:" + std::to_string(spec.iterations - 1) + "]\n";
    const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    const std::string data = gnuplot_string(stem.filename().string() + "-curves.csv");
    gp += "plot ";
    for (std::size_t t = 0; t < result.table.size(); ++t) {
        const std::string col = colors[t % 10];
        const int c = int(2 + 3 * t);
        gp += data + " every ::1 using 1:" + std::to_string(c + 1) + ":" + std::to_string(c + 2) +
              " with filledcurves lc rgb '" + col + "' fs transparent solid 0.2 notitle, \\\n     ";
        gp += data + " every ::1 using 1:" + std::to_string(c) + " with lines lw 2 lc rgb '" + col + "' title " +
              gnuplot_text(translated(lang, "arm.", result.table[t].label)) + (t + 1 < result.table.size() ? ", \\\n     " : "\n");
    }
    plot_png_svg(stem, gp, 900, 560, lang);
}

}  // namespace optlab::experiment
