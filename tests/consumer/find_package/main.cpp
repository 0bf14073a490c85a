// SPDX-License-Identifier: MIT
// Uses optlab from its installed headers and library: Adam on a parabola must reach its minimum.
#include <cmath>
#include <cstdio>
#include <optlab/optlab.hpp>

int main() {
    optlab::ParamStore<float> store;
    store.add("w", {3});
    optlab::Adam<float> adam(store, {.lr = 0.1f});
    auto w = store.param("w");
    auto g = store.grad("w");
    const float target[3] = {1.f, -2.f, 3.f};
    for (int step = 0; step < 2000; ++step) {
        for (int i = 0; i < 3; ++i) g[i] = 2.f * (w[i] - target[i]);
        adam.step();
    }
    for (int i = 0; i < 3; ++i) {
        if (std::abs(w[i] - target[i]) > 1e-2f) {
            std::printf("consumer: w[%d] = %g, expected %g\n", i, w[i], target[i]);
            return 1;
        }
    }
    std::printf("consumer: ok\n");
    return 0;
}
