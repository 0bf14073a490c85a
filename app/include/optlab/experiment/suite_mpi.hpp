// SPDX-License-Identifier: MIT
// The suite's arms spread over the ranks of an MPI job (`mpirun -np N optlab suite ...`), on
// one host or many (a hostfile). Built when CMake finds MPI (OPTLAB_HAVE_MPI).
//
// Rank 0 plans, reads the arms already done and, for each stage, broadcasts the pending arms;
// arm k goes to rank k mod N (the plan is problem-major, so every rank gets a share of every
// problem). Each rank trains its arms with its own threads and sends each result to rank 0,
// which writes it atomically as it arrives — so when a rank dies (mpirun then ends the job
// and names the rank), every arm finished so far is on disk and a rerun resumes from there.
// Arms are deterministic given their settings and thread count, so the results equal a
// single-process run's with the same --threads.
// Its ranks make registry optimizers only (the command line's): an optimizer brought from
// outside the registry (a Python class) lives in the process that brought it.
#pragma once

#include "optlab/experiment/suite.hpp"

namespace optlab::experiment {

/// Whether this process was started by mpirun (Open MPI's or MPICH's environment), so the
/// binary run without mpirun never initialises MPI.
bool launched_by_mpirun();

/// Initialises MPI on construction and finalises it on destruction.
class MpiSession {
  public:
    MpiSession(int* argc, char*** argv);
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;
    int rank() const { return rank_; }
    int size() const { return size_; }
    /// Ends every rank of the job (after an error on one of them) with `code`.
    [[noreturn]] void abort(int code) const;

  private:
    int rank_ = 0, size_ = 1;
};

class MpiWorkers final : public SuiteWorkers {
  public:
    MpiWorkers(const MpiSession& session, bool quick, const TrainTest* images, int threads);
    int count() const override { return session_.size(); }
    /// Rank 0: a stage's arms over every rank, rank 0 included.
    void run(const std::vector<SuiteArm>& pending, const std::function<void(const SuiteArm&)>& finished) override;
    /// Rank 0: the other ranks may return.
    void finish() override;
    /// The other ranks: run their share of each stage rank 0 broadcasts, until finish().
    void serve();

  private:
    const MpiSession& session_;
    bool quick_;
    const TrainTest* images_;
    int threads_;
};

}  // namespace optlab::experiment
