// SPDX-License-Identifier: MIT
// libFuzzer target: the safetensors parser and the optimizer-state loader on arbitrary bytes.
// Any input must end in a loaded state or an optlab::Error, and a refused load must leave the
// optimizer as it was.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "optlab/core/error.hpp"
#include "optlab/io/optimizer_state.hpp"
#include "optlab/optim/adam.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto file = optlab::parse_safetensors(
            std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size), "fuzz");
        optlab::ParamStore<float> store;
        store.add("layer1.weight", {3, 2});
        store.add("layer1.bias", {2});
        optlab::Adam<float> adam(store, {.lr = 0.01});
        const auto before = adam.state_dict();
        try {
            adam.load_state_dict(optlab::extract_optimizer_state<float>(file, "fuzz"));
        } catch (const optlab::Error&) {
            const auto after = adam.state_dict();
            if (after.groups[0].step != before.groups[0].step || after.buffers.size() != before.buffers.size()) {
                std::abort();  // a refused load changed the optimizer
            }
            return 0;
        }
        adam.step();  // a loaded state must be usable
    } catch (const optlab::Error&) {
    }
    return 0;
}
