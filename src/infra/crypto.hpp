#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// Small cryptographic primitives shared by the infra adapters. Byte strings travel as
// std::string (raw bytes, not text); the OpenSSL and libsodium headers stay in the .cpp so that
// no other layer sees them.
namespace nanotasks::infra {

// `n` bytes from the operating system's CSPRNG (libsodium). Throws std::runtime_error if
// libsodium cannot be initialised, which only happens on a broken system.
std::string RandomBytes(std::size_t n);

// `bytes` random bytes as base64url without padding: for refresh tokens and similar secrets.
std::string RandomToken(std::size_t bytes);

// Lowercase hexadecimal SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// Raw HMAC-SHA256 (32 bytes) of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

// Lowercase hexadecimal of raw bytes.
std::string HexEncode(std::string_view bytes);

// Compares in time that depends only on the lengths, so that a secret value (a signature, a
// token hash) cannot be recovered byte by byte from response times.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// RFC 4648 section 5 alphabet, without padding (as JWT requires).
std::string Base64UrlEncode(std::string_view bytes);

// Strict inverse of Base64UrlEncode: rejects characters outside the alphabet, any '=', a length
// of 1 mod 4 and non-zero trailing bits, so that every byte string has exactly one encoding.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace nanotasks::infra
