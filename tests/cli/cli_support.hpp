// SPDX-License-Identifier: MIT
// What the CLI tests share: running the optlab binary and capturing everything, CSV reading,
// a fixture with a small synthetic MNIST-layout folder, and readable names for catalogue cases.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "../train/synthetic.hpp"

namespace optlab {

struct CliRun {
    int code;
    std::string out, err;
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs `optlab ARGS` (ARGS already shell-quoted) and captures everything; `prefix` runs it
// through another command (setpriv, prlimit).
inline CliRun optlab_run(const std::string& args, const std::string& prefix = "") {
    // Per process: ctest runs tests in parallel, each in its own process.
    const std::string dir = ::testing::TempDir();
    const std::string tag = std::to_string(::getpid());
    const std::string out = dir + "/cli_out." + tag, err = dir + "/cli_err." + tag;
    const std::string cmd = prefix + "'" + OPTLAB_CLI + "' " + args + " >'" + out + "' 2>'" +
                            err + "' </dev/null";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

inline std::vector<std::vector<std::string>> csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::stringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::vector<std::string> cells;
        std::stringstream cs(line);
        std::string cell;
        while (std::getline(cs, cell, ',')) cells.push_back(cell);
        rows.push_back(cells);
    }
    return rows;
}

class CliTrain : public ::testing::Test {
  protected:
    std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                ("optlab_cli_train_" + std::to_string(::getpid()));
    void SetUp() override {
        std::filesystem::remove_all(dir);
        test::write_synthetic_folder(dir / "data", 512, 128);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    // `optlab train` on the synthetic folder; flags in `extra` replace the defaults here.
    std::string base(const std::string& extra = "") const {
        std::string args = "train --threads 1 --progress none";
        if (extra.find("--lr ") == std::string::npos) args += " --lr 0.01";
        if (extra.find("--data ") == std::string::npos) args += " --data '" + (dir / "data").string() + "'";
        if (extra.find("--net ") == std::string::npos) args += " --net 16-32-10";
        if (extra.find("--batch ") == std::string::npos) args += " --batch 32";
        return args + " " + extra;
    }
};

// Permissions do not bind root, so as root the binary runs as nobody (setpriv, util-linux).
inline std::string as_unprivileged_user() {
    return ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
}

// A catalogue case's test name: its `name`, letters, digits and underscores only.
template <class Case>
std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    std::string out;
    for (char c : std::string(info.param.name)) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return out;
}

}  // namespace optlab
