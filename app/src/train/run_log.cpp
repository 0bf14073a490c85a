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

void RunLog::open(const std::filesystem::path& dir, bool append, bool test_loss) {
    dir_ = dir;
    test_loss_ = test_loss;
    if (dir.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir)) {
        throw IoError(dir.string() + ": cannot create the output directory: " + ec.message());
    }
    open_csv(iterations_csv_, dir / "iterations.csv",
             test_loss ? "iteration,epoch,loss,lr,skipped,evaluations,test_loss" : "iteration,epoch,loss,lr,skipped,evaluations",
             append);
    open_csv(epochs_csv_, dir / "epochs.csv",
             "epoch,iterations,train_loss,train_accuracy,validation_loss,validation_accuracy,"
             "test_loss,test_accuracy,lr,seconds",
             append);
    // iterations.json grows in a temporary file beside it (one a killed run left is removed).
    remove_stale_temporaries(dir / "iterations.json");
    iterations_json_ = AtomicFileWriter(dir / "iterations.json");
    iterations_json_.write("[");
    first_row_ = true;
}

void RunLog::add(const IterationRow& row) {
    if (!iterations_csv_.is_open()) return;
    // Formatted on the stack: this runs every iteration, and the hot loop allocates nothing
    // (tests/train/allocation_test.cpp). Numbers in their shortest round-trip form.
    std::array<char, 192> buf;  // five numbers of at most 24 characters, and separators
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
    *at++ = ',';
    at = std::to_chars(at, at + 24, row.evaluations).ptr;
    if (test_loss_) {
        *at++ = ',';
        at = format_number_to(at, row.test_loss);
    }
    *at++ = '\n';
    iterations_csv_.write(buf.data(), at - buf.data());

    // The same row as a JSON object:
    // {"epoch":1,"evaluations":1,"iteration":1,"loss":2.3,"lr":0.001,"skipped":false}
    // (keys in order, a non-finite number as null).
    std::array<char, 224> obj;
    at = obj.data();
    auto text = [&](std::string_view s) { at = std::copy(s.begin(), s.end(), at); };
    auto json_number = [&](double value) {
        if (std::isfinite(value)) {
            at = format_number_to(at, value);
        } else {
            text("null");
        }
    };
    text(first_row_ ? "{\"epoch\":" : ",{\"epoch\":");
    at = std::to_chars(at, at + 24, row.epoch).ptr;
    text(",\"evaluations\":");
    at = std::to_chars(at, at + 24, row.evaluations).ptr;
    text(",\"iteration\":");
    at = std::to_chars(at, at + 24, row.iteration).ptr;
    text(",\"loss\":");
    json_number(row.loss);
    text(",\"lr\":");
    json_number(row.lr);
    text(row.skipped ? ",\"skipped\":true" : ",\"skipped\":false");
    if (test_loss_) {
        text(",\"test_loss\":");
        json_number(row.test_loss);
    }
    text("}");
    iterations_json_.write(std::string_view(obj.data(), std::size_t(at - obj.data())));
    first_row_ = false;
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

void RunLog::write_json() {
    if (dir_.empty()) return;
    iterations_json_.write("]\n");
    iterations_json_.commit();
    json epochs = json::array();
    for (const auto& e : epochs_) epochs.push_back(to_json(e));
    write_text_atomic(dir_ / "epochs.json", epochs.dump(1) + "\n");
}

std::string epoch_json(const EpochRecord& e) { return to_json(e).dump(); }

}  // namespace optlab
