// SPDX-License-Identifier: MIT
// The kernels' AVX2 and AVX-512 copies (core/simd.hpp) give bit-identical results to the
// baseline copy, for every optimizer, convention and flag, float and double, with lengths that
// leave vector tails and several groups. This holds because the library is compiled with
// -ffp-contract=off: every lane rounds exactly as the scalar loop does.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../test_name.hpp"
#include "optlab/core/error.hpp"
#include "optlab/core/simd.hpp"
#include "optlab/optim/registry.hpp"
#include "../optim/splitmix.hpp"
#include "../optim/taken_as.hpp"
#include "../stepping.hpp"

namespace optlab {
namespace {

// Restores the target chosen before the test.
class SimdTargetGuard {
public:
    SimdTargetGuard() : saved_(simd_target()) {}
    ~SimdTargetGuard() { set_simd_target(saved_); }

private:
    SimdTarget saved_;
};

std::vector<SimdTarget> vector_targets() {
    std::vector<SimdTarget> out;
    for (SimdTarget t : {SimdTarget::avx2, SimdTarget::avx512}) {
        if (simd_supported(t)) out.push_back(t);
    }
    return out;
}

// The defaults, and a variant with every flag the optimizer has turned on.
std::vector<HyperParams> variants(std::string_view name, Convention c) {
    const HyperParams defaults = optimizer_defaults(name, c);
    HyperParams all_on;
    for (const auto& [key, value] : defaults) {
        if (key == "maximize" || key == "amsgrad" || key == "centered") all_on[key] = true;
        if (key == "weight_decay") all_on[key] = 0.01;
        if (key == "momentum" && name == "rmsprop") all_on[key] = 0.9;
    }
    return {{}, all_on};
}

// Five steps of `name` on 1003 + 77 parameters (two groups, odd lengths) with fresh
// pseudo-random gradients each step; returns the parameters and every state buffer.
template <class T>
std::vector<T> run(std::string_view name, Convention c, const HyperParams& hyper) {
    ParamStore<T> store;
    store.add("w", test::taken_as(name, {17, 59}));
    store.add("b", test::taken_as(name, {77}));
    test::SplitMix64 rng(11);
    for (T& p : store.params()) p = T(rng.symmetric());
    HyperParams second = hyper;
    if (name == "prodigy" || name == "dadapt-adamw") {
        second["eps"] = 1e-6;  // one lr for every group, as its reference asks
    } else {
        second["lr"] = 0.003;
    }
    auto opt = make_optimizer<T>(name, store, std::vector<GroupSpec>{{{"w"}, hyper}, {{"b"}, second}}, c);
    for (int step = 0; step < 5; ++step) {
        for (T& g : store.grads()) g = T(rng.symmetric() * 0.1);
        opt->step();
    }
    std::vector<T> out(store.params().begin(), store.params().end());
    for (const auto& buffer : opt->state_dict().buffers) {
        out.insert(out.end(), buffer.data.begin(), buffer.data.end());
    }
    return out;
}

template <class T>
bool bit_identical(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

class EveryOptimizer : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(All, EveryOptimizer,
                         ::testing::ValuesIn(test::gradient_stepped_optimizers()),
                         [](const auto& info) { return test::test_name(info.param); });

TEST_P(EveryOptimizer, VectorCopiesAreBitIdenticalToBaseline) {
    if (vector_targets().empty()) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512";
    SimdTargetGuard guard;
    for (Convention c : {Convention::torch, Convention::keras, Convention::book}) {
        for (const HyperParams& hyper : variants(GetParam(), c)) {
            set_simd_target(SimdTarget::baseline);
            const std::vector<float> f_base = run<float>(GetParam(), c, hyper);
            const std::vector<double> d_base = run<double>(GetParam(), c, hyper);
            for (SimdTarget t : vector_targets()) {
                set_simd_target(t);
                SCOPED_TRACE(std::string(GetParam()) + " " + std::string(to_string(c)) + " " +
                             std::string(to_string(t)) + (hyper.empty() ? " defaults" : " all flags"));
                EXPECT_TRUE(bit_identical(run<float>(GetParam(), c, hyper), f_base));
                EXPECT_TRUE(bit_identical(run<double>(GetParam(), c, hyper), d_base));
            }
        }
    }
}

TEST(SimdTarget, NamesRoundTripAndUnknownNamesAreRejected) {
    for (SimdTarget t : {SimdTarget::baseline, SimdTarget::avx2, SimdTarget::avx512}) {
        EXPECT_EQ(parse_simd_target(to_string(t)), t);
    }
    EXPECT_FALSE(parse_simd_target("sse9"));
    EXPECT_TRUE(simd_supported(SimdTarget::baseline));
    EXPECT_TRUE(simd_supported(best_simd_target()));
}

TEST(SimdTarget, TheDefaultIsTheBestTheCpuHas) {
    // OPTLAB_SIMD is not set by the test runner, so the default is the best target.
    if (std::getenv("OPTLAB_SIMD") != nullptr) GTEST_SKIP() << "OPTLAB_SIMD is set";
    EXPECT_EQ(simd_target(), best_simd_target());
}

// The refusal is decided by a CPU probe; stand-in CPUs lacking AVX-512, or both vector
// targets, make it run on any machine, through set_simd_target's check and OPTLAB_SIMD's.
bool without_avx512(SimdTarget t) { return t != SimdTarget::avx512; }
bool baseline_only(SimdTarget t) { return t == SimdTarget::baseline; }

// The InvalidArgument message `f` throws ("" and a failure when it throws none).
template <class F>
std::string refusal(F f) {
    try {
        f();
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    ADD_FAILURE() << "no error";
    return "";
}

TEST(SimdTarget, AnUnsupportedTargetIsRefusedByName) {
    EXPECT_EQ(refusal([] { detail::require_simd_target(SimdTarget::avx512, without_avx512); }),
              "simd target: this CPU cannot run 'avx512' (best available: avx2)");
    EXPECT_EQ(refusal([] { detail::require_simd_target(SimdTarget::avx2, baseline_only); }),
              "simd target: this CPU cannot run 'avx2' (best available: baseline)");
    EXPECT_NO_THROW(detail::require_simd_target(SimdTarget::avx2, without_avx512));
    EXPECT_NO_THROW(detail::require_simd_target(SimdTarget::baseline, baseline_only));
    // OPTLAB_SIMD's value: unsupported, unknown, and what it selects otherwise.
    EXPECT_EQ(refusal([] { detail::simd_target_from("avx512", without_avx512); }),
              "OPTLAB_SIMD: this CPU cannot run 'avx512' (best available: avx2)");
    EXPECT_EQ(refusal([] { detail::simd_target_from("sse9", without_avx512); }),
              "OPTLAB_SIMD: invalid value 'sse9' (expected baseline, avx2 or avx512)");
    EXPECT_EQ(detail::simd_target_from("avx2", without_avx512), SimdTarget::avx2);
    EXPECT_EQ(detail::simd_target_from("", without_avx512), SimdTarget::avx2);
    EXPECT_EQ(detail::simd_target_from("", baseline_only), SimdTarget::baseline);
    // On this CPU: every target it lacks is refused by name, the others are taken.
    SimdTargetGuard guard;
    for (SimdTarget t : {SimdTarget::baseline, SimdTarget::avx2, SimdTarget::avx512}) {
        if (simd_supported(t)) {
            EXPECT_NO_THROW(set_simd_target(t));
            EXPECT_EQ(simd_target(), t);
        } else {
            EXPECT_NE(refusal([t] { set_simd_target(t); }).find("'" + std::string(to_string(t)) + "'"),
                      std::string::npos);
        }
    }
}

}  // namespace
}  // namespace optlab
