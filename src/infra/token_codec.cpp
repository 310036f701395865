#include "infra/token_codec.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <chrono>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "infra/crypto.hpp"

namespace nanotasks::infra {
namespace {

namespace json = boost::json;

constexpr std::string_view kAlgorithm = "HS256";
constexpr std::string_view kType = "JWT";
constexpr std::size_t kSignatureBytes = 32;
constexpr std::size_t kMaxJsonDepth = 8;

// Builds a json::value like json::parser does, but fails on a key repeated within one object.
// Boost.JSON 1.81 keeps the last of duplicate keys silently, and a token whose "role" or "sub"
// reads differently to two parsers is the kind of ambiguity that signatures cannot protect.
class DuplicateRejectingHandler {
  public:
    // The token's own size bounds every part of its JSON.
    static constexpr std::size_t max_array_size = TokenCodec::kMaxTokenBytes;
    static constexpr std::size_t max_object_size = TokenCodec::kMaxTokenBytes;
    static constexpr std::size_t max_string_size = TokenCodec::kMaxTokenBytes;
    static constexpr std::size_t max_key_size = TokenCodec::kMaxTokenBytes;

    DuplicateRejectingHandler() { stack_.reset(); }

    json::value Release() { return stack_.release(); }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_array_begin(json::error_code&) { return true; }
    bool on_array_end(std::size_t n, json::error_code&) {
        stack_.push_array(n);
        return true;
    }
    bool on_object_begin(json::error_code&) {
        keys_.emplace_back();
        return true;
    }
    bool on_object_end(std::size_t n, json::error_code&) {
        keys_.pop_back();
        stack_.push_object(n);
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        stack_.push_chars(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code&) {
        stack_.push_string(s);
        return true;
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        key_.append(s.data(), s.size());
        stack_.push_chars(s);
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
        key_.append(s.data(), s.size());
        const bool inserted = keys_.back().insert(std::move(key_)).second;
        key_.clear();
        if (!inserted) {
            ec = json::error::syntax;
            return false;
        }
        stack_.push_key(s);
        return true;
    }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
        stack_.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
        stack_.push_uint64(u);
        return true;
    }
    bool on_double(double d, json::string_view, json::error_code&) {
        stack_.push_double(d);
        return true;
    }
    bool on_bool(bool b, json::error_code&) {
        stack_.push_bool(b);
        return true;
    }
    bool on_null(json::error_code&) {
        stack_.push_null();
        return true;
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

  private:
    json::value_stack stack_;
    std::vector<std::set<std::string>> keys_;  // the keys seen in each open object
    std::string key_;                          // a key arriving in parts
};

// Standard JSON only (no comments, no trailing commas, valid UTF-8), one object, nothing after it.
std::optional<json::object> ParseObject(std::string_view text) {
    json::parse_options options;
    options.max_depth = kMaxJsonDepth;
    json::basic_parser<DuplicateRejectingHandler> parser(options);
    json::error_code ec;
    const std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
    if (ec || consumed != text.size() || !parser.done()) {
        return std::nullopt;
    }
    json::value value = parser.handler().Release();
    if (!value.is_object()) {
        return std::nullopt;
    }
    return std::move(value.get_object());
}

std::optional<std::string> StringMember(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_string()) {
        return std::nullopt;
    }
    const json::string& text = value->get_string();
    return std::string(text.data(), text.size());
}

// JWT times are NumericDate; we accept only integers, not 1.7e9 or 1700000000.5, so that a
// token has one reading.
std::optional<std::int64_t> IntegerMember(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_int64()) {
        return std::nullopt;
    }
    return value->get_int64();
}

bool HeaderAcceptable(const json::object& header) {
    // The algorithm is pinned rather than read from the token: "none", HS512 or RS256 with our
    // secret as a public key must never be honoured.
    if (StringMember(header, "alg") != kAlgorithm) {
        return false;
    }
    if (header.contains("typ") && StringMember(header, "typ") != kType) {
        return false;
    }
    // RFC 7515 section 4.1.11: extensions listed as critical must be understood; we know none.
    return !header.contains("crit");
}

core::Error Invalid() {
    return core::Error::Of(core::ErrorCode::kUnauthenticated, "The access token is invalid.");
}

core::Error Expired() {
    return core::Error::Of(core::ErrorCode::kUnauthenticated, "The access token has expired.");
}

std::string EncodeJson(const json::object& object) {
    return Base64UrlEncode(json::serialize(object));
}

}  // namespace

