// SPDX-License-Identifier: MIT
#include "optlab/train/run_log.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/io/safetensors.hpp"

namespace optlab {

namespace {

using json = nlohmann::json;

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(); }

json to_json(const EpochRecord& e) {
    json j = {{"epoch", e.epoch}, {"partial", e.partial}, {"iterations", e.iterations},
              {"train_loss", finite_or_null(e.train_loss)}, {"train_accuracy", finite_or_null(e.train_accuracy)},
              {"test_loss", finite_or_null(e.test_loss)}, {"test_accuracy", finite_or_null(e.test_accuracy)},
              {"lr", e.lr}, {"seconds", e.seconds}};
    if (e.validation_loss) {
        j["validation_loss"] = finite_or_null(*e.validation_loss);
        j["validation_accuracy"] = finite_or_null(*e.validation_accuracy);
    }
    return j;
}

void open_csv(std::ofstream& out, const std::filesystem::path& path, const char* header, bool append) {
    const bool exists = std::filesystem::exists(path);
    out.open(path, append ? std::ios::app : std::ios::trunc);
    if (!out) throw IoError(path.string() + ": cannot open for writing: " + std::strerror(errno));
    if (!append || !exists) out << header << "\n";
}

void write_text_atomic(const std::filesystem::path& path, const std::string& text) {
    write_file_atomic(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace

void RunLog::open(const std::filesystem::path& dir, bool append) {
    dir_ = dir;
    if (dir.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir)) {
        throw IoError(dir.string() + ": cannot create the output directory: " + ec.message());
    }
    open_csv(iterations_csv_, dir / "iterations.csv", "iteration,epoch,loss,lr,skipped", append);
    open_csv(epochs_csv_, dir / "epochs.csv",
             "epoch,iterations,train_loss,train_accuracy,validation_loss,validation_accuracy,"
             "test_loss,test_accuracy,lr,seconds",
             append);
}

void RunLog::add(const IterationRow& row) {
    iterations_.push_back(row);
    if (!iterations_csv_.is_open()) return;
    // Formatted on the stack: this runs every iteration, and the hot loop allocates nothing
    // (tests/train/allocation_test.cpp). Numbers in their shortest round-trip form.
    std::array<char, 160> buf;  // four numbers of at most 24 characters, and separators
    char* at = buf.data();
    auto integer = [&](std::int64_t value) {
        at = std::to_chars(at, at + 24, value).ptr;  // int64: at most 20 characters
        *at++ = ',';
    };
    auto number = [&](double value) {
        at = format_number_to(at, value);
        *at++ = ',';
    };
    integer(row.iteration);
    integer(row.epoch);
    number(row.loss);
    number(row.lr);
    *at++ = row.skipped ? '1' : '0';
    *at++ = '\n';
    iterations_csv_.write(buf.data(), at - buf.data());
}

void RunLog::add(const EpochRecord& r) {
    epochs_.push_back(r);
    if (!epochs_csv_.is_open()) return;
    auto num = [](double v) { return format_number(v); };
    epochs_csv_ << r.epoch << "," << r.iterations << "," << num(r.train_loss) << ","
                << num(r.train_accuracy) << "," << (r.validation_loss ? num(*r.validation_loss) : "")
                << "," << (r.validation_accuracy ? num(*r.validation_accuracy) : "") << ","
                << num(r.test_loss) << "," << num(r.test_accuracy) << "," << num(r.lr) << ","
                << num(r.seconds) << "\n";
}

void RunLog::flush() {
    for (auto [out, name] : {std::pair{&iterations_csv_, "iterations.csv"}, std::pair{&epochs_csv_, "epochs.csv"}}) {
        if (!out->is_open()) continue;
        out->flush();
        if (!*out) throw IoError((dir_ / name).string() + ": write failed (disk full?)");
    }
}

void RunLog::write_json(const std::filesystem::path& dir) const {
    json epochs = json::array();
    for (const auto& e : epochs_) epochs.push_back(to_json(e));
    json iterations = json::array();
    for (const auto& r : iterations_) {
        iterations.push_back({{"iteration", r.iteration}, {"epoch", r.epoch},
                              {"loss", finite_or_null(r.loss)}, {"lr", r.lr}, {"skipped", r.skipped}});
    }
    write_text_atomic(dir / "iterations.json", iterations.dump() + "\n");
    write_text_atomic(dir / "epochs.json", epochs.dump(1) + "\n");
}

std::string epoch_json(const EpochRecord& e) { return to_json(e).dump(); }

}  // namespace optlab
