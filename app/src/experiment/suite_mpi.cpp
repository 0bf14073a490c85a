// SPDX-License-Identifier: MIT
// The suite over MPI ranks (experiment/suite_mpi.hpp). Messages are JSON text: a stage is
// {"arms": [...]} broadcast from rank 0 (or {"stop": true}); a result is one arm's JSON, sent
// to rank 0 with kResultTag.
#include "optlab/experiment/suite_mpi.hpp"

#include <mpi.h>

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "optlab/core/error.hpp"

namespace optlab::experiment {

namespace {

constexpr int kResultTag = 1;

void check(int code, const char* what) {
    if (code != MPI_SUCCESS) throw Error(std::string("suite: MPI: ") + what + " failed (error " + std::to_string(code) + ")");
}

// Rank 0's text to every rank.
std::string broadcast(const std::string& text, int rank) {
    unsigned long long length = text.size();
    check(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD), "broadcasting a stage's size");
    std::string received = rank == 0 ? text : std::string(length, '\0');
    check(MPI_Bcast(received.data(), int(length), MPI_CHAR, 0, MPI_COMM_WORLD), "broadcasting a stage");
    return received;
}

void send_result(const SuiteArm& arm) {
    const std::string json = arm.to_json();
    check(MPI_Send(json.data(), int(json.size()), MPI_CHAR, 0, kResultTag, MPI_COMM_WORLD), "sending a result");
}

SuiteArm receive_result(bool wait, bool& got) {
    int ready = 0;
    MPI_Status status;
    if (wait) {
        check(MPI_Probe(MPI_ANY_SOURCE, kResultTag, MPI_COMM_WORLD, &status), "waiting for a result");
        ready = 1;
    } else {
        check(MPI_Iprobe(MPI_ANY_SOURCE, kResultTag, MPI_COMM_WORLD, &ready, &status), "polling for results");
    }
    got = ready != 0;
    if (!got) return {};
    int length = 0;
    check(MPI_Get_count(&status, MPI_CHAR, &length), "sizing a result");
    std::string json(std::size_t(length), '\0');
    check(MPI_Recv(json.data(), length, MPI_CHAR, status.MPI_SOURCE, kResultTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "receiving a result");
    return SuiteArm::from_json(json, "the result from rank " + std::to_string(status.MPI_SOURCE));
}

}  // namespace

bool launched_by_mpirun() {
    return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
           std::getenv("PMIX_RANK") != nullptr;
}

MpiSession::MpiSession(int* argc, char*** argv) {
    int provided = 0;
    // Only the main thread calls MPI; the training threads never do.
    check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() { MPI_Finalize(); }

void MpiSession::abort(int code) const {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
}

MpiWorkers::MpiWorkers(const MpiSession& session, bool quick, const TrainTest* images, int threads)
    : session_(session), quick_(quick), images_(images), threads_(threads) {}

void MpiWorkers::run(const std::vector<SuiteArm>& pending, const std::function<void(const SuiteArm&)>& finished) {
    nlohmann::json stage;
    stage["arms"] = nlohmann::json::array();
    for (const SuiteArm& arm : pending) stage["arms"].push_back(nlohmann::json::parse(arm.to_json()));
    broadcast(stage.dump(), 0);
    const std::size_t ranks = std::size_t(session_.size());
    std::size_t from_others = 0;
    for (std::size_t k = 0; k < pending.size(); ++k) from_others += k % ranks != 0;
    for (std::size_t k = 0; k < pending.size(); k += ranks) {
        finished(run_arm(pending[k], suite_problem(pending[k].problem, quick_), images_, threads_, OptimizerCatalogue()));
        // Results that arrived meanwhile are written now, not at the end of the stage.
        for (bool got = true; got && from_others > 0;) {
            const SuiteArm arm = receive_result(false, got);
            if (got) finished(arm), --from_others;
        }
    }
    for (; from_others > 0; --from_others) {
        bool got = false;
        finished(receive_result(true, got));
    }
}

void MpiWorkers::finish() { broadcast(R"({"stop": true})", 0); }

void MpiWorkers::serve() {
    const std::size_t rank = std::size_t(session_.rank()), ranks = std::size_t(session_.size());
    for (;;) {
        const auto stage = nlohmann::json::parse(broadcast("", session_.rank()));
        if (stage.contains("stop")) return;
        const auto& arms = stage.at("arms");
        for (std::size_t k = rank; k < arms.size(); k += ranks) {
            const SuiteArm arm = SuiteArm::from_json(arms[k].dump(), "the stage from rank 0");
            send_result(run_arm(arm, suite_problem(arm.problem, quick_), images_, threads_, OptimizerCatalogue()));
        }
    }
}

}  // namespace optlab::experiment
