// SPDX-License-Identifier: MIT
// libFuzzer target: the optlab command line, parsed by the same CLI11 app the binary builds
// (cli/app.cpp), on arbitrary argument lists (the input split at newlines and NULs). Any input
// must end in a parse or a CLI11/optlab error — never a crash, a hang or an uncaught exception.
// What is fuzzed is every flag's parsing, conversion and validators; the commands' work
// (training, plotting, benchmarking) does not run: the main app's parse-complete callback,
// which CLI11 runs after all parsing and checks and before any subcommand's callback, stops the
// parse with ParsedOnly. (Removing the callbacks instead would free the flag structs they own
// and that the options write into.)
#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../cli/app.hpp"
#include "optlab/core/error.hpp"

namespace {
struct ParsedOnly {};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> args = {"optlab"};
    std::string current;
    for (std::size_t i = 0; i < size && args.size() < 64; ++i) {
        const char c = char(data[i]);
        if (c == '\n' || c == '\0') {
            args.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) args.push_back(current);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());

    CLI::App app{"optlab", "optlab"};
    int exit_code = 0;
    optlab::cli::setup_app(app, exit_code);
    app.parse_complete_callback([] { throw ParsedOnly{}; });
    try {
        app.parse(int(argv.size()), argv.data());
    } catch (const ParsedOnly&) {      // parsed and checked; the command would run now
    } catch (const CLI::Error&) {      // parse errors, --help, --version
    } catch (const optlab::Error&) {   // validation in the flags' own checks
    }
    return 0;
}
