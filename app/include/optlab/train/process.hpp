// SPDX-License-Identifier: MIT
// What a training run asks of its process: SIGINT and SIGTERM turned into a request to stop at
// the next iteration (so a checkpoint can be written), and how much memory it holds.
#pragma once

#include <cstdint>

namespace optlab {

/// Catches SIGINT and SIGTERM while it lives (restoring the previous handlers after): a signal
/// sets the stop request instead of ending the process. Several may live at once (runs in
/// several Python threads): the first catches, the last restores, a signal stops them all.
class StopSignals {
  public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
    /// The signal that asked to stop, or 0.
    static int requested();
};

/// Asks a running train() to stop at the next iteration boundary as if signalled (tests).
void request_stop(int signal);

/// The resident set now and its file-backed part (shared libraries' pages), in bytes.
struct Resident {
    std::uint64_t total = 0, file = 0;
};
Resident resident_bytes();
/// The process's peak resident set so far, in bytes.
std::uint64_t peak_resident_bytes();

}  // namespace optlab
