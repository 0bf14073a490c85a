// SPDX-License-Identifier: MIT
// optlab's thread pool: workers created once and reused by every parallel_for and parallel_run.
// A worker that finds no work spins for a while (kSpin: in training the next region follows
// within tens of microseconds, and waking a sleeping thread costs about as much on a VM), then
// sleeps on an atomic wait (a futex), so an idle program leaves the cores alone. The network's
// matrix products run inside these regions with one OpenBLAS thread each, so no BLAS thread
// competes with the spinning. (libgomp's workers spin for up to ~0.3 s after each region unless
// OMP_WAIT_POLICY=passive is set before the program starts.)
#include "optlab/core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "optlab/core/error.hpp"

namespace optlab {

namespace {

// How long a thread spins before it sleeps: a worker waiting for the next region, the caller
// waiting for the workers to finish theirs.
constexpr auto kSpin = std::chrono::microseconds(200);

// Spins until done() or kSpin has passed; returns done().
template <class Done>
bool spin_until(Done done) {
    const auto until = std::chrono::steady_clock::now() + kSpin;
    while (true) {
        for (int i = 0; i < 64; ++i) {
            if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();  // lets the memory system and a sibling hyper-thread breathe
#endif
        }
        if (std::chrono::steady_clock::now() > until) return done();
    }
}

int default_threads() {
    if (const char* env = std::getenv("OPTLAB_NUM_THREADS")) {
        const int n = std::atoi(env);
        if (n >= 1) return n;
    }
    return int(std::max(1u, std::thread::hardware_concurrency()));
}

class Pool {
  public:
    explicit Pool(int threads) {
        for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { work(i); });
    }
    ~Pool() {
        stop_.store(true);
        generation_.fetch_add(1);
        generation_.notify_all();
        for (auto& w : workers_) w.join();
    }
    int size() const { return int(workers_.size()) + 1; }

    // Runs task(t) for t = 0..size()-1, t = 0 on the calling thread.
    void run(const std::function<void(int)>& task) {
        task_ = &task;
        pending_.store(int(workers_.size()));
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
        task(0);
        spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; });
        for (int p = pending_.load(std::memory_order_acquire); p != 0; p = pending_.load(std::memory_order_acquire)) {
            pending_.wait(p);
        }
    }

  private:
    void work(int index) {
        std::uint64_t seen = 0;
        while (true) {
            spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
            std::uint64_t g = generation_.load(std::memory_order_acquire);
            while (g == seen) {
                generation_.wait(seen);
                g = generation_.load(std::memory_order_acquire);
            }
            seen = g;
            if (stop_.load()) return;
            (*task_)(index);
            if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
        }
    }

    std::vector<std::thread> workers_;
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stop_{false};
    const std::function<void(int)>* task_ = nullptr;
};

std::mutex g_mutex;  // one parallel_for at a time, and resizing
int g_threads = 0;   // 0: not set yet
std::unique_ptr<Pool> g_pool;

Pool& pool_for(int threads) {
    if (!g_pool || g_pool->size() != threads) {
        g_pool.reset();
        g_pool = std::make_unique<Pool>(threads);
    }
    return *g_pool;
}

}  // namespace

int num_threads() {
    std::lock_guard lock(g_mutex);
    if (g_threads == 0) g_threads = default_threads();
    return g_threads;
}

void set_num_threads(int n) {
    if (n < 1) {
        throw InvalidArgument("threads: invalid value " + std::to_string(n) +
                              " (expected an integer >= 1)");
    }
    std::lock_guard lock(g_mutex);
    g_threads = n;
}

void parallel_for(std::size_t begin, std::size_t end, std::size_t align,
                  const std::function<void(std::size_t, std::size_t)>& body) {
    if (begin >= end) return;
    const std::size_t n = end - begin;
    const int threads = num_threads();
    if (threads <= 1 || n < kSerialThreshold) {
        body(begin, end);
        return;
    }
    // Equal pieces, each inner boundary rounded up to the next whole cache line.
    const std::size_t per = (n + threads - 1) / threads;
    auto boundary = [&](std::size_t t) {
        if (t == 0) return begin;
        const std::size_t b = (begin + t * per + align - 1) / align * align;
        return std::min(end, b);
    };
    std::lock_guard lock(g_mutex);
    pool_for(threads).run([&](int t) {
        const std::size_t b = boundary(std::size_t(t)), e = boundary(std::size_t(t) + 1);
        if (b < e) body(b, e);
    });
}

void parallel_run_raw(void (*body)(void* context, Part part), void* context) {
    const int threads = num_threads();
    if (threads <= 1) {
        body(context, Part{});
        return;
    }
    struct Region {
        void (*body)(void*, Part);
        void* context;
        std::size_t parts;
    } region{body, context, std::size_t(threads)};
    std::lock_guard lock(g_mutex);
    // The lambda holds one pointer, so std::function keeps it in place without allocating.
    pool_for(threads).run([&region](int t) { region.body(region.context, Part{std::size_t(t), region.parts}); });
}

}  // namespace optlab
