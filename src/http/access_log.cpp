#include "http/access_log.hpp"

#include <fmt/format.h>

#include <ctime>

namespace nanotasks::http {

namespace {

// Quoted fields of the text format: quotes, backslashes and bytes outside printable ASCII are
// written as escapes, so that a User-Agent cannot end the field or the line.
void AppendQuoted(std::string& out, std::string_view value) {
    out.push_back('"');
    if (value.empty()) out.push_back('-');
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (byte < 0x20 || byte >= 0x7F) {
            out += fmt::format("\\x{:02x}", byte);
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

std::tm UtcTime(std::chrono::system_clock::time_point time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return utc;
}

// Common Log Format date, "25/Nov/2026:03:20:00 +0000", independent of the C locale.
std::string ClfTime(std::chrono::system_clock::time_point time) {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::tm utc = UtcTime(time);
    return fmt::format("{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000", utc.tm_mday, kMonths[utc.tm_mon],
                       utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string Rfc3339Millis(std::chrono::system_clock::time_point time) {
    const std::tm utc = UtcTime(time);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() %
        1000;
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                       utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                       millis < 0 ? millis + 1000 : millis);
}

std::string FormatText(const AccessLogEntry& e) {
    std::string line;
    line.reserve(256);
    line += e.remote.empty() ? std::string_view("-") : e.remote;
    line += " - - [";
    line += ClfTime(e.time);
    line += "] ";
    std::string request_line;
    request_line.append(e.method).append(" ").append(e.target).append(" HTTP/");
    request_line.append(e.http_version);
    AppendQuoted(line, request_line);
    line += fmt::format(" {} {} ", e.status, e.bytes);
    AppendQuoted(line, e.referer);
    line.push_back(' ');
    AppendQuoted(line, e.user_agent);
    line += fmt::format(" {:.3f}ms route={} request_id={}", e.duration_ms, e.route, e.request_id);
    return line;
}

std::string FormatJson(const AccessLogEntry& e) {
    std::string line;
    line.reserve(256);
    line += "{\"time\":";
    AppendJsonString(line, Rfc3339Millis(e.time));
    line += ",\"remote\":";
    AppendJsonString(line, e.remote);
    line += ",\"method\":";
    AppendJsonString(line, e.method);
    line += ",\"path\":";
    AppendJsonString(line, e.path);
    line += ",\"route\":";
    AppendJsonString(line, e.route);
    line +=
        fmt::format(",\"status\":{},\"bytes\":{},\"duration_ms\":{:.3f},\"request_id\":", e.status,
                    e.bytes, e.duration_ms);
    AppendJsonString(line, e.request_id);
    line += '}';
    return line;
}

}  // namespace

std::string FormatAccessLog(const AccessLogEntry& entry, LogFormat format) {
    return format == LogFormat::kJson ? FormatJson(entry) : FormatText(entry);
}

}  // namespace nanotasks::http