TokenCodec::TokenCodec(std::string secret, std::string issuer)
    : secret_(std::move(secret)), issuer_(std::move(issuer)) {
    if (secret_.size() < kMinSecretBytes) {
        throw std::invalid_argument("the JWT secret is shorter than 32 bytes");
    }
}

std::string TokenCodec::Sign(const AccessClaims& claims) const {
    json::object header;
    header["alg"] = kAlgorithm;
    header["typ"] = kType;

    json::object payload;
    payload["sub"] = claims.subject;
    payload["role"] = claims.role;
    payload["iat"] = claims.issued_at;
    payload["nbf"] = claims.not_before;
    payload["exp"] = claims.expires_at;
    payload["iss"] = issuer_;
    if (!claims.token_id.empty()) {
        payload["jti"] = claims.token_id;
    }

    std::string token = EncodeJson(header);
    token.push_back('.');
    token += EncodeJson(payload);
    const std::string signature = HmacSha256(secret_, token);
    token.push_back('.');
    token += Base64UrlEncode(signature);
    return token;
}

core::Result<AccessClaims> TokenCodec::Verify(std::string_view token, core::TimePoint now) const {
    if (token.size() > kMaxTokenBytes) {
        return Invalid();
    }
    const std::size_t first_dot = token.find('.');
    const std::size_t second_dot =
        first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos ||
        token.find('.', second_dot + 1) != std::string_view::npos) {
        return Invalid();
    }
    const std::string_view signing_input = token.substr(0, second_dot);
    const std::optional<std::string> header_text = Base64UrlDecode(token.substr(0, first_dot));
    const std::optional<std::string> payload_text =
        Base64UrlDecode(signing_input.substr(first_dot + 1));
    const std::optional<std::string> signature = Base64UrlDecode(token.substr(second_dot + 1));
    if (!header_text || !payload_text || !signature || signature->size() != kSignatureBytes) {
        return Invalid();
    }
    // The signature is checked before any JSON is parsed, so that nothing an attacker can write
    // without the secret reaches the parser.
    if (!ConstantTimeEquals(HmacSha256(secret_, signing_input), *signature)) {
        return Invalid();
    }

    const std::optional<json::object> header = ParseObject(*header_text);
    if (!header || !HeaderAcceptable(*header)) {
        return Invalid();
    }
    const std::optional<json::object> payload = ParseObject(*payload_text);
    if (!payload) {
        return Invalid();
    }
    std::optional<std::string> subject = StringMember(*payload, "sub");
    std::optional<std::string> role = StringMember(*payload, "role");
    std::optional<std::string> issuer = StringMember(*payload, "iss");
    const std::optional<std::int64_t> issued_at = IntegerMember(*payload, "iat");
    const std::optional<std::int64_t> expires_at = IntegerMember(*payload, "exp");
    std::optional<std::int64_t> not_before = issued_at;
    if (payload->contains("nbf")) {
        not_before = IntegerMember(*payload, "nbf");
    }
    std::optional<std::string> token_id = std::string();
    if (payload->contains("jti")) {
        token_id = StringMember(*payload, "jti");
    }
    if (!subject || subject->empty() || !role || role->empty() || issuer != issuer_ || !issued_at ||
        !expires_at || !not_before || !token_id) {
        return Invalid();
    }

    const std::int64_t now_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (*not_before > now_seconds + kLeewaySeconds || *issued_at > now_seconds + kLeewaySeconds) {
        return Invalid();
    }
    if (*expires_at <= now_seconds) {
        return Expired();
    }
    return AccessClaims{.subject = std::move(*subject),
                        .role = std::move(*role),
                        .issued_at = *issued_at,
                        .not_before = *not_before,
                        .expires_at = *expires_at,
                        .issuer = std::move(*issuer),
                        .token_id = std::move(*token_id)};
}

}  // namespace nanotasks::infra
