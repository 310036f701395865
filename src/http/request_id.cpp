#include "http/request_id.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>

namespace nanotasks::http {

namespace {
constexpr std::size_t kRequestIdMaxLength = 128;
}  // namespace

bool IsValidRequestId(std::string_view id) {
    return !id.empty() && id.size() <= kRequestIdMaxLength &&
           std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
           });
}

RequestIdGenerator::RequestIdGenerator() {
    std::random_device device;
    prefix_ = (static_cast<std::uint64_t>(device()) << 32U) | device();
}

std::string RequestIdGenerator::Next() {
    const std::uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    return fmt::format("{:016x}-{:08x}", prefix_, n);
}

}  // namespace nanotasks::http
