// SPDX-License-Identifier: MIT
// What a training run records, kept in memory as it goes and appended to CSV files beside
// it: a row per iteration (iterations.csv) and per epoch (epochs.csv). At the end the same
// records become JSON (iterations.json, epochs.json) straight from memory. A resumed run
// appends to the CSV files, which so tell the whole run; its JSON files and summary tell the
// part since it resumed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace optlab {

struct IterationRow {
    std::int64_t iteration = 0, epoch = 0;
    double loss = 0, lr = 0;
    bool skipped = false;
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
    /// `append` (a resumed run), else begun afresh with their headers.
    void open(const std::filesystem::path& dir, bool append);
    /// Room for this many more iterations: recording them then allocates nothing.
    void reserve(std::size_t iterations) { iterations_.reserve(iterations_.size() + iterations); }

    void add(const IterationRow& row);
    void add(const EpochRecord& record);
    /// Pushes the CSV rows to disk; throws IoError when the disk refuses them.
    void flush();

    const std::vector<IterationRow>& iterations() const { return iterations_; }
    const std::vector<EpochRecord>& epochs() const { return epochs_; }

    /// iterations.json and epochs.json in `dir`, written atomically.
    void write_json(const std::filesystem::path& dir) const;

  private:
    std::vector<IterationRow> iterations_;
    std::vector<EpochRecord> epochs_;
    std::filesystem::path dir_;
    std::ofstream iterations_csv_, epochs_csv_;
};

/// One epoch as a JSON object (non-finite numbers as null).
std::string epoch_json(const EpochRecord& e);

}  // namespace optlab
