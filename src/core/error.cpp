#include "core/error.hpp"

namespace nanotasks::core {

std::string_view CodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::kMalformedJson:
            return "malformed_json";
        case ErrorCode::kInvalidSignature:
            return "invalid_signature";
        case ErrorCode::kUnauthenticated:
            return "unauthenticated";
        case ErrorCode::kInvalidCredentials:
            return "invalid_credentials";
        case ErrorCode::kInsufficientCoins:
            return "insufficient_coins";
        case ErrorCode::kForbidden:
            return "forbidden";
        case ErrorCode::kAccountSuspended:
            return "account_suspended";
        case ErrorCode::kNotFound:
            return "not_found";
        case ErrorCode::kMethodNotAllowed:
            return "method_not_allowed";
        case ErrorCode::kEmailTaken:
            return "email_taken";
        case ErrorCode::kAlreadySubmitted:
            return "already_submitted";
        case ErrorCode::kTaskFull:
            return "task_full";
        case ErrorCode::kTaskClosed:
            return "task_closed";
        case ErrorCode::kAlreadyDecided:
            return "already_decided";
        case ErrorCode::kInvalidState:
            return "invalid_state";
        case ErrorCode::kIdempotencyInProgress:
            return "idempotency_in_progress";
        case ErrorCode::kPayloadTooLarge:
            return "payload_too_large";
        case ErrorCode::kUnsupportedMediaType:
            return "unsupported_media_type";
        case ErrorCode::kValidationFailed:
            return "validation_failed";
        case ErrorCode::kIdempotencyKeyReused:
            return "idempotency_key_reused";
        case ErrorCode::kWithdrawalBelowMinimum:
            return "withdrawal_below_minimum";
        case ErrorCode::kRateLimited:
            return "rate_limited";
        case ErrorCode::kPaymentsUnavailable:
            return "payments_unavailable";
        case ErrorCode::kNotReady:
            return "not_ready";
        case ErrorCode::kServiceUnavailable:
            return "service_unavailable";
        case ErrorCode::kInternal:
            return "internal";
    }
    return "internal";
}

}  // namespace nanotasks::core
