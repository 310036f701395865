#include "infra/password_hasher.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include "infra/crypto.hpp"

namespace nanotasks::infra {
namespace {

constexpr std::size_t kBytesPerKib = 1024;
constexpr std::size_t kDummyPasswordBytes = 32;

// libsodium reads the encoded hash as a C string, so it needs a terminating NUL and must never
// see an embedded one (which would silently cut the string).
bool FitsEncodedHash(std::string_view encoded) {
    return encoded.size() < crypto_pwhash_STRBYTES && encoded.find('\0') == std::string_view::npos;
}

// A default-constructed string_view may hold a null pointer; libsodium wants a real one.
const char* Chars(std::string_view text) { return text.empty() ? "" : text.data(); }

}  // namespace

PasswordHasher::PasswordHasher() : PasswordHasher(Options{}) {}

PasswordHasher::PasswordHasher(Options options) : options_(options) {
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium could not be initialised");
    }
    if (options_.passes < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
        options_.passes > crypto_pwhash_argon2id_OPSLIMIT_MAX) {
        throw std::invalid_argument("password hashing passes out of range");
    }
    if (options_.memory_kib < crypto_pwhash_argon2id_MEMLIMIT_MIN / kBytesPerKib ||
        options_.memory_kib > crypto_pwhash_argon2id_MEMLIMIT_MAX / kBytesPerKib) {
        throw std::invalid_argument("password hashing memory out of range");
    }
    dummy_hash_ = Hash(RandomToken(kDummyPasswordBytes));
}

std::string PasswordHasher::Hash(std::string_view password) const {
    std::array<char, crypto_pwhash_STRBYTES> encoded{};
    if (crypto_pwhash_str_alg(encoded.data(), Chars(password), password.size(), options_.passes,
                              options_.memory_kib * kBytesPerKib,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::runtime_error("password hashing ran out of memory");
    }
    return std::string(encoded.data());
}

bool PasswordHasher::Verify(std::string_view encoded, std::string_view password) const {
    if (!FitsEncodedHash(encoded)) {
        return false;
    }
    const std::string terminated(encoded);
    return crypto_pwhash_str_verify(terminated.c_str(), Chars(password), password.size()) == 0;
}

bool PasswordHasher::NeedsRehash(std::string_view encoded) const {
    if (!FitsEncodedHash(encoded)) {
        return true;
    }
    const std::string terminated(encoded);
    // The argon2id-specific check answers -1 for an argon2i hash, which the generic one would
    // accept: we want every stored hash to end up argon2id.
    return crypto_pwhash_argon2id_str_needs_rehash(terminated.c_str(), options_.passes,
                                                   options_.memory_kib * kBytesPerKib) != 0;
}

void PasswordHasher::BurnDummyVerify(std::string_view password) const {
    // The outcome is meaningless (the dummy password is random and discarded); only the time
    // spent matters.
    static_cast<void>(Verify(dummy_hash_, password));
}

}  // namespace nanotasks::infra
