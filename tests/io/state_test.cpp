// SPDX-License-Identifier: MIT
// Saved optimizer state (RELIABILITY.md C1-C6): save → load → continue equals never stopping,
// bit for bit, for every optimizer and convention; loading leaves the source alone; a state that
// does not fit is refused with the tensor or field named.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>

#include "../test_name.hpp"
#include "optlab/io/optimizer_state.hpp"
#include "optlab/optim/adam.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/optim/sgd.hpp"
#include "optlab/optim/wrappers.hpp"
#include "../optim/splitmix.hpp"
#include "../optim/taken_as.hpp"
#include "../stepping.hpp"

namespace optlab {
namespace {

template <class T>
void fill(std::span<T> values, std::uint64_t seed) {
    test::SplitMix64 rng(seed);
    for (T& v : values) v = T(rng.symmetric());
}

// Gradients of every tensor, each from its own seed.
template <class T>
void fill_grads(ParamStore<T>& store, std::uint64_t seed) {
    for (std::size_t i = 0; i < store.num_tensors(); ++i) fill(store.view(i).grad, seed * 31 + i);
}

// `optimizer`: the bias as that optimizer takes it (a 1×5 matrix for Muon).
template <class T>
ParamStore<T> model(std::uint64_t seed = 1, std::string_view optimizer = "sgd") {
    ParamStore<T> store;
    store.add("layer1.weight", {6, 5});
    store.add("layer1.bias", test::taken_as(optimizer, {5}));
    fill(store.params(), seed);
    return store;
}

// Unique per process: ctest runs the tests in parallel, each in its own process.
std::filesystem::path temp_file(const std::string& name) {
    return std::filesystem::path(::testing::TempDir()) /
           (std::to_string(::getpid()) + "_" + name);
}

struct Case {
    std::string optimizer;
    Convention convention;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.optimizer << " under " << to_string(c.convention); }

class Resume : public ::testing::TestWithParam<Case> {};

std::vector<Case> resume_cases() {
    std::vector<Case> out;
    for (const std::string& name : test::gradient_stepped_optimizers()) {  // (L-BFGS: lbfgs_test)
        for (Convention c : {Convention::torch, Convention::keras, Convention::book}) {
            out.push_back({std::string(name), c});
        }
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(All, Resume, ::testing::ValuesIn(resume_cases()), [](const auto& info) {
    return test::test_name(info.param.optimizer + "_" + std::string(to_string(info.param.convention)));
});

// Hyper-parameters as printed: a number left unset (torch's None, NaN in memory) is "none",
// equal to itself, where NaN != NaN would make a state unequal to its own copy.
std::map<std::string, std::string> printed(const HyperParams& hyper) {
    std::map<std::string, std::string> out;
    for (const auto& [name, value] : hyper) out[name] = to_string(value);
    return out;
}

TEST_P(Resume, SaveLoadContinueEqualsNeverStopping) {
    const Case& c = GetParam();
    const HyperParams hyper = test::weight_decay_if_any(c.optimizer, 0.01);
    auto straight_store = model<float>(1, c.optimizer);
    auto straight = make_optimizer<float>(c.optimizer, straight_store, hyper, c.convention);
    auto first_store = model<float>(1, c.optimizer);
    auto first = make_optimizer<float>(c.optimizer, first_store, hyper, c.convention);
    for (int step = 1; step <= 10; ++step) {
        fill_grads(straight_store, step);
        fill_grads(first_store, step);
        straight->step();
        first->step();
    }
    const auto path = temp_file("resume_" + c.optimizer + ".safetensors");
    save_optimizer_state(path, *first);
    const OptimizerState<float> saved = first->state_dict();

    // A fresh process: the model's weights restored, a new optimizer, the state loaded.
    auto resumed_store = model<float>(99, c.optimizer);
    std::copy(first_store.params().begin(), first_store.params().end(),
              resumed_store.params().begin());
    auto resumed = make_optimizer<float>(c.optimizer, resumed_store, HyperParams{}, c.convention);
    load_optimizer_state(path, *resumed);
    EXPECT_EQ(printed(resumed->hyper(0)), printed(straight->hyper(0)));
    EXPECT_EQ(resumed->step_count(0), 10);
    for (int step = 11; step <= 20; ++step) {
        fill_grads(straight_store, step);
        fill_grads(resumed_store, step);
        straight->step();
        resumed->step();
        ASSERT_TRUE(std::equal(straight_store.params().begin(), straight_store.params().end(),
                               resumed_store.params().begin()))
            << "step " << step;
    }
    for (const auto& name : straight->buffer_names()) {
        auto a = straight->buffer(name);
        auto b = resumed->buffer(name);
        EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << name;
    }
    // The source of the load is untouched (C2) and save → load is the identity (C3).
    const OptimizerState<float> again = first->state_dict();
    ASSERT_EQ(again.buffers.size(), saved.buffers.size());
    for (std::size_t i = 0; i < saved.buffers.size(); ++i) {
        EXPECT_EQ(again.buffers[i].data, saved.buffers[i].data);
    }
    std::filesystem::remove(path);
}

TEST(StateFile, IsSafetensorsWithDocumentedNames) {
    auto store = model<double>();
    Adam<double> adam(store, {.lr = 0.01, .amsgrad = true});
    fill_grads(store, 5);
    adam.step();
    const auto path = temp_file("adam_names.safetensors");
    save_optimizer_state(path, adam);
    const SafetensorsFile file = read_safetensors(path);
    EXPECT_EQ(file.metadata.at("optimizer/format"), "optlab.optimizer_state");
    EXPECT_EQ(file.metadata.at("optimizer/format_version"), "1");
    EXPECT_EQ(file.metadata.at("optimizer/optimizer"), "adam");
    EXPECT_EQ(file.metadata.at("optimizer/dtype"), "F64");
    const SafeTensor* m = file.find("optimizer/layer1.weight/exp_avg");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->dtype, "F64");
    EXPECT_EQ(m->shape, (std::vector<std::uint64_t>{6, 5}));
    EXPECT_NE(file.find("optimizer/layer1.bias/max_exp_avg_sq"), nullptr);
    EXPECT_NE(file.metadata.at("optimizer/groups").find("\"step\":1"), std::string::npos);
    std::filesystem::remove(path);
}

class Mismatch : public ::testing::Test {
  protected:
    std::filesystem::path path = temp_file("mismatch.safetensors");
    void SetUp() override {
        auto store = model<float>();
        Adam<float> adam(store);
        fill_grads(store, 1);
        adam.step();
        save_optimizer_state(path, adam);
    }
    void TearDown() override { std::filesystem::remove(path); }

    // Loads `path` into `opt` and returns the error message.
    template <class Opt>
    std::string error(Opt& opt) {
        try {
            load_optimizer_state(path, opt);
        } catch (const Error& e) {
            return e.what();
        }
        return "";
    }
    void edit(const std::function<void(SafetensorsFile&)>& change) {
        SafetensorsFile f = read_safetensors(path);
        f.metadata.erase("crc32");
        change(f);
        write_safetensors(path, f);
    }
};

void expect_has(const std::string& message, const std::string& part) {
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
}

TEST_F(Mismatch, AnotherOptimizerIsRefusedByName) {
    auto store = model<float>();
    Sgd<float> sgd(store, {.momentum = 0.9});
    expect_has(error(sgd), "saved by optimizer 'adam', cannot be loaded into 'sgd'");
}

TEST_F(Mismatch, AnotherConventionIsRefused) {
    auto store = model<float>();
    Adam<float> adam(store, AdamOptions::defaults(Convention::keras));
    expect_has(error(adam), "convention 'torch'");
}

TEST_F(Mismatch, AnotherArchitectureIsRefusedNamingTheTensor) {
    ParamStore<float> store;
    store.add("layer1.weight", {6, 4});
    store.add("layer1.bias", {5});
    Adam<float> adam(store);
    const std::string m = error(adam);
    expect_has(m, "tensor 'layer1.weight'");
    expect_has(m, "shape [6, 5]");
    expect_has(m, "[6, 4]");
    expect_has(m, path.string());

    ParamStore<float> renamed;
    renamed.add("fc.weight", {6, 5});
    renamed.add("layer1.bias", {5});
    Adam<float> adam2(renamed);
    expect_has(error(adam2), "is tensor 'layer1.weight' in the saved state but 'fc.weight' here");
}

TEST_F(Mismatch, OtherGroupsAreRefused) {
    auto store = model<float>();
    Adam<float> adam(store, {.groups = {{{"layer1.weight"}, {}}, {{"layer1.bias"}, {}}}});
    expect_has(error(adam), "has 1 parameter groups, this adam has 2");
}

TEST_F(Mismatch, FloatStateIntoADoubleModelIsRefused) {
    auto store = model<double>();
    Adam<double> adam(store);
    try {
        load_optimizer_state(path, adam);
        FAIL();
    } catch (const StateMismatch& e) {
        expect_has(e.what(), "optimizer state is F32, the model is F64");
    }
}

TEST_F(Mismatch, AFutureFormatVersionIsRefused) {
    edit([](SafetensorsFile& f) { f.metadata["optimizer/format_version"] = "2"; });
    auto store = model<float>();
    Adam<float> adam(store);
    expect_has(error(adam), "format version 2 is not supported");
}

TEST_F(Mismatch, BadHyperParametersInTheFileAreRefusedAndChangeNothing) {
    edit([](SafetensorsFile& f) {
        auto& g = f.metadata["optimizer/groups"];
        g.replace(g.find("\"lr\":"), 5, "\"lr\":-");
    });
    auto store = model<float>();
    Adam<float> adam(store, {.lr = 0.5});
    expect_has(error(adam), "invalid lr = -");
    EXPECT_EQ(adam.lr(0), 0.5);
    EXPECT_EQ(adam.step_count(0), 0);
}

TEST_F(Mismatch, AnUnknownBufferIsRefused) {
    edit([](SafetensorsFile& f) {
        for (auto& t : f.tensors) {
            if (t.name == "optimizer/layer1.bias/exp_avg") t.name = "optimizer/layer1.bias/velocity";
        }
    });
    auto store = model<float>();
    Adam<float> adam(store);
    expect_has(error(adam), "buffer 'velocity' of tensor 'layer1.bias' is not state of adam");
}

TEST_F(Mismatch, ACorruptFileIsRefusedAndTheOptimizerUnchanged) {
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(-5, std::ios::end);
        f.put('\x7f');
    }
    auto store = model<float>();
    Adam<float> adam(store);
    expect_has(error(adam), "CRC-32");
    EXPECT_EQ(adam.step_count(0), 0);
}

// SWA saved mid-anneal (two groups, each with its lr, after 2 of 5 SWALR steps): a new
// optimizer that loads the file goes on as the one that never stopped — parameters, average,
// n_averaged, lrs, evaluation point; an average that does not add up is refused, naming it.
TEST(StateFile, SwaSavedMidAnnealContinuesExactlyAndAnInconsistentAverageIsRefused) {
    const SwaOptions swa{4, 0.002, 5, "cos"};
    const std::vector<GroupSpec> groups = {{{"layer1.weight"}, {{"lr", 0.01}}}, {{"layer1.bias"}, {{"lr", 0.02}}}};
    auto make = [&](ParamStore<float>& store) { return with_swa(make_optimizer<float>("adam", store, groups), swa); };
    auto straight_store = model<float>(), first_store = model<float>();
    auto straight = make(straight_store), first = make(first_store);
    for (int step = 1; step <= 6; ++step) {
        fill_grads(straight_store, step);
        fill_grads(first_store, step);
        straight->step();
        first->step();
    }
    const auto path = temp_file("swa.safetensors");
    save_optimizer_state(path, *first);
    auto resumed_store = model<float>(99);
    std::copy(first_store.params().begin(), first_store.params().end(), resumed_store.params().begin());
    auto resumed = make(resumed_store);
    load_optimizer_state(path, *resumed);
    EXPECT_NE(resumed->lr(0), 0.01) << "saved mid-anneal: SWALR has moved the lr";
    for (int step = 7; step <= 12; ++step) {
        fill_grads(straight_store, step);
        fill_grads(resumed_store, step);
        straight->step();
        resumed->step();
        ASSERT_TRUE(std::equal(straight_store.params().begin(), straight_store.params().end(),
                               resumed_store.params().begin())) << "step " << step;
        for (std::size_t g = 0; g < 2; ++g) EXPECT_EQ(resumed->lr(g), straight->lr(g)) << "step " << step;
    }
    const auto a = straight->buffer("swa_model"), b = resumed->buffer("swa_model");
    EXPECT_TRUE(!a.empty() && std::equal(a.begin(), a.end(), b.begin(), b.end()));
    EXPECT_EQ(resumed->state_dict().groups[1].scalars.at("n_averaged"), 8.0);
    straight->eval();
    resumed->eval();
    EXPECT_TRUE(std::equal(straight_store.params().begin(), straight_store.params().end(), resumed_store.params().begin()));

    // The file, edited: n_averaged not a whole number, different between groups, or > 0 with
    // no average saved.
    auto refused = [&](const std::function<void(SafetensorsFile&)>& change, const std::string& part) {
        SafetensorsFile f = read_safetensors(path);
        f.metadata.erase("crc32");
        change(f);
        write_safetensors(path, f);
        auto store = model<float>();
        auto opt = make(store);
        try {
            load_optimizer_state(path, *opt);
            ADD_FAILURE() << "loaded a state with " << part;
        } catch (const StateMismatch& e) {
            expect_has(e.what(), part);
        }
        EXPECT_EQ(opt->step_count(0), 0) << "a refused state changes nothing";
        save_optimizer_state(path, *first);
    };
    auto set_count = [](double n, std::size_t group) {
        return [=](SafetensorsFile& f) {
            auto groups = nlohmann::json::parse(f.metadata.at("optimizer/groups"));
            groups[group]["scalars"]["n_averaged"] = n;
            f.metadata["optimizer/groups"] = groups.dump();
        };
    };
    refused(set_count(2.5, 0), "has n_averaged 2.5 (expected a whole number >= 0, the same in every group)");
    refused(set_count(-1, 0), "has n_averaged -1");
    refused(set_count(3, 1), "group 1 of adam+swa has n_averaged 3");
    refused([](SafetensorsFile& f) {
        std::erase_if(f.tensors, [](const SafeTensor& t) { return t.name == "optimizer/layer1.bias/swa_model"; });
    }, "has averaged 2 models but saved no swa_model of tensor 'layer1.bias'");
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace optlab
