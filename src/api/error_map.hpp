#pragma once

#include <string_view>

#include "core/error.hpp"
#include "http/message.hpp"

namespace nanotasks::api {

// The one place where a protocol-free ErrorCode becomes an HTTP status.
int HttpStatus(core::ErrorCode code);
std::string_view Title(core::ErrorCode code);
http::Response ErrorResponse(const core::Error& error, std::string_view request_id);

}  // namespace nanotasks::api
