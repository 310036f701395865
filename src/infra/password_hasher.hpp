#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nanotasks::infra {

// Argon2id password hashing (libsodium crypto_pwhash), stored as the self-describing encoded
// string "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" so that parameters can be raised later
// and old hashes still verify (NeedsRehash tells when to upgrade one at the next login).
//
// Every method except NeedsRehash is deliberately slow (tens of milliseconds and
// `memory_kib` KiB of memory at the defaults) and blocks the calling thread: callers run it on
// the worker pool, never on an I/O thread. The constructor hashes once too (the dummy hash).
// All methods are const and safe to call from several threads at once.
class PasswordHasher {
  public:
    // Defaults are OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane.
    struct Options {
        std::size_t memory_kib = 19456;
        unsigned long long passes = 2;
    };

    // Throws std::invalid_argument when the parameters are below libsodium's minimum
    // (8 KiB, 1 pass) or above its maximum.
    explicit PasswordHasher(Options options);
    PasswordHasher();

    // Hashes with a fresh random salt. Throws std::runtime_error if the memory cannot be
    // allocated.
    std::string Hash(std::string_view password) const;

    // False for a wrong password and for a string that is not an Argon2 hash.
    bool Verify(std::string_view encoded, std::string_view password) const;

    // True when `encoded` was made with other parameters or another algorithm, or is not a
    // valid hash at all.
    bool NeedsRehash(std::string_view encoded) const;

    // Spends the time of one Verify against a hash of a random password, so that a login for an
    // unknown email takes as long as one with a wrong password and does not reveal which emails
    // have accounts.
    void BurnDummyVerify(std::string_view password) const;

  private:
    Options options_;
    std::string dummy_hash_;
};

}  // namespace nanotasks::infra
