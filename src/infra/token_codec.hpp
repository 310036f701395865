#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace nanotasks::infra {

// What an access token asserts. Times are seconds since the Unix epoch, as JWT has them.
struct AccessClaims {
    std::string subject;          // "sub": the user's id
    std::string role;             // "role": "worker", "buyer" or "admin" when the token was issued
    std::int64_t issued_at = 0;   // "iat"
    std::int64_t not_before = 0;  // "nbf"; Verify sets it to issued_at when the token has none
    std::int64_t expires_at = 0;  // "exp"
    std::string issuer;           // "iss": filled in by Verify; Sign writes the codec's issuer
    std::string token_id;         // "jti"; empty when absent
};

// Compact JWS access tokens signed with HS256 (RFC 7519, RFC 7515), written directly on
// OpenSSL's HMAC: the format is small, and owning it lets us pin the algorithm and reject every
// ambiguity (duplicate keys, padding, stray bits) that has broken JWT libraries before.
//
// Verify answers kUnauthenticated for every failure, with one generic message; only a token
// whose signature is good but whose time has passed is told apart ("expired"), which helps a
// client refresh and tells an attacker nothing. Thread-safe: the codec is immutable.
class TokenCodec {
  public:
    // RFC 7518 section 3.2: an HS256 key must be at least as long as the hash output.
    static constexpr std::size_t kMinSecretBytes = 32;
    // Tolerated clock difference between the processes that sign and those that verify.
    static constexpr std::int64_t kLeewaySeconds = 30;
    // A token longer than this is rejected before any decoding or hashing.
    static constexpr std::size_t kMaxTokenBytes = 8192;

    // `secret` is used as raw bytes. Throws std::invalid_argument if it is shorter than
    // kMinSecretBytes (configuration is validated before this, so that is a bug).
    explicit TokenCodec(std::string secret, std::string issuer = "nanotasks");

    std::string Sign(const AccessClaims& claims) const;

    core::Result<AccessClaims> Verify(std::string_view token, core::TimePoint now) const;

  private:
    std::string secret_;
    std::string issuer_;
};

}  // namespace nanotasks::infra
