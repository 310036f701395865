#include "infra/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

namespace nanotasks::infra {
namespace {

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr int kInvalidSextet = -1;

// A function-local static is initialised exactly once even when several threads race to it,
// and sodium_init() must have returned before the first randombytes_buf().
void EnsureSodiumInitialised() {
    static const bool initialised = sodium_init() >= 0;
    if (!initialised) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

const unsigned char* Bytes(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

int SextetOf(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return kInvalidSextet;
}

}  // namespace

std::string RandomBytes(std::size_t n) {
    EnsureSodiumInitialised();
    std::string bytes(n, '\0');
    randombytes_buf(bytes.data(), bytes.size());
    return bytes;
}

std::string RandomToken(std::size_t bytes) { return Base64UrlEncode(RandomBytes(bytes)); }

std::string Sha256Hex(std::string_view data) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(Bytes(data), data.size(), digest.data());
    return HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
    // OpenSSL reads a null key pointer as "reuse the previous key", so an empty key (whose
    // string_view may hold nullptr) must still point somewhere.
    static constexpr unsigned char kEmptyKey[1] = {0};
    const unsigned char* key_bytes = key.empty() ? kEmptyKey : Bytes(key);
    std::string mac(SHA256_DIGEST_LENGTH, '\0');
    unsigned int mac_length = 0;
    const unsigned char* result =
        HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), Bytes(data), data.size(),
             reinterpret_cast<unsigned char*>(mac.data()), &mac_length);
    if (result == nullptr || mac_length != SHA256_DIGEST_LENGTH) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return mac;
}

std::string HexEncode(std::string_view bytes) {
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        hex.push_back(kHexDigits[byte >> 4]);
        hex.push_back(kHexDigits[byte & 0x0f]);
    }
    return hex;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    if (a.empty()) {
        return true;
    }
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Base64UrlEncode(std::string_view bytes) {
    std::string text;
    text.reserve((bytes.size() * 4 + 2) / 3);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        // A group of up to three bytes becomes up to four characters; a short last group yields
        // only the characters that carry its bits, since JWT drops the '=' padding.
        const std::size_t group_bytes = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t group = 0;
        for (std::size_t j = 0; j < 3; ++j) {
            const std::uint32_t byte =
                j < group_bytes ? static_cast<unsigned char>(bytes[i + j]) : 0U;
            group = (group << 8) | byte;
        }
        for (std::size_t j = 0; j <= group_bytes; ++j) {
            text.push_back(kBase64UrlAlphabet[(group >> (18 - 6 * j)) & 0x3f]);
        }
    }
    return text;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
    // One leftover character carries only 6 bits, less than a byte: no encoder produces it.
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string bytes;
    bytes.reserve(text.size() * 3 / 4);
    std::uint32_t accumulator = 0;
    int pending_bits = 0;
    for (const char c : text) {
        const int sextet = SextetOf(c);
        if (sextet == kInvalidSextet) {
            return std::nullopt;
        }
        accumulator = ((accumulator << 6) | static_cast<std::uint32_t>(sextet)) & 0xffffff;
        pending_bits += 6;
        if (pending_bits >= 8) {
            pending_bits -= 8;
            bytes.push_back(static_cast<char>((accumulator >> pending_bits) & 0xff));
        }
    }
    // The bits left over after the last whole byte must be zero, otherwise two different texts
    // would decode to the same bytes and a signed token could be altered without detection.
    if ((accumulator & ((1U << pending_bits) - 1U)) != 0) {
        return std::nullopt;
    }
    return bytes;
}

}  // namespace nanotasks::infra
