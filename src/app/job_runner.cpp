#include "app/job_runner.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace nanotasks::app {

JobRunner::JobRunner(std::vector<Job> jobs, std::chrono::seconds interval)
    : jobs_(std::move(jobs)), interval_(interval) {}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Start() {
    thread_ = std::thread([this] { Loop(); });
}

void JobRunner::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void JobRunner::RunOnce() {
    for (const Job& job : jobs_) {
        try {
            const std::int64_t changed = job.run();
            if (changed > 0) spdlog::info("job {}: {} changed", job.name, changed);
        } catch (const std::exception& error) {
            // A database that is down now will be retried at the next interval.
            spdlog::warn("job {} failed: {}", job.name, error.what());
        }
    }
}

void JobRunner::Loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        RunOnce();
        lock.lock();
        wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
}

}  // namespace nanotasks::app
