#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace nanotasks::core {

// Protocol-free outcome codes; api/error_map.cpp maps each to an HTTP status in one place.
enum class ErrorCode {
    kMalformedJson,
    kInvalidSignature,
    kUnauthenticated,
    kInvalidCredentials,
    kInsufficientCoins,
    kForbidden,
    kAccountSuspended,
    kNotFound,
    kMethodNotAllowed,
    kEmailTaken,
    kAlreadySubmitted,
    kTaskFull,
    kTaskClosed,
    kAlreadyDecided,
    kInvalidState,
    kIdempotencyInProgress,
    kPayloadTooLarge,
    kUnsupportedMediaType,
    kValidationFailed,
    kIdempotencyKeyReused,
    kWithdrawalBelowMinimum,
    kRateLimited,
    kPaymentsUnavailable,
    kNotReady,
    kServiceUnavailable,
    kInternal,
};

// The contract's machine-readable code ("validation_failed", ...).
std::string_view CodeName(ErrorCode code);

// One invalid field of a request: {"field": "title", "code": "too_long", "message": "..."}.
struct FieldError {
    std::string field;
    std::string code;
    std::string message;
};

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string detail;  // for the client: never SQL, paths or another user's data
    std::vector<FieldError> errors;
    int retry_after_seconds = 0;  // for kRateLimited

    static Error Of(ErrorCode code, std::string detail = {}) {
        return Error{.code = code, .detail = std::move(detail)};
    }
    static Error Validation(std::vector<FieldError> errors) {
        return Error{.code = ErrorCode::kValidationFailed,
                     .detail = "The request has invalid fields.",
                     .errors = std::move(errors)};
    }
};

// Expected outcomes are values. GCC 12 has no std::expected, so this is a small stand-in.
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const& { return std::get<1>(state_); }
    Error&& error() && { return std::get<1>(std::move(state_)); }

  private:
    std::variant<T, Error> state_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace nanotasks::core
