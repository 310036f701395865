#include "http/worker_pool.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "http/metrics.hpp"

namespace nanotasks::http {

struct WorkerPool::State {
    std::size_t queue_max = 0;
    mutable std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> jobs;
    int busy = 0;
    int alive = 0;
    bool stopping = false;
    std::vector<std::thread> threads;  // touched only by the owner's thread

    void Work() {
        std::unique_lock lock(mutex);
        for (;;) {
            wake.wait(lock, [&] { return stopping || !jobs.empty(); });
            if (jobs.empty()) break;  // stopping, and the queue is drained
            std::function<void()> job = std::move(jobs.front());
            jobs.pop_front();
            ++busy;
            lock.unlock();
            RunGuarded(job);
            job = nullptr;  // release captures before taking the lock again
            lock.lock();
            --busy;
        }
        --alive;
    }

    // The pool's contract says jobs do not throw; a job that does anyway must not take a
    // thread (and the process, through std::terminate) down with it.
    static void RunGuarded(const std::function<void()>& job) {
        try {
            job();
        } catch (const std::exception& e) {
            spdlog::error("worker pool job threw: {}", e.what());
        } catch (...) {
            spdlog::error("worker pool job threw a non-standard exception");
        }
    }
};

WorkerPool::WorkerPool(WorkerPoolOptions options) : state_(std::make_shared<State>()) {
    if (options.threads < 1) throw std::invalid_argument("worker pool needs at least 1 thread");
    if (options.queue_max < 0) throw std::invalid_argument("worker pool queue_max must be >= 0");
    state_->queue_max = static_cast<std::size_t>(options.queue_max);
    state_->alive = options.threads;
    state_->threads.reserve(static_cast<std::size_t>(options.threads));
    for (int i = 0; i < options.threads; ++i) {
        state_->threads.emplace_back([state = state_.get()] { state->Work(); });
    }
}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::TryPost(std::function<void()> job) {
    {
        const std::lock_guard lock(state_->mutex);
        if (state_->stopping) return false;
        // A job counts against the queue only when no idle thread will take it, so that
        // queue_max = 0 means "run now or refuse".
        const auto idle = static_cast<std::size_t>(state_->alive - state_->busy);
        if (state_->jobs.size() >= idle + state_->queue_max) return false;
        state_->jobs.push_back(std::move(job));
    }
    state_->wake.notify_one();
    return true;
}

void WorkerPool::Shutdown() {
    {
        const std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->wake.notify_all();
    for (std::thread& thread : state_->threads) {
        if (thread.joinable()) thread.join();
    }
    state_->threads.clear();
}

std::size_t WorkerPool::queued() const {
    const std::lock_guard lock(state_->mutex);
    return state_->jobs.size();
}

int WorkerPool::busy() const {
    const std::lock_guard lock(state_->mutex);
    return state_->busy;
}

int WorkerPool::threads() const {
    const std::lock_guard lock(state_->mutex);
    return state_->alive;
}

void WorkerPool::ExportGauges(Metrics& metrics, const std::string& prefix) {
    const std::weak_ptr<State> weak = state_;
    const auto gauge = [weak](auto read) {
        return [weak, read]() -> double {
            const std::shared_ptr<State> state = weak.lock();
            if (!state) return 0;
            const std::lock_guard lock(state->mutex);
            return static_cast<double>(read(*state));
        };
    };
    metrics.AddGauge(prefix + "_queued", "Jobs accepted by the worker pool and not yet started.",
                     gauge([](const State& s) { return s.jobs.size(); }));
    metrics.AddGauge(prefix + "_busy", "Worker pool threads running a job.",
                     gauge([](const State& s) { return s.busy; }));
    metrics.AddGauge(prefix + "_threads", "Worker pool threads alive.",
                     gauge([](const State& s) { return s.alive; }));
}

}  // namespace nanotasks::http
