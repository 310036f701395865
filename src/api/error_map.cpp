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

std::string_view Title(ErrorCode code) {
    switch (code) {
        case ErrorCode::kMalformedJson:
            return "Malformed JSON";
        case ErrorCode::kInvalidSignature:
            return "Invalid signature";
        case ErrorCode::kUnauthenticated:
            return "Unauthenticated";
        case ErrorCode::kInvalidCredentials:
            return "Invalid credentials";
        case ErrorCode::kInsufficientCoins:
            return "Insufficient coins";
        case ErrorCode::kForbidden:
            return "Forbidden";
        case ErrorCode::kAccountSuspended:
            return "Account suspended";
        case ErrorCode::kNotFound:
            return "Not found";
        case ErrorCode::kMethodNotAllowed:
            return "Method not allowed";
        case ErrorCode::kEmailTaken:
            return "Email taken";
        case ErrorCode::kAlreadySubmitted:
            return "Already submitted";
        case ErrorCode::kTaskFull:
            return "Task full";
        case ErrorCode::kTaskClosed:
            return "Task closed";
        case ErrorCode::kAlreadyDecided:
            return "Already decided";
        case ErrorCode::kInvalidState:
            return "Invalid state";
        case ErrorCode::kIdempotencyInProgress:
            return "Idempotent request in progress";
        case ErrorCode::kPayloadTooLarge:
            return "Payload too large";
        case ErrorCode::kUnsupportedMediaType:
            return "Unsupported media type";
        case ErrorCode::kValidationFailed:
            return "Validation failed";
        case ErrorCode::kIdempotencyKeyReused:
            return "Idempotency key reused";
        case ErrorCode::kWithdrawalBelowMinimum:
            return "Withdrawal below minimum";
        case ErrorCode::kRateLimited:
            return "Too many requests";
        case ErrorCode::kPaymentsUnavailable:
            return "Payments unavailable";
        case ErrorCode::kNotReady:
            return "Not ready";
        case ErrorCode::kServiceUnavailable:
            return "Service unavailable";
        case ErrorCode::kInternal:
            return "Internal error";
    }
    return "Internal error";
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
    if (error.code == ErrorCode::kRateLimited && error.retry_after_seconds > 0) {
        response.SetHeader("Retry-After", std::to_string(error.retry_after_seconds));
    }
    return response;
}

}  // namespace nanotasks::api
