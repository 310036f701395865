#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nanotasks::core {

using TimePoint = std::chrono::system_clock::time_point;

// Time is injected so that tests control it; production uses SystemClock.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
  public:
    TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// Milliseconds since the Unix epoch: how timestamps are stored.
std::int64_t ToUnixMillis(TimePoint time);
TimePoint FromUnixMillis(std::int64_t millis);

// RFC 3339 UTC with second precision: "2026-11-25T03:20:00Z".
std::string FormatRfc3339(TimePoint time);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm)"; with allow_bare_date, "YYYY-MM-DD" is the end of
// that UTC day (23:59:59).
enum class BareDate { kReject, kEndOfDay };
std::optional<TimePoint> ParseRfc3339(std::string_view text, BareDate bare_date);

}  // namespace nanotasks::core
