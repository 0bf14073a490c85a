// SPDX-License-Identifier: MIT
// Whether two checkpoint files are the same bytes — the header (metadata: the configuration,
// the loop's counters, the sampler's, generators' and schedule's state, the optimizer's groups;
// tensor names, dtypes, shapes and offsets) as well as the tensors' data. A resumed run promises
// the whole file, so tests compare the whole file; on a difference, the message names the
// metadata keys and tensors that differ.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "optlab/io/safetensors.hpp"

namespace optlab::test {

inline std::string file_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline ::testing::AssertionResult same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
    const std::string x = file_bytes(a), y = file_bytes(b);
    if (x == y) return ::testing::AssertionSuccess();
    std::size_t at = 0;
    while (at < x.size() && at < y.size() && x[at] == y[at]) ++at;
    auto failure = ::testing::AssertionFailure();
    failure << a << " (" << x.size() << " bytes) and " << b << " (" << y.size() << " bytes) differ from byte " << at
            << ":";
    try {
        const SafetensorsFile f = read_safetensors(a), g = read_safetensors(b);
        for (const auto& [key, value] : f.metadata) {
            if (!g.metadata.contains(key) || g.metadata.at(key) != value) failure << " metadata " << key << ";";
        }
        for (const auto& [key, value] : g.metadata) {
            if (!f.metadata.contains(key)) failure << " metadata " << key << ";";
        }
        for (const SafeTensor& t : f.tensors) {
            const SafeTensor* u = g.find(t.name);
            if (u == nullptr || u->dtype != t.dtype || u->shape != t.shape || u->data != t.data) {
                failure << " tensor " << t.name << ";";
            }
        }
        for (const SafeTensor& u : g.tensors) {
            if (f.find(u.name) == nullptr) failure << " tensor " << u.name << ";";
        }
    } catch (const std::exception& e) {
        failure << " " << e.what();
    }
    return failure;
}

}  // namespace optlab::test
