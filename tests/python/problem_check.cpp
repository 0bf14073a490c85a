// SPDX-License-Identifier: MIT
// The C++ side of test_problem.py: a catalogue problem made by the library's make_problem
// alone — not by the trainer's RunProblem, which optlab.Problem uses — then one forward and
// backward pass on examples named on the command line. The test compares optlab.Problem's
// parameters, loss and gradients with these, bit for bit.
//
//   optlab_problem_check PROBLEM SEED BATCH OUT EXAMPLE...
//
// Writes OUT.params and OUT.grads (the arenas, float32 little-endian) and prints the loss and
// the metric sum (%.17g).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "optlab/problems/catalogue.hpp"

namespace {

void write(const std::string& path, std::span<const float> values) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(values.data()), std::streamsize(values.size_bytes()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 6) {
        std::fprintf(stderr, "usage: %s PROBLEM SEED BATCH OUT EXAMPLE...\n", argv[0]);
        return 2;
    }
    optlab::ProblemSettings s;
    s.name = argv[1];
    s.seed = std::strtoull(argv[2], nullptr, 10);
    s.max_batch = std::strtoull(argv[3], nullptr, 10);
    const std::string out = argv[4];
    std::vector<std::uint32_t> batch;
    for (int i = 5; i < argc; ++i) batch.push_back(std::uint32_t(std::strtoul(argv[i], nullptr, 10)));
    const auto problem = optlab::make_problem(s, optlab::ClassificationData{});
    write(out + ".params", problem->store().params());
    problem->store().zero_grad();
    const optlab::BatchResult r = problem->train_batch(batch, /*backward=*/true);
    write(out + ".grads", problem->store().grads());
    std::printf("%.17g %.17g\n", r.loss, r.metric_sum);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "optlab_problem_check: %s\n", e.what());
    return 1;
}
