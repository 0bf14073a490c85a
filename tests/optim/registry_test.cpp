// SPDX-License-Identifier: MIT
// The registry is the single source of truth (docs/contributing.md): every registered optimizer
// has what the rest of the tree derives from it — a PyTorch reference case, a section of
// docs/optimizers.md, a step benchmark kernel of its memory traffic (and that traffic is what
// its default step really touches), a description of every hyper-parameter for the CLI's help,
// and a label for legends. Forgetting one fails here instead of falling back silently.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <sstream>

#include "../test_name.hpp"
#include "optlab/bench/step_bench.hpp"
#include "optlab/optim/registry.hpp"
#include "taken_as.hpp"
#include "../stepping.hpp"

namespace optlab {
namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class Registered : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Registry, Registered,
                         ::testing::ValuesIn(std::vector<std::string>(optimizer_names().begin(),
                                                                      optimizer_names().end())),
                         [](const auto& info) { return test::test_name(info.param); });

TEST_P(Registered, HasAPytorchReferenceCase) {
    // generate.py's file; L-BFGS's are torch's own runs with their closures, in a file of their
    // own; SOAP's and Shampoo's, whose references are not installed here, NumPy
    // re-implementations' (preconditioned.py, checked by preconditioned_test).
    const bool closure = optimizer_info(GetParam()).needs_closure;
    std::size_t cases = 0;
    for (const char* file : {"torch_reference.json", "preconditioned.json"}) {
        std::ifstream in(std::string(OPTLAB_SOURCE_DIR) + "/tests/reference/" + (closure ? std::string("torch_lbfgs.json") : file));
        const auto doc = nlohmann::json::parse(in);
        for (const auto& c : doc["cases"]) cases += closure || c["optimizer"] == GetParam();
        if (closure) break;
    }
    EXPECT_GE(cases, 2u) << GetParam() << ": add its cases to tests/reference/generate.py (float64 and float32)";
}

TEST_P(Registered, HasASectionInTheDocs) {
    // A section whose first line names it: "Registry names: `adam`, `adamw`, `amsgrad`." right
    // under its "## " heading.
    std::stringstream docs(slurp(std::string(OPTLAB_SOURCE_DIR) + "/docs/optimizers.md"));
    bool found = false, after_heading = false;
    for (std::string line; std::getline(docs, line);) {
        if (line.empty()) continue;
        found = found || (after_heading && line.rfind("Registry name", 0) == 0 &&
                          line.find("`" + GetParam() + "`") != std::string::npos);
        after_heading = line.rfind("## ", 0) == 0;
    }
    EXPECT_TRUE(found) << GetParam() << ": no section of docs/optimizers.md begins 'Registry names: `"
                       << GetParam() << "`'";
}

class GradientStepped : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Registry, GradientStepped, ::testing::ValuesIn(test::gradient_stepped_optimizers()),
                         [](const auto& info) { return test::test_name(info.param); });

// (L-BFGS's step is up to max_iter iterations of dot products and evaluations, not one pass over
// its state: bench/ measures its cost per evaluation.)
TEST_P(GradientStepped, ItsStepTrafficIsWhatItsDefaultStepTouchesAndHasABenchmarkKernel) {
    const OptimizerInfo& info = optimizer_info(GetParam());
    EXPECT_TRUE(has_shape_kernel(info.traffic)) << GetParam() << ": add a comparison kernel of its passes";
    ParamStore<float> store;
    store.add("w", test::taken_as(GetParam(), {1000}));
    for (float& g : store.grads()) g = 0.5f;
    auto opt = make_optimizer<float>(GetParam(), store);
    opt->step();
    // Each state buffer the default step keeps is read and written once, beside p (read and
    // written) and g (read); a two-pass step updates its state in the first pass (reading p
    // and g too) and the parameters in the second (reading the state, or a workspace the
    // first pass wrote: LAMB's u). A vector here: for Adafactor, whose matrices keep R + C
    // numbers, the state of a vector is one buffer.
    const int buffers = int(opt->state_bytes() / (store.arena_size() * sizeof(float)));
    const int workspaces = int(opt->workspace_bytes() / (store.arena_size() * sizeof(float)));
    const StepTraffic t = info.traffic;
    // Buffers a two-pass step reads and does not write (Prodigy's and DoG's start θ0), buffers
    // its second pass does not read (Prodigy's s and θ0, D-Adaptation's s, DoG's θ0: only the
    // sums need them), and a first pass that does not read p (D-Adaptation's, decoupled).
    struct Unusual {
        int read_only, second_skips, first_skips_p;
    };
    const std::map<std::string, Unusual> unusual_buffers = {
        {"prodigy", {1, 2, 0}}, {"dadapt-adamw", {0, 1, 1}}, {"dog", {1, 1, 0}}};
    const auto unusual = unusual_buffers.find(GetParam());
    const Unusual u = unusual == unusual_buffers.end() ? Unusual{0, 0, 0} : unusual->second;
    const int read_only = u.read_only, second_skips = u.second_skips;
    if (t.passes() == 1) {
        EXPECT_EQ(t.first.reads, 2 + buffers) << GetParam();
        EXPECT_EQ(t.first.writes, 1 + buffers) << GetParam();
    } else if (t.first.writes == 0 && unusual == unusual_buffers.end()) {
        // a first pass that only reads, for per-tensor norms (LARS's ‖θ‖ and ‖u‖: p and g), then
        // the one-pass shape (DoG's first pass reads its θ0 too: the unusual ones below)
        EXPECT_TRUE(t.first.reads == 1 || t.first.reads == 2) << GetParam();
        EXPECT_EQ(t.second.reads, 2 + buffers) << GetParam();
        EXPECT_EQ(t.second.writes, 1 + buffers) << GetParam();
    } else {
        EXPECT_EQ(t.first.reads, 2 - u.first_skips_p + buffers) << GetParam();
        EXPECT_EQ(t.first.writes, buffers - read_only + workspaces) << GetParam();
        // p and the state, and g again where the step needs it twice (Adafactor's u = g/√v̂);
        // or p and the workspace alone
        if (workspaces > 0) {
            EXPECT_EQ(t.second.reads, 1 + workspaces) << GetParam();
        } else {
            const int read = buffers - second_skips;
            EXPECT_TRUE(t.second.reads == 1 + read || t.second.reads == 2 + read) << GetParam();
        }
        EXPECT_EQ(t.second.writes, 1) << GetParam();
    }
}

