#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "http/message.hpp"

namespace nanotasks::api {

inline constexpr std::size_t kMaxJsonDepth = 32;  // the top-level value is level 1

// Parses a request body strictly: valid UTF-8 JSON, at most kMaxJsonDepth levels, no duplicate
// keys (400 malformed_json), and an object (422). An empty body is an empty object.
core::Result<boost::json::object> ParseObjectBody(std::string_view body);

// Reads the fields of a request object, collecting every problem at once. Fields not declared
// as known are reported as unknown_field, so that nobody can slip in role, coins or status.
class FieldReader {
  public:
    FieldReader(const boost::json::object& body, std::initializer_list<std::string_view> known);

    std::optional<std::string> RequiredString(std::string_view field, std::size_t min_chars,
                                              std::size_t max_chars);
    std::optional<std::string> OptionalString(std::string_view field, std::size_t min_chars,
                                              std::size_t max_chars);
    // Absent: nullopt; present as null: an empty inner optional.
    std::optional<std::optional<std::string>> NullableString(std::string_view field,
                                                             std::size_t min_chars,
                                                             std::size_t max_chars);
    std::optional<std::int64_t> RequiredInteger(std::string_view field, std::int64_t min,
                                                std::int64_t max);
    std::optional<std::int64_t> OptionalInteger(std::string_view field, std::int64_t min,
                                                std::int64_t max);
    bool Has(std::string_view field) const;

    void Fail(std::string_view field, std::string_view code, std::string message);
    bool ok() const { return errors_.empty(); }
    core::Error Error() const { return core::Error::Validation(errors_); }

  private:
    std::optional<std::string> ReadString(std::string_view field, std::size_t min_chars,
                                          std::size_t max_chars);
    std::optional<std::int64_t> ReadInteger(std::string_view field, std::int64_t min,
                                            std::int64_t max);

    const boost::json::object& body_;
    std::vector<core::FieldError> errors_;
};

http::Response JsonResponse(int status, const boost::json::value& body);
http::Response NoContent();
std::string FormatTime(std::int64_t unix_millis);
boost::json::value OptionalString(const std::optional<std::string>& text);

// Opaque list cursors, signed so that a cursor the server did not issue is refused (422), and
// bound to their list so that one list's cursor is no good for another.
class CursorCodec {
  public:
    explicit CursorCodec(std::string key) : key_(std::move(key)) {}
    std::string Encode(std::string_view list, std::string_view payload) const;
    std::optional<std::string> Decode(std::string_view list, std::string_view cursor) const;

  private:
    std::string key_;
};

struct PageRequest {
    int limit = 20;
    std::optional<std::string> cursor_payload;
};

// ?limit= (1..100, default 20) and ?cursor=; every problem is a 422 validation_failed.
core::Result<PageRequest> ReadPage(const http::Request& request, const CursorCodec& cursors,
                                   std::string_view list, int default_limit = 20);

}  // namespace nanotasks::api
