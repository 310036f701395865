#pragma once

#include <string>
#include <string_view>

namespace nanotasks::core {

// Lower-cases A-Z and leaves every other byte alone: for protocol tokens (header names, media
// types, methods, configuration values), never for user text in other scripts.
std::string AsciiLower(std::string_view text);

}  // namespace nanotasks::core
