#include "api/error_map.hpp"

#include <string>

namespace nanotasks::api {

using core::ErrorCode;

int HttpStatus(ErrorCode code) {
    switch (code) {
        case ErrorCode::kMalformedJson:
        case ErrorCode::kInvalidSignature:
            return 400;
        case ErrorCode::kUnauthenticated:
        case ErrorCode::kInvalidCredentials:
            return 401;
        case ErrorCode::kInsufficientCoins:
            return 402;
        case ErrorCode::kForbidden:
        case ErrorCode::kAccountSuspended:
            return 403;
        case ErrorCode::kNotFound:
            return 404;
        case ErrorCode::kMethodNotAllowed:
            return 405;
        case ErrorCode::kEmailTaken:
        case ErrorCode::kAlreadySubmitted:
        case ErrorCode::kTaskFull:
        case ErrorCode::kTaskClosed:
        case ErrorCode::kAlreadyDecided:
        case ErrorCode::kInvalidState:
        case ErrorCode::kIdempotencyInProgress:
            return 409;
        case ErrorCode::kPayloadTooLarge:
            return 413;
        case ErrorCode::kUnsupportedMediaType:
            return 415;
        case ErrorCode::kValidationFailed:
        case ErrorCode::kIdempotencyKeyReused:
        case ErrorCode::kWithdrawalBelowMinimum:
            return 422;
        case ErrorCode::kRateLimited:
            return 429;
        case ErrorCode::kPaymentsUnavailable:
        case ErrorCode::kNotReady:
        case ErrorCode::kServiceUnavailable:
            return 503;
        case ErrorCode::kInternal:
            return 500;
    }
    return 500;
}

// Titles are in title case. A code that is just its status's condition has the status line's
// reason phrase, the title the HTTP layer gives the same code when it answers by itself (an
// unknown path, a full worker pool, a body over the limit).
std::string_view Title(ErrorCode code) {
    switch (code) {
        case ErrorCode::kMalformedJson:
            return "Malformed JSON";
        case ErrorCode::kInvalidSignature:
            return "Invalid Signature";
        case ErrorCode::kUnauthenticated:
            return "Unauthenticated";
        case ErrorCode::kInvalidCredentials:
            return "Invalid Credentials";
        case ErrorCode::kInsufficientCoins:
            return "Insufficient Coins";
        case ErrorCode::kAccountSuspended:
            return "Account Suspended";
        case ErrorCode::kEmailTaken:
            return "Email Taken";
        case ErrorCode::kAlreadySubmitted:
            return "Already Submitted";
        case ErrorCode::kTaskFull:
            return "Task Full";
        case ErrorCode::kTaskClosed:
            return "Task Closed";
        case ErrorCode::kAlreadyDecided:
            return "Already Decided";
        case ErrorCode::kInvalidState:
            return "Invalid State";
        case ErrorCode::kIdempotencyInProgress:
            return "Idempotent Request in Progress";
        case ErrorCode::kValidationFailed:
            return "Validation Failed";
        case ErrorCode::kIdempotencyKeyReused:
            return "Idempotency Key Reused";
        case ErrorCode::kWithdrawalBelowMinimum:
            return "Withdrawal Below Minimum";
        case ErrorCode::kPaymentsUnavailable:
            return "Payments Unavailable";
        case ErrorCode::kNotReady:
            return "Not Ready";
        case ErrorCode::kForbidden:
        case ErrorCode::kNotFound:
        case ErrorCode::kMethodNotAllowed:
        case ErrorCode::kPayloadTooLarge:
        case ErrorCode::kUnsupportedMediaType:
        case ErrorCode::kRateLimited:
        case ErrorCode::kServiceUnavailable:
        case ErrorCode::kInternal:
            return http::ReasonPhrase(HttpStatus(code));
    }
    return http::ReasonPhrase(500);
}

http::Response ErrorResponse(const core::Error& error, std::string_view request_id) {
    std::string extra;
    if (!error.errors.empty()) {
        extra = "\"errors\":[";
        for (std::size_t i = 0; i < error.errors.size(); ++i) {
            const auto& field = error.errors[i];
            if (i > 0) extra += ',';
            extra += "{\"field\":";
            http::AppendJsonString(extra, field.field);
            extra += ",\"code\":";
            http::AppendJsonString(extra, field.code);
            extra += ",\"message\":";
            http::AppendJsonString(extra, field.message);
            extra += '}';
        }
        extra += ']';
    }
    const std::string_view detail =
        error.detail.empty() ? Title(error.code) : std::string_view(error.detail);
    http::Response response =
        http::ProblemResponse(HttpStatus(error.code), core::CodeName(error.code), Title(error.code),
                              detail, request_id, extra);
    // RFC 9110: a 401 names the scheme that would work.
    if (response.status == 401) response.SetHeader("WWW-Authenticate", "Bearer");
    if (error.code == ErrorCode::kRateLimited && error.retry_after_seconds > 0) {
        response.SetHeader("Retry-After", std::to_string(error.retry_after_seconds));
    }
    return response;
}

}  // namespace nanotasks::api
