#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nanotasks::http {

// Prometheus text exposition of request counts by route template and status, a latency
// histogram, and gauges that other layers register (worker pool, database pool). Thread-safe.
class Metrics {
  public:
    // Upper bounds (seconds) of the latency histogram's buckets; +Inf is implied.
    static constexpr int kBoundsCount = 12;
    static constexpr double kBounds[kBoundsCount] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1,    2.5};

    // `route` is a route template or "unmatched", never a raw path: label values must stay few.
    void ObserveRequest(std::string_view method, std::string_view route, int status,
                        double seconds);
    // A gauge read at scrape time; `name` is a full metric name, e.g. "nanotasks_db_pool_in_use".
    // A gauge added again under the same name replaces the earlier one. `read` is called without
    // the metrics lock held, so it may take its own locks.
    void AddGauge(std::string name, std::string help, std::function<double()> read);
    std::string Render() const;

  private:
    struct Gauge {
        std::string name;
        std::string help;
        std::function<double()> read;
    };

    mutable std::mutex mutex_;
    // (method, route) -> status -> count.
    std::map<std::pair<std::string, std::string>, std::map<int, std::uint64_t>> counts_;
    // Non-cumulative counts per bucket; the last one is +Inf. Render() accumulates.
    std::vector<std::uint64_t> buckets_ = std::vector<std::uint64_t>(kBoundsCount + 1, 0);
    double latency_sum_ = 0;
    std::uint64_t latency_count_ = 0;
    std::vector<Gauge> gauges_;
};

}  // namespace nanotasks::http
