// SPDX-License-Identifier: MIT
#include "optlab/experiment/reconstructions.hpp"

#include <fmt/format.h>

#include "optlab/core/parallel.hpp"
#include "optlab/data/sampler.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/plot/gnuplot.hpp"
#include "optlab/problems/autoencoder.hpp"
#include "optlab/train/loop.hpp"

namespace optlab::experiment {

ReconstructionResult run_reconstructions(const ReconstructionSpec& spec, const TrainTest& data) {
    if (spec.threads > 0) set_num_threads(spec.threads);
    ImageAutoencoder problem({256, 64, 256}, parse_init("he"), {&data.train, &data.test, nullptr, data.classes},
                             spec.batch, spec.seed);
    auto optimizer = make_optimizer<float>("adam", problem.store(), {{"lr", spec.lr}});
    ShuffledSampler sampler(problem.train_examples(), spec.batch, spec.seed + 3);
    LoopOptions options;
    options.epochs = 1000;
    options.max_iterations = spec.iterations;
    LoopState state;
    run_training_loop(problem, *optimizer, sampler, nullptr, options, state, {});

    ReconstructionResult r;
    r.images = std::min(spec.images, data.test.count);
    r.reconstructions = problem.reconstruct(0, r.images);
    r.originals.resize(r.images * data.test.features);
    for (std::size_t i = 0; i < r.originals.size(); ++i) r.originals[i] = float(data.test.pixels[i] / 255.0);
    r.test_error = problem.evaluate(Split::test).metric;
    std::vector<double> mean(data.train.features, 0.0);
    for (std::size_t i = 0; i < data.train.count; ++i) {
        for (std::size_t j = 0; j < data.train.features; ++j) mean[j] += data.train.pixels[i * data.train.features + j];
    }
    for (double& m : mean) m /= 255.0 * double(data.train.count);
    double error = 0;
    for (std::size_t i = 0; i < data.test.count; ++i) {
        for (std::size_t j = 0; j < data.test.features; ++j) {
            const double d = data.test.pixels[i * data.test.features + j] / 255.0 - mean[j];
            error += d * d;
        }
    }
    r.mean_image_error = error / double(data.test.count * data.test.features);
    return r;
}

void write_reconstructions(const std::filesystem::path& stem, const ReconstructionResult& r, Lang lang) {
    // The CSV: one line per image row; the plot's matrix: originals over reconstructions.
    const std::size_t h = r.height, w = r.width;
    std::string csv = "image,kind,row";
    for (std::size_t x = 0; x < w; ++x) csv += fmt::format(",p{}", x);
    csv += "\n";
    std::string matrix;
    for (int kind = 0; kind < 2; ++kind) {
        const std::vector<float>& v = kind == 0 ? r.originals : r.reconstructions;
        for (std::size_t i = 0; i < r.images; ++i) {
            for (std::size_t y = 0; y < h; ++y) {
                csv += fmt::format("{},{},{}", i, kind == 0 ? "original" : "reconstruction", y);
                for (std::size_t x = 0; x < w; ++x) csv += fmt::format(",{:.4f}", v[i * h * w + y * w + x]);
                csv += "\n";
            }
        }
    }
    for (int kind = 1; kind >= 0; --kind) {  // gnuplot's matrix rows run upwards: reconstructions first
        const std::vector<float>& v = kind == 0 ? r.originals : r.reconstructions;
        for (std::size_t y = h; y-- > 0;) {
            for (std::size_t i = 0; i < r.images; ++i) {
                for (std::size_t x = 0; x < w; ++x) matrix += fmt::format("{:.4f} ", v[i * h * w + y * w + x]);
            }
            matrix += "\n";
        }
    }
    write_text(stem.string() + ".csv", csv);
    write_text(stem.string() + ".matrix", matrix);
    const std::string body = fmt::format(
        "set palette gray negative\nunset colorbox\nunset key\nunset tics\nunset border\n"
        "set margins 0,0,0,2\nset size ratio -1\nset cbrange [0:1]\n"
        "set title {}\n"
        "plot {} matrix with image\n",
        gnuplot_string(std::string(tr(lang, "figure.reconstructions.title"))), gnuplot_string(stem.filename().string() + ".matrix"));
    plot_png_svg(stem, body, 900, 270, lang);
}

}  // namespace optlab::experiment
