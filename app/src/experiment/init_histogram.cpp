// SPDX-License-Identifier: MIT
// E3: activation histograms per initializer (experiment/init_histogram.hpp).
#include "optlab/experiment/init_histogram.hpp"

#include <algorithm>
#include <cmath>

#include "optlab/core/error.hpp"
#include "optlab/core/rng.hpp"
#include "optlab/core/text.hpp"
#include "optlab/plot/gnuplot.hpp"

namespace optlab::experiment {

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
            else if (init.rfind("std=", 0) == 0) scale = parse_number(std::string_view(init).substr(4), "init-histogram init");
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
                          const std::vector<LayerHistogram>& result, Lang lang) {
    std::string csv = "activation,init,layer,bin,lo,hi,count,mean,std,outside\n";
    for (const auto& h : result) {
        for (std::size_t b = 0; b < h.counts.size(); ++b) {
            const double w = (h.hi - h.lo) / double(h.counts.size());
            csv += h.activation + "," + h.init + "," + std::to_string(h.layer) + "," + std::to_string(b) + "," +
                   format_number(h.lo + w * double(b)) + "," + format_number(h.lo + w * double(b + 1)) + "," +
                   std::to_string(h.counts[b]) + "," + format_number(h.mean) + "," + format_number(h.std) + "," + format_number(h.outside) + "\n";
        }
    }
    write_text(stem.string() + ".csv", csv);
    for (const std::string& act : spec.activations) {
        const std::string file = stem.filename().string() + ".csv";
        std::string gp = "set datafile separator ','\nset style fill solid 0.8 border lc rgb 'white'\nunset key\n";
        gp += "set multiplot layout " + std::to_string(spec.inits.size()) + "," + std::to_string(spec.layers) +
              " title " + gnuplot_string(trf(lang, "figure.histogram.title",
                                             {std::to_string(spec.layers), std::to_string(spec.nodes), act,
                                              std::to_string(spec.samples), std::to_string(spec.bins)})) + "\n";
        gp += "set tics font ',7'\nset format y '%.0s%c'\n";
        for (const std::string& init : spec.inits) {
            for (int layer = 1; layer <= spec.layers; ++layer) {
                const LayerHistogram* h = nullptr;
                for (const auto& x : result) {
                    if (x.activation == act && x.init == init && x.layer == layer) h = &x;
                }
                if (!h) continue;
                gp += "set title \"" +
                      trf(lang, "figure.histogram.panel", {init, std::to_string(layer), format_number(std::round(h->mean * 1e3) / 1e3),
                                                           format_number(std::round(h->std * 1e3) / 1e3)}) +
                      "\" font ',8'\n";
                gp += "set xrange [" + format_number(h->lo) + ":" + format_number(h->hi) + "]\n";
                gp += "plot " + gnuplot_string(file) + " every ::1 using ((strcol(1) eq '" + act +
                      "' && strcol(2) eq '" + init + "' && $3 == " + std::to_string(layer) +
                      ") ? ($5+$6)/2 : NaN):7:($6-$5) with boxes lc rgb '#1f77b4'\n";
            }
        }
        gp += "unset multiplot\n";
        plot_png_svg(stem.string() + "-" + act, gp, 1100, 210 * int(spec.inits.size()) + 50, lang);
    }
}

}  // namespace optlab::experiment
