#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace nanotasks::http {

// The contract accepts a client's X-Request-Id when it is 1..128 characters of A-Za-z0-9._-;
// anything else could smuggle text into logs, so it is replaced.
bool IsValidRequestId(std::string_view id);

// Ids unique across processes without coordination: a random 64-bit prefix drawn once per
// generator, then a counter ("3f2a9c0d1e4b5a67-00000001"). They are not secrets, so predictable
// counters are fine. Thread-safe.
class RequestIdGenerator {
  public:
    RequestIdGenerator();
    std::string Next();

  private:
    std::uint64_t prefix_;
    std::atomic<std::uint64_t> counter_{0};
};

}  // namespace nanotasks::http