TEST_P(Registered, ListsTheStateItSavesAndNoOther) {
    // `optlab optimizers` (text and JSON) shows the entry's buffers as the optimizer's state. With
    // every option that adds state on (momentum, centered, amsgrad), a step on a vector and on a
    // matrix, then eval(), saves exactly the state listed: Adafactor's row_var and col_var (a matrix's) and
    // variance (a vector's) too, though it keeps no arena buffer.
    const OptimizerInfo& info = optimizer_info(GetParam());
    HyperParams hyper;
    for (const auto& [name, value] : info.defaults(Convention::torch)) {
        if (name == "amsgrad" || name == "centered") hyper[name] = true;
        if (name == "momentum" && std::get<double>(value) == 0.0) hyper[name] = 0.9;
    }
    std::set<std::string> saved;
    for (const std::vector<std::size_t>& shape : {std::vector<std::size_t>{60}, std::vector<std::size_t>{6, 10}}) {
        ParamStore<float> store;
        store.add("w", test::taken_as(GetParam(), shape));
        for (float& g : store.grads()) g = 0.5f;
        auto opt = make_optimizer<float>(GetParam(), store, hyper);
        if (info.needs_closure) {
            // Two steps on ½‖w − 1‖² from 0: L-BFGS keeps a history (its buffers old_dirs.i, old_stps.i).
            const auto closure = [&store] {
                double loss = 0;
                for (std::size_t i = 0; i < store.arena_size(); ++i) {
                    store.grads()[i] = store.params()[i] - 1.f;
                    loss += 0.5 * double(store.grads()[i]) * double(store.grads()[i]);
                }
                return loss;
            };
            opt->step(closure);
            opt->step(closure);
        } else {
            opt->step();
        }
        opt->eval();  // Schedule-Free keeps its training point while it evaluates at x
        for (const auto& b : opt->state_dict().buffers) {
            // a history's buffers, numbered from 0 ("old_dirs.3"), listed once by their name
            const auto dot = b.buffer.rfind('.');
            saved.insert(dot != std::string::npos && b.buffer.find_first_not_of("0123456789", dot + 1) == std::string::npos
                             ? b.buffer.substr(0, dot) : b.buffer);
        }
    }
    const std::set<std::string> listed(info.buffers.begin(), info.buffers.end());
    EXPECT_EQ(saved, listed) << GetParam() << ": the registry lists its state as " << testing::PrintToString(listed)
                             << ", a step saves " << testing::PrintToString(saved);
}

TEST_P(Registered, EveryHyperParameterIsDescribedUnderEveryConvention) {
    for (Convention c : {Convention::torch, Convention::keras, Convention::book}) {
        for (const auto& [name, value] : optimizer_defaults(GetParam(), c)) {
            EXPECT_FALSE(describe_hyper(name).empty()) << GetParam() << "'s " << name << ": add it to describe_hyper";
        }
    }
}

TEST(Registry, NamesAndLabelsAreUniqueAndEveryEntryIsComplete) {
    std::set<std::string_view> names, labels;
    for (const OptimizerInfo& o : optimizers()) {
        EXPECT_TRUE(names.insert(o.name).second) << o.name;
        EXPECT_TRUE(labels.insert(o.label).second) << o.label;
        EXPECT_FALSE(o.summary.empty()) << o.name;
        EXPECT_TRUE(o.defaults && o.make_float && o.make_double) << o.name;
    }
    EXPECT_THROW(optimizer_info("adamm"), InvalidArgument);
}

}  // namespace
}  // namespace optlab
