// SPDX-License-Identifier: MIT
// libFuzzer target: the IDX reader (plain and gzip) on arbitrary bytes. Any input must end in
// a value or an optlab::Error — never a crash, a hang or an unbounded allocation.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "optlab/core/error.hpp"
#include "optlab/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The reader takes a path (zlib's gz* interface detects gzip by its magic bytes).
    static const std::string path = "/tmp/optlab_fuzz_idx." + std::to_string(::getpid());
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    }
    try {
        optlab::read_idx(path, 1u << 20);  // a 1 MiB cap keeps every input cheap
    } catch (const optlab::Error&) {
    }
    std::remove(path.c_str());  // leave nothing in /tmp
    return 0;
}
