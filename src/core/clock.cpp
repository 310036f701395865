#include "core/clock.hpp"

#include <charconv>
#include <cstdio>

namespace nanotasks::core {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil calendar algorithm).
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day) {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto year_of_era = static_cast<unsigned>(year - era * 400);
    const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

bool ReadDigits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
    }
    const auto result = std::from_chars(text.data() + pos, text.data() + pos + count, out);
    return result.ec == std::errc{};
}

bool ValidDate(int year, int month, int day) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1) return false;
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
    return day <= days;
}

}  // namespace

std::int64_t ToUnixMillis(TimePoint time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint FromUnixMillis(std::int64_t millis) {
    return TimePoint(
        std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(millis)));
}

std::string FormatRfc3339(TimePoint time) {
    const std::int64_t seconds =
        std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
    std::int64_t days = seconds / 86400;
    std::int64_t rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        days -= 1;
    }
    // civil_from_days
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = y + (m <= 2 ? 1 : 0);
    // Written digit by digit: list responses format three timestamps a row, and snprintf's
    // format parsing showed up in their profile.
    std::string text = "0000-00-00T00:00:00Z";
    const auto put = [&text](std::size_t end, std::int64_t value, int digits) {
        for (int i = 1; i <= digits; ++i, value /= 10) {
            text[end - static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
        }
    };
    if (year < 0 || year > 9999) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                      static_cast<long long>(year), m, d, static_cast<long long>(rest / 3600),
                      static_cast<long long>(rest % 3600 / 60), static_cast<long long>(rest % 60));
        return buffer;
    }
    put(4, year, 4);
    put(7, m, 2);
    put(10, d, 2);
    put(13, rest / 3600, 2);
    put(16, rest % 3600 / 60, 2);
    put(19, rest % 60, 2);
    return text;
}

std::optional<TimePoint> ParseRfc3339(std::string_view text, BareDate bare_date) {
    int year = 0, month = 0, day = 0;
    if (!ReadDigits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
        !ReadDigits(text, 5, 2, month) || text[7] != '-' || !ReadDigits(text, 8, 2, day) ||
        !ValidDate(year, month, day)) {
        return std::nullopt;
    }
    const std::int64_t days =
        DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    if (text.size() == 10) {
        if (bare_date != BareDate::kEndOfDay) return std::nullopt;
        return FromUnixMillis((days * 86400 + 86399) * 1000);
    }
    int hour = 0, minute = 0, second = 0;
    if ((text[10] != 'T' && text[10] != 't') || !ReadDigits(text, 11, 2, hour) ||
        text.size() < 19 || text[13] != ':' || !ReadDigits(text, 14, 2, minute) ||
        text[16] != ':' || !ReadDigits(text, 17, 2, second) || hour > 23 || minute > 59 ||
        second > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    std::int64_t millis = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (digits < 3) millis = millis * 10 + (text[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (std::size_t i = digits; i < 3; ++i) millis *= 10;
    }
    std::int64_t offset_seconds = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int offset_hours = 0, offset_minutes = 0;
        if (!ReadDigits(text, pos + 1, 2, offset_hours) || pos + 3 >= text.size() ||
            text[pos + 3] != ':' || !ReadDigits(text, pos + 4, 2, offset_minutes) ||
            offset_hours > 23 || offset_minutes > 59) {
            return std::nullopt;
        }
        offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (text[pos] == '+' ? 1 : -1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    const std::int64_t seconds =
        days * 86400 + hour * 3600 + minute * 60 + (second == 60 ? 59 : second) - offset_seconds;
    return FromUnixMillis(seconds * 1000 + millis);
}

}  // namespace nanotasks::core
