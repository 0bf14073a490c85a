// SPDX-License-Identifier: MIT
// What a training run records, written as it goes: a row per iteration (iterations.csv, and
// iterations.json through a temporary file put in place at the end) and per epoch
// (epochs.csv; epochs.json at the end, from the epochs kept in memory). Iterations are not
// kept in memory: a run's memory does not grow with its length (docs/performance.md#memory).
// A resumed run appends to the CSV files, which so tell the whole run; its JSON files and
// summary tell the part since it resumed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "optlab/io/safetensors.hpp"

namespace optlab {

struct IterationRow {
    std::int64_t iteration = 0, epoch = 0;
    double loss = 0, lr = 0;
    bool skipped = false;
    std::int64_t evaluations = 1;  // of the loss and gradient in this iteration (L-BFGS: several)
    double test_loss = 0;  // after the step; logged for the problems evaluated every step
};

struct EpochRecord {
    std::int64_t epoch = 0, iterations = 0;
    bool partial = false;  // --max-iterations ended the run inside this epoch
    double train_loss = 0, train_accuracy = 0;
    double test_loss = 0, test_accuracy = 0;
    std::optional<double> validation_loss, validation_accuracy;
    double lr = 0, seconds = 0;
};

class RunLog {
  public:
    /// Writes iterations.csv and epochs.csv into `dir` ("" for no files): appended to when
    /// `append` (a resumed run), else begun afresh with their headers; iterations.json is
    /// begun in a temporary file. With `test_loss`, each row also holds the test loss after
    /// its step (the 2-D problems, which are evaluated every step).
    void open(const std::filesystem::path& dir, bool append, bool test_loss = false);

    void add(const IterationRow& row);
    void add(const EpochRecord& record);
    /// Pushes the CSV rows to disk; throws IoError when the disk refuses them.
    void flush();

    const std::vector<EpochRecord>& epochs() const { return epochs_; }

    /// Puts iterations.json and epochs.json in place in the folder given to open(), each
    /// atomically; nothing without one.
    void write_json();

  private:
    std::vector<EpochRecord> epochs_;
    std::filesystem::path dir_;
    std::ofstream iterations_csv_, epochs_csv_;
    AtomicFileWriter iterations_json_;
    bool first_row_ = true;
    bool test_loss_ = false;
};

/// One epoch as a JSON object (non-finite numbers as null).
std::string epoch_json(const EpochRecord& e);

}  // namespace optlab
