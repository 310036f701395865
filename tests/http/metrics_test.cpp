#include "http/metrics.hpp"

#include <gtest/gtest.h>

namespace nanotasks::http {
namespace {

bool Contains(const std::string& text, std::string_view line) {
    return text.find(std::string(line) + "\n") != std::string::npos;
}

TEST(MetricsTest, CountsRequestsByMethodRouteAndStatus) {
    Metrics metrics;
    metrics.ObserveRequest("GET", "/tasks/{id}", 200, 0.001);
    metrics.ObserveRequest("GET", "/tasks/{id}", 200, 0.002);
    metrics.ObserveRequest("GET", "/tasks/{id}", 404, 0.002);
    metrics.ObserveRequest("GET", "unmatched", 404, 0.002);
    const std::string text = metrics.Render();
    EXPECT_TRUE(Contains(text, "# TYPE nanotasks_http_requests_total counter"));
    EXPECT_TRUE(Contains(
        text, R"(nanotasks_http_requests_total{method="GET",route="/tasks/{id}",status="200"} 2)"));
    EXPECT_TRUE(Contains(
        text, R"(nanotasks_http_requests_total{method="GET",route="/tasks/{id}",status="404"} 1)"));
    EXPECT_TRUE(Contains(
        text, R"(nanotasks_http_requests_total{method="GET",route="unmatched",status="404"} 1)"));
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
    Metrics metrics;
    metrics.ObserveRequest("GET", "/a", 200, 0.0005);  // on a bound: counted in it ("le")
    metrics.ObserveRequest("GET", "/a", 200, 0.003);
    metrics.ObserveRequest("GET", "/a", 200, 0.3);
    metrics.ObserveRequest("GET", "/a", 200, 60);
    const std::string text = metrics.Render();
    EXPECT_TRUE(Contains(text, "# TYPE nanotasks_http_request_duration_seconds histogram"));
    EXPECT_TRUE(Contains(text, R"(nanotasks_http_request_duration_seconds_bucket{le="0.0005"} 1)"));
    EXPECT_TRUE(Contains(text, R"(nanotasks_http_request_duration_seconds_bucket{le="0.0025"} 1)"));
    EXPECT_TRUE(Contains(text, R"(nanotasks_http_request_duration_seconds_bucket{le="0.005"} 2)"));
    EXPECT_TRUE(Contains(text, R"(nanotasks_http_request_duration_seconds_bucket{le="0.5"} 3)"));
    EXPECT_TRUE(Contains(text, R"(nanotasks_http_request_duration_seconds_bucket{le="2.5"} 3)"));
    EXPECT_TRUE(Contains(text, R"(nanotasks_http_request_duration_seconds_bucket{le="+Inf"} 4)"));
    EXPECT_TRUE(Contains(text, "nanotasks_http_request_duration_seconds_sum 60.3035"));
    EXPECT_TRUE(Contains(text, "nanotasks_http_request_duration_seconds_count 4"));
}

TEST(MetricsTest, EmptyMetricsStillRenderTheHistogram) {
    const std::string text = Metrics().Render();
    EXPECT_TRUE(Contains(text, R"(nanotasks_http_request_duration_seconds_bucket{le="+Inf"} 0)"));
    EXPECT_TRUE(Contains(text, "nanotasks_http_request_duration_seconds_count 0"));
}

TEST(MetricsTest, GaugesAreReadAtRenderTime) {
    Metrics metrics;
    double in_use = 3;
    metrics.AddGauge("nanotasks_db_pool_in_use", "Connections in use.", [&] { return in_use; });
    EXPECT_TRUE(Contains(metrics.Render(), "nanotasks_db_pool_in_use 3"));
    in_use = 1.5;
    const std::string text = metrics.Render();
    EXPECT_TRUE(Contains(text, "# HELP nanotasks_db_pool_in_use Connections in use."));
    EXPECT_TRUE(Contains(text, "# TYPE nanotasks_db_pool_in_use gauge"));
    EXPECT_TRUE(Contains(text, "nanotasks_db_pool_in_use 1.5"));
}

TEST(MetricsTest, AddingAGaugeAgainReplacesIt) {
    Metrics metrics;
    metrics.AddGauge("g", "first", [] { return 1.0; });
    metrics.AddGauge("g", "second", [] { return 2.0; });
    const std::string text = metrics.Render();
    EXPECT_TRUE(Contains(text, "g 2"));
    EXPECT_FALSE(Contains(text, "g 1"));
    EXPECT_EQ(text.find("# TYPE g gauge"), text.rfind("# TYPE g gauge"));
}

TEST(MetricsTest, GaugeMayUseMetricsWithoutDeadlock) {
    Metrics metrics;
    metrics.AddGauge("g", "reads the metrics", [&] {
        metrics.ObserveRequest("GET", "/x", 200, 0);
        return 0.0;
    });
    EXPECT_TRUE(Contains(metrics.Render(), "g 0"));
}

TEST(MetricsTest, LabelValuesAreEscaped) {
    Metrics metrics;
    metrics.ObserveRequest("GET", "a\"b\\c\nd", 200, 0);
    EXPECT_TRUE(Contains(
        metrics.Render(),
        R"(nanotasks_http_requests_total{method="GET",route="a\"b\\c\nd",status="200"} 1)"));
}

}  // namespace
}  // namespace nanotasks::http
