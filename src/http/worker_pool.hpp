#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace nanotasks::http {

class Metrics;

struct WorkerPoolOptions {
    int threads = 8;
    // Jobs that may wait for a thread; a job beyond idle threads plus this is refused.
    int queue_max = 1024;
};

// A fixed set of threads for blocking work (database transactions, password hashing) with a
// bounded queue: when it is full, TryPost refuses at once, so that the caller can answer 503
// instead of letting latency grow without bound.
class WorkerPool {
  public:
    // Starts the threads. Throws std::invalid_argument when threads < 1 or queue_max < 0.
    explicit WorkerPool(WorkerPoolOptions options);
    ~WorkerPool();  // Shutdown()
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Queues `job` unless the pool is full or shut down. A job must not throw; if one does, the
    // exception is logged and the thread goes on with the next job.
    [[nodiscard]] bool TryPost(std::function<void()> job);

    // Refuses new jobs, runs the queued ones to completion and joins the threads. Idempotent;
    // must not be called from a job.
    void Shutdown();

    std::size_t queued() const;  // accepted jobs that no thread has started yet
    int busy() const;            // threads running a job
    int threads() const;         // threads alive

    // Registers nanotasks_worker_pool_{queued,busy,threads} (named with `prefix` instead of
    // "nanotasks_worker_pool" when given). The gauges read 0 once the pool is destroyed, so
    // `metrics` may outlive the pool.
    void ExportGauges(Metrics& metrics, const std::string& prefix = "nanotasks_worker_pool");

  private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace nanotasks::http
