#include "api/json_support.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <set>

#include "core/clock.hpp"
#include "domain/rules.hpp"
#include "infra/crypto.hpp"

namespace nanotasks::api {
namespace {

namespace json = boost::json;

// A validating pass over the body: counts nesting and finds duplicate keys, which Boost.JSON's
// value parser silently resolves (last key wins) and which the contract refuses.
class StrictHandler {
  public:
    constexpr static std::size_t max_object_size = std::size_t(-1);
    constexpr static std::size_t max_array_size = std::size_t(-1);
    constexpr static std::size_t max_key_size = std::size_t(-1);
    constexpr static std::size_t max_string_size = std::size_t(-1);

    bool failed_depth = false;
    bool failed_duplicate = false;

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code& ec) {
        keys_.emplace_back();
        return Enter(ec);
    }
    bool on_object_end(std::size_t, json::error_code&) {
        keys_.pop_back();
        --depth_;
        return true;
    }
    bool on_array_begin(json::error_code& ec) {
        keys_.emplace_back();
        return Enter(ec);
    }
    bool on_array_end(std::size_t, json::error_code&) {
        keys_.pop_back();
        --depth_;
        return true;
    }
    bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
        key_.append(part.data(), part.size());
        return true;
    }
    bool on_key(json::string_view part, std::size_t, json::error_code& ec) {
        key_.append(part.data(), part.size());
        const bool inserted = keys_.back().insert(std::move(key_)).second;
        key_.clear();
        if (!inserted) {
            failed_duplicate = true;
            ec = json::error::syntax;
            return false;
        }
        return true;
    }
    bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
    bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
    bool on_double(double, json::string_view, json::error_code&) { return true; }
    bool on_bool(bool, json::error_code&) { return true; }
    bool on_null(json::error_code&) { return true; }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

  private:
    bool Enter(json::error_code& ec) {
        if (++depth_ > kMaxJsonDepth) {
            failed_depth = true;
            ec = json::error::too_deep;
            return false;
        }
        return true;
    }

    std::size_t depth_ = 0;
    std::vector<std::set<std::string>> keys_;
    std::string key_;
};

core::Error Malformed(std::string detail) {
    return core::Error::Of(core::ErrorCode::kMalformedJson, std::move(detail));
}

}  // namespace

core::Result<boost::json::object> ParseObjectBody(std::string_view body) {
    if (body.empty()) return json::object{};
    json::parse_options options;
    options.max_depth = kMaxJsonDepth + 1;  // the strict pass below enforces the real limit
    json::basic_parser<StrictHandler> checker(options);
    json::error_code ec;
    const std::size_t used = checker.write_some(false, body.data(), body.size(), ec);
    if (ec || used != body.size()) {
        if (checker.handler().failed_duplicate) return Malformed("The body has a duplicate key.");
        if (checker.handler().failed_depth) {
            return Malformed("The body nests deeper than 32 levels.");
        }
        return Malformed("The body is not valid JSON.");
    }
    json::value value = json::parse(json::string_view(body.data(), body.size()), ec, {}, options);
    if (ec) return Malformed("The body is not valid JSON.");
    if (!value.is_object()) {
        return core::Error::Validation({{"body", "invalid_type", "must be a JSON object"}});
    }
    return std::move(value.as_object());
}

FieldReader::FieldReader(const boost::json::object& body,
                         std::initializer_list<std::string_view> known)
    : body_(body) {
    for (const auto& member : body_) {
        bool is_known = false;
        for (auto name : known) is_known = is_known || member.key() == name;
        if (!is_known) {
            errors_.push_back({std::string(member.key()), "unknown_field", "is not a known field"});
        }
    }
}

bool FieldReader::Has(std::string_view field) const { return body_.contains(field); }

void FieldReader::Fail(std::string_view field, std::string_view code, std::string message) {
    errors_.push_back({std::string(field), std::string(code), std::move(message)});
}

