#include "api/marketplace_request.hpp"

#include <charconv>

#include "domain/rules.hpp"
#include "infra/id_generator.hpp"

namespace nanotasks::api {
namespace {

std::optional<std::string> CheckText(FieldReader& fields, std::string_view field,
                                     std::optional<std::string> text) {
    if (!text) return std::nullopt;
    if (text->find('\0') != std::string::npos) {
        fields.Fail(field, "invalid", "must not contain NUL characters");
        return std::nullopt;
    }
    std::string trimmed = domain::Trim(*text);
    if (trimmed.empty()) {
        fields.Fail(field, "required", "must not be blank");
        return std::nullopt;
    }
    return trimmed;
}

}  // namespace

std::optional<std::string> PathId(const Context& context) {
    const auto id = context.request.PathParam("id");
    if (!id || !infra::IsValidId(*id)) return std::nullopt;
    return std::string(*id);
}

core::Error NotFound(std::string_view what) {
    return core::Error::Of(core::ErrorCode::kNotFound, "No such " + std::string(what) + ".");
}

std::optional<std::string> RequiredText(FieldReader& fields, std::string_view field,
                                        std::size_t max_chars) {
    return CheckText(fields, field, fields.RequiredString(field, 1, max_chars));
}

std::optional<std::string> OptionalText(FieldReader& fields, std::string_view field,
                                        std::size_t max_chars) {
    return CheckText(fields, field, fields.OptionalString(field, 1, max_chars));
}

std::optional<std::optional<std::string>> NullableUrl(FieldReader& fields, std::string_view field) {
    auto url = fields.NullableString(field, 1, domain::kUrlMax);
    if (url && *url && !domain::IsValidHttpUrl(**url)) {
        fields.Fail(field, "invalid_url", "must be an absolute http:// or https:// URL");
        return std::nullopt;
    }
    return url;
}

std::string KeyPayload(std::int64_t value, std::string_view id) {
    return std::to_string(value) + ":" + std::string(id);
}

std::optional<KeyCursor> ParseKeyPayload(std::string_view payload) {
    const auto colon = payload.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    KeyCursor key;
    const auto result = std::from_chars(payload.data(), payload.data() + colon, key.value);
    if (result.ec != std::errc{} || result.ptr != payload.data() + colon) return std::nullopt;
    key.id = std::string(payload.substr(colon + 1));
    return key;
}

std::optional<std::string> NextCursor(const CursorCodec& cursors, std::string_view list,
                                      bool has_more, std::string_view payload) {
    if (!has_more) return std::nullopt;
    return cursors.Encode(list, payload);
}

}  // namespace nanotasks::api
