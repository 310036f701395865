#include "infra/stripe_signature.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "infra/crypto.hpp"

namespace nanotasks::infra {
namespace {

// Real headers are around 200 bytes; anything this long is not from Stripe.
constexpr std::size_t kMaxHeaderBytes = 4096;
// Enough for any Unix time in seconds; a longer value is not a timestamp and could overflow.
constexpr std::size_t kMaxTimestampDigits = 15;

struct ParsedHeader {
    std::optional<std::int64_t> timestamp;
    std::vector<std::string_view> signatures;  // the v1 values
};

std::string_view TrimSpaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::optional<std::int64_t> ParseTimestamp(std::string_view text) {
    if (text.empty() || text.size() > kMaxTimestampDigits) {
        return std::nullopt;
    }
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

// Nullopt when the header is malformed: a repeated or non-numeric t. Unknown items are skipped,
// as Stripe may add schemes.
std::optional<ParsedHeader> ParseHeader(std::string_view header) {
    ParsedHeader parsed;
    bool timestamp_seen = false;
    while (!header.empty()) {
        const std::size_t comma = header.find(',');
        const std::string_view item = TrimSpaces(header.substr(0, comma));
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);

        const std::size_t equals = item.find('=');
        if (equals == std::string_view::npos) {
            continue;
        }
        const std::string_view key = item.substr(0, equals);
        const std::string_view value = item.substr(equals + 1);
        if (key == "t") {
            if (timestamp_seen) {
                return std::nullopt;
            }
            timestamp_seen = true;
            parsed.timestamp = ParseTimestamp(value);
            if (!parsed.timestamp) {
                return std::nullopt;
            }
        } else if (key == "v1") {
            parsed.signatures.push_back(value);
        }
    }
    return parsed;
}

std::string ExpectedSignature(std::string_view payload, std::string_view secret, std::int64_t t) {
    std::string signed_text = std::to_string(t);
    signed_text.push_back('.');
    signed_text.append(payload);
    return HexEncode(HmacSha256(secret, signed_text));
}

}  // namespace

bool VerifyStripeSignature(std::string_view header, std::string_view payload,
                           std::string_view secret, std::int64_t now_seconds,
                           std::int64_t tolerance_seconds) {
    if (header.size() > kMaxHeaderBytes || secret.empty() || now_seconds < 0 ||
        tolerance_seconds < 0) {
        return false;
    }
    const std::optional<ParsedHeader> parsed = ParseHeader(header);
    if (!parsed || !parsed->timestamp || parsed->signatures.empty()) {
        return false;
    }
    // Both times are non-negative and t has at most 15 digits, so the difference cannot overflow.
    const std::int64_t age_seconds = now_seconds - *parsed->timestamp;
    if (age_seconds > tolerance_seconds || age_seconds < -tolerance_seconds) {
        return false;
    }
    const std::string expected = ExpectedSignature(payload, secret, *parsed->timestamp);
    bool matched = false;
    // Every candidate is compared, not just up to the first match, so the time taken does not
    // depend on which one matched.
    for (const std::string_view signature : parsed->signatures) {
        matched = ConstantTimeEquals(expected, signature) || matched;
    }
    return matched;
}

std::string SignStripePayload(std::string_view payload, std::string_view secret, std::int64_t t) {
    return "t=" + std::to_string(t) + ",v1=" + ExpectedSignature(payload, secret, t);
}

}  // namespace nanotasks::infra