std::optional<std::string> FieldReader::ReadString(std::string_view field, std::size_t min_chars,
                                                   std::size_t max_chars) {
    const json::value& value = body_.at(field);
    if (!value.is_string()) {
        Fail(field, "invalid_type", "must be a string");
        return std::nullopt;
    }
    std::string text(value.as_string());
    const std::size_t chars = domain::CodePointCount(text);
    if (chars < min_chars) {
        Fail(field, min_chars == 1 ? "required" : "too_short",
             min_chars == 1 ? "must not be empty"
                            : "must be at least " + std::to_string(min_chars) + " characters");
        return std::nullopt;
    }
    if (chars > max_chars) {
        Fail(field, "too_long", "must be at most " + std::to_string(max_chars) + " characters");
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> FieldReader::RequiredString(std::string_view field,
                                                       std::size_t min_chars,
                                                       std::size_t max_chars) {
    if (!body_.contains(field)) {
        Fail(field, "required", "is required");
        return std::nullopt;
    }
    return ReadString(field, min_chars, max_chars);
}

std::optional<std::string> FieldReader::OptionalString(std::string_view field,
                                                       std::size_t min_chars,
                                                       std::size_t max_chars) {
    if (!body_.contains(field)) return std::nullopt;
    return ReadString(field, min_chars, max_chars);
}

std::optional<std::optional<std::string>> FieldReader::NullableString(std::string_view field,
                                                                      std::size_t min_chars,
                                                                      std::size_t max_chars) {
    if (!body_.contains(field)) return std::nullopt;
    if (body_.at(field).is_null()) return std::optional<std::string>{};
    auto text = ReadString(field, min_chars, max_chars);
    if (!text) return std::nullopt;
    return std::optional<std::string>{std::move(*text)};
}

std::optional<std::int64_t> FieldReader::ReadInteger(std::string_view field, std::int64_t min,
                                                     std::int64_t max) {
    const json::value& value = body_.at(field);
    std::optional<std::int64_t> number;
    if (value.is_int64()) number = value.as_int64();
    if (value.is_uint64()) {
        Fail(field, "out_of_range",
             "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    if (!number) {
        Fail(field, "invalid_type", "must be an integer");
        return std::nullopt;
    }
    if (*number < min || *number > max) {
        Fail(field, "out_of_range",
             "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    return number;
}

std::optional<std::int64_t> FieldReader::RequiredInteger(std::string_view field, std::int64_t min,
                                                         std::int64_t max) {
    if (!body_.contains(field)) {
        Fail(field, "required", "is required");
        return std::nullopt;
    }
    return ReadInteger(field, min, max);
}

std::optional<std::int64_t> FieldReader::OptionalInteger(std::string_view field, std::int64_t min,
                                                         std::int64_t max) {
    if (!body_.contains(field)) return std::nullopt;
    return ReadInteger(field, min, max);
}

http::Response JsonResponse(int status, const boost::json::value& body) {
    http::Response response;
    response.status = status;
    response.body = json::serialize(body);
    return response;
}

http::Response NoContent() {
    http::Response response;
    response.status = 204;
    response.content_type.clear();
    return response;
}

std::string FormatTime(std::int64_t unix_millis) {
    return core::FormatRfc3339(core::FromUnixMillis(unix_millis));
}

boost::json::value OptionalString(const std::optional<std::string>& text) {
    if (!text) return nullptr;
    return json::string(*text);
}

std::string CursorCodec::Encode(std::string_view list, std::string_view payload) const {
    const std::string mac =
        infra::HmacSha256(key_, std::string(list) + '\n' + std::string(payload)).substr(0, 16);
    return infra::Base64UrlEncode(payload) + "." + infra::Base64UrlEncode(mac);
}

std::optional<std::string> CursorCodec::Decode(std::string_view list,
                                               std::string_view cursor) const {
    const auto dot = cursor.find('.');
    if (dot == std::string_view::npos || cursor.size() > 512) return std::nullopt;
    auto payload = infra::Base64UrlDecode(cursor.substr(0, dot));
    auto mac = infra::Base64UrlDecode(cursor.substr(dot + 1));
    if (!payload || !mac) return std::nullopt;
    const std::string expected =
        infra::HmacSha256(key_, std::string(list) + '\n' + *payload).substr(0, 16);
    if (!infra::ConstantTimeEquals(expected, *mac)) return std::nullopt;
    return payload;
}

core::Result<PageRequest> ReadPage(const http::Request& request, const CursorCodec& cursors,
                                   std::string_view list, int default_limit) {
    PageRequest page;
    page.limit = default_limit;
    std::vector<core::FieldError> errors;
    if (auto limit = request.QueryParam("limit")) {
        int parsed = 0;
        const auto result = std::from_chars(limit->data(), limit->data() + limit->size(), parsed);
        if (limit->empty() || result.ec != std::errc{} ||
            result.ptr != limit->data() + limit->size() || parsed < 1 || parsed > 100) {
            errors.push_back({"limit", "out_of_range", "must be an integer between 1 and 100"});
        } else {
            page.limit = parsed;
        }
    }
    if (auto cursor = request.QueryParam("cursor")) {
        page.cursor_payload = cursors.Decode(list, *cursor);
        if (!page.cursor_payload) {
            errors.push_back({"cursor", "invalid", "is not a cursor this list issued"});
        }
    }
    if (!errors.empty()) return core::Error::Validation(std::move(errors));
    return page;
}

}  // namespace nanotasks::api
