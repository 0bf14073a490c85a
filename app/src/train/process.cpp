// SPDX-License-Identifier: MIT
#include "optlab/train/process.hpp"

#include <atomic>
#include <csignal>
#include <fstream>
#include <mutex>
#include <sys/resource.h>
#include <unistd.h>

namespace optlab {

namespace {

std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) { g_stop_signal.store(sig); }

using Handler = void (*)(int);
Handler g_old_int = SIG_DFL, g_old_term = SIG_DFL;
// Runs at once in several threads (Python's) share one catch: the first installs it, the last
// restores the handlers that were there before, and a signal stops every run.
std::mutex g_catching_mutex;
int g_catching = 0;

}  // namespace

StopSignals::StopSignals() {
    const std::lock_guard lock(g_catching_mutex);
    if (g_catching++ > 0) return;
    g_stop_signal.store(0);
    g_old_int = std::signal(SIGINT, on_stop_signal);
    g_old_term = std::signal(SIGTERM, on_stop_signal);
}

StopSignals::~StopSignals() {
    const std::lock_guard lock(g_catching_mutex);
    if (--g_catching > 0) return;
    std::signal(SIGINT, g_old_int);
    std::signal(SIGTERM, g_old_term);
}

int StopSignals::requested() { return g_stop_signal.load(); }

void request_stop(int signal) { g_stop_signal.store(signal); }

Resident resident_bytes() {
    // /proc/self/statm: total pages, resident, shared (file-backed resident).
    std::ifstream statm("/proc/self/statm");
    std::uint64_t pages = 0, resident = 0, shared = 0;
    statm >> pages >> resident >> shared;
    const std::uint64_t page = std::uint64_t(::sysconf(_SC_PAGESIZE));
    return {resident * page, shared * page};
}

std::uint64_t peak_resident_bytes() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return std::uint64_t(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace optlab
