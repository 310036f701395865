#include "http/message.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace nanotasks::http {

namespace {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return AsciiLower(x) == AsciiLower(y);
           });
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes leniently: a malformed escape is copied as it is. Returns whether every escape was
// well formed, so that callers choose between tolerance (query) and rejection (path).
bool DecodeInto(std::string_view text, PlusMeans plus, std::string& out) {
    bool well_formed = true;
    out.reserve(out.size() + text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            const bool has_two_more = i + 2 < text.size();
            const int high = has_two_more ? HexValue(text[i + 1]) : -1;
            const int low = has_two_more ? HexValue(text[i + 2]) : -1;
            if (high >= 0 && low >= 0) {
                out.push_back(static_cast<char>(high * 16 + low));
                i += 2;
                continue;
            }
            well_formed = false;
            out.push_back(c);
        } else if (c == '+' && plus == PlusMeans::kSpace) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return well_formed;
}

std::string DecodeQueryComponent(std::string_view text) {
    std::string out;
    DecodeInto(text, PlusMeans::kSpace, out);
    return out;
}

bool IsContinuation(unsigned char c) { return (c & 0xC0U) == 0x80U; }

// The length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF), or 0 when there is none.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) second_min = 0xA0;
        if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) second_min = 0x90;
        if (lead == 0xF4) second_max = 0x8F;
    } else {
        return 0;
    }
    if (i + length > s.size()) return 0;
    if (byte(1) < second_min || byte(1) > second_max) return 0;
    for (std::size_t k = 2; k < length; ++k) {
        if (!IsContinuation(byte(k))) return 0;
    }
    return length;
}

}  // namespace

std::string_view MethodName(Method method) {
    switch (method) {
        case Method::kGet:
            return "GET";
        case Method::kHead:
            return "HEAD";
        case Method::kPost:
            return "POST";
        case Method::kPut:
            return "PUT";
        case Method::kPatch:
            return "PATCH";
        case Method::kDelete:
            return "DELETE";
        case Method::kOptions:
            return "OPTIONS";
        case Method::kOther:
            return "OTHER";
    }
    return "OTHER";
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (EqualsIgnoreCase(key, name)) return value;
    }
    return std::nullopt;
}

std::optional<std::string_view> Request::PathParam(std::string_view name) const {
    for (const auto& [key, value] : path_params) {
        if (key == name) return value;
    }
    return std::nullopt;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
    for (auto& [key, value] : QueryParams()) {
        if (key == name) return std::move(value);
    }
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Request::QueryParams() const {
    std::vector<std::pair<std::string, std::string>> params;
    std::string_view rest = query;
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos) {
            params.emplace_back(DecodeQueryComponent(pair), std::string{});
        } else {
            params.emplace_back(DecodeQueryComponent(pair.substr(0, eq)),
                                DecodeQueryComponent(pair.substr(eq + 1)));
        }
    }
    return params;
}

void Response::SetHeader(std::string name, std::string value) {
    const auto same_name = [&](const auto& header) { return EqualsIgnoreCase(header.first, name); };
    const auto first = std::find_if(headers.begin(), headers.end(), same_name);
    if (first == headers.end()) {
        headers.emplace_back(std::move(name), std::move(value));
        return;
    }
    first->second = std::move(value);
    headers.erase(std::remove_if(std::next(first), headers.end(), same_name), headers.end());
}

std::string_view ReasonPhrase(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 402:
            return "Payment Required";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 413:
            return "Payload Too Large";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Entity";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return status >= 500 ? "Server Error" : "Client Error";
    }
}

Response ProblemResponse(int status, std::string_view code, std::string_view title,
                         std::string_view detail, std::string_view request_id,
                         std::string_view extra_json) {
    Response response;
    response.status = status;
    response.content_type = "application/problem+json";
    std::string& body = response.body;
    body.reserve(128 + title.size() + detail.size() + extra_json.size());
    body += "{\"type\":";
    AppendJsonString(body, std::string("/problems/").append(code));
    body += ",\"title\":";
    AppendJsonString(body, title);
    body += ",\"status\":";
    body += std::to_string(status);
    body += ",\"code\":";
    AppendJsonString(body, code);
    body += ",\"detail\":";
    AppendJsonString(body, detail);
    if (!extra_json.empty()) {
        body += ',';
        body += extra_json;
    }
    body += ",\"request_id\":";
    AppendJsonString(body, request_id);
    body += '}';
    return response;
}

void AppendJsonString(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.reserve(out.size() + s.size() + 2);
    out.push_back('"');
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const std::size_t length = Utf8SequenceLength(s, i);
            if (length == 0) {
                out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
                ++i;
            } else {
                out.append(s.substr(i, length));
                i += length;
            }
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out.push_back(kHex[c >> 4U]);
                    out.push_back(kHex[c & 0x0FU]);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
        ++i;
    }
    out.push_back('"');
}

std::optional<std::string> PercentDecode(std::string_view text, PlusMeans plus) {
    std::string out;
    if (!DecodeInto(text, plus, out)) return std::nullopt;
    return out;
}

}  // namespace nanotasks::http
