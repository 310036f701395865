#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/json_support.hpp"
#include "api/routes.hpp"
#include "core/error.hpp"

namespace nanotasks::api {

// Request reading shared by the marketplace endpoints.

// The {id} path parameter when it has the shape of our ids; anything else cannot name a
// resource, so the caller answers 404 without a query.
std::optional<std::string> PathId(const Context& context);

core::Error NotFound(std::string_view what);

// A text field trimmed of surrounding blanks: 1..max_chars, not blank, no NUL character.
std::optional<std::string> RequiredText(FieldReader& fields, std::string_view field,
                                        std::size_t max_chars);
// The same when present; absent is nullopt.
std::optional<std::string> OptionalText(FieldReader& fields, std::string_view field,
                                        std::size_t max_chars);
// Absent, null (an empty inner optional), or an absolute http(s) URL.
std::optional<std::optional<std::string>> NullableUrl(FieldReader& fields, std::string_view field);

// Parses one value of a query-string enumeration (?status=...), collecting a field error when it
// is none of the names `parse` accepts.
template <typename Parse>
auto QueryEnum(const http::Request& request, std::string_view name, Parse parse,
               std::string_view allowed, std::vector<core::FieldError>& errors)
    -> decltype(parse(std::string_view{})) {
    const auto text = request.QueryParam(name);
    if (!text) return std::nullopt;
    auto value = parse(std::string_view(*text));
    if (!value) {
        errors.push_back({std::string(name), "invalid", "must be one of " + std::string(allowed)});
    }
    return value;
}

// "value:id", the payload of a cursor of a list ordered by (value, id).
std::string KeyPayload(std::int64_t value, std::string_view id);
struct KeyCursor {
    std::int64_t value = 0;
    std::string id;
};
std::optional<KeyCursor> ParseKeyPayload(std::string_view payload);

// The list cursor for a page whose last item has this key, when another page exists.
std::optional<std::string> NextCursor(const CursorCodec& cursors, std::string_view list,
                                      bool has_more, std::string_view payload);

}  // namespace nanotasks::api
