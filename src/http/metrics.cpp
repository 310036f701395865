#include "http/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace nanotasks::http {

namespace {

// Label values are escaped as the exposition format requires: backslash, quote and newline.
void AppendLabelValue(std::string& out, std::string_view value) {
    out.push_back('"');
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

// HELP text escapes only backslash and newline.
void AppendHelp(std::string& out, std::string_view name, std::string_view help) {
    out += "# HELP ";
    out += name;
    out.push_back(' ');
    for (const char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    out.push_back('\n');
}

// Shortest representation that reads back as the same double, with Prometheus' spellings of
// the special values.
std::string FormatValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", value);
}

}  // namespace

void Metrics::ObserveRequest(std::string_view method, std::string_view route, int status,
                             double seconds) {
    const auto bound = std::lower_bound(std::begin(kBounds), std::end(kBounds), seconds);
    const auto bucket = static_cast<std::size_t>(std::distance(std::begin(kBounds), bound));
    const std::lock_guard lock(mutex_);
    ++counts_[{std::string(method), std::string(route)}][status];
    ++buckets_[bucket];
    latency_sum_ += seconds;
    ++latency_count_;
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
    const std::lock_guard lock(mutex_);
    Gauge gauge{.name = std::move(name), .help = std::move(help), .read = std::move(read)};
    const auto existing = std::find_if(gauges_.begin(), gauges_.end(),
                                       [&](const Gauge& g) { return g.name == gauge.name; });
    if (existing != gauges_.end()) {
        *existing = std::move(gauge);
    } else {
        gauges_.push_back(std::move(gauge));
    }
}

std::string Metrics::Render() const {
    std::string out;
    std::vector<Gauge> gauges;
    {
        const std::lock_guard lock(mutex_);
        AppendHelp(out, "nanotasks_http_requests_total",
                   "HTTP requests by method, route template and status.");
        out += "# TYPE nanotasks_http_requests_total counter\n";
        for (const auto& [key, by_status] : counts_) {
            for (const auto& [status, count] : by_status) {
                out += "nanotasks_http_requests_total{method=";
                AppendLabelValue(out, key.first);
                out += ",route=";
                AppendLabelValue(out, key.second);
                out += fmt::format(",status=\"{}\"}} {}\n", status, count);
            }
        }

        AppendHelp(out, "nanotasks_http_request_duration_seconds",
                   "Time from the first byte of a request until its response is ready to send.");
        out += "# TYPE nanotasks_http_request_duration_seconds histogram\n";
        std::uint64_t cumulative = 0;
        for (int i = 0; i <= kBoundsCount; ++i) {
            cumulative += buckets_[static_cast<std::size_t>(i)];
            const std::string le = i < kBoundsCount ? FormatValue(kBounds[i]) : "+Inf";
            out += fmt::format("nanotasks_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                               le, cumulative);
        }
        out += fmt::format("nanotasks_http_request_duration_seconds_sum {}\n",
                           FormatValue(latency_sum_));
        out += fmt::format("nanotasks_http_request_duration_seconds_count {}\n", latency_count_);
        gauges = gauges_;
    }
    for (const Gauge& gauge : gauges) {
        AppendHelp(out, gauge.name, gauge.help);
        out += fmt::format("# TYPE {} gauge\n{} {}\n", gauge.name, gauge.name,
                           FormatValue(gauge.read()));
    }
    return out;
}

}  // namespace nanotasks::http
