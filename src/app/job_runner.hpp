#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nanotasks::app {

// Runs each background job every interval on one thread of its own. Every job must be safe to
// run in several processes at once (guarded transitions), since each process runs them all.
class JobRunner {
  public:
    struct Job {
        std::string name;
        std::function<std::int64_t()> run;  // returns how many rows it changed, for the log
    };

    JobRunner(std::vector<Job> jobs, std::chrono::seconds interval);
    ~JobRunner();
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    void Start();
    void Stop();
    // Runs every job once on the calling thread.
    void RunOnce();

  private:
    void Loop();

    std::vector<Job> jobs_;
    std::chrono::seconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace nanotasks::app
