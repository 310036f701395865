#include "infra/password_hasher.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace nanotasks::infra {
namespace {

// libsodium's minimum cost keeps these tests fast; one test below runs the production defaults.
constexpr PasswordHasher::Options kFast{.memory_kib = 8, .passes = 1};

TEST(PasswordHasher, HashesToAnEncodedArgon2idString) {
    const PasswordHasher hasher(kFast);
    const std::string encoded = hasher.Hash("correct horse battery staple");
    EXPECT_EQ(encoded.rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0U) << encoded;
}

TEST(PasswordHasher, VerifiesTheRightPasswordOnly) {
    const PasswordHasher hasher(kFast);
    const std::string encoded = hasher.Hash("correct horse battery staple");
    EXPECT_TRUE(hasher.Verify(encoded, "correct horse battery staple"));
    EXPECT_FALSE(hasher.Verify(encoded, "correct horse battery stapl"));
    EXPECT_FALSE(hasher.Verify(encoded, "Correct horse battery staple"));
    EXPECT_FALSE(hasher.Verify(encoded, ""));
}

TEST(PasswordHasher, SaltsEveryHash) {
    const PasswordHasher hasher(kFast);
    EXPECT_NE(hasher.Hash("same password"), hasher.Hash("same password"));
}

TEST(PasswordHasher, HandlesPasswordsWithNulAndNonAsciiBytes) {
    const PasswordHasher hasher(kFast);
    const std::string password("p\0ss w\xc3\xb6rd", 11);
    const std::string encoded = hasher.Hash(password);
    EXPECT_TRUE(hasher.Verify(encoded, password));
    EXPECT_FALSE(hasher.Verify(encoded, "p"));
}

TEST(PasswordHasher, RejectsMalformedEncodedHashes) {
    const PasswordHasher hasher(kFast);
    const std::string encoded = hasher.Hash("password123");
    EXPECT_FALSE(hasher.Verify("", "password123"));
    EXPECT_FALSE(hasher.Verify("not a hash", "password123"));
    EXPECT_FALSE(hasher.Verify(encoded.substr(0, encoded.size() - 4), "password123"));
    EXPECT_FALSE(hasher.Verify(encoded + std::string(1, '\0') + "x", "password123"));
    EXPECT_FALSE(hasher.Verify(std::string(1000, 'a'), "password123"));
    // A bcrypt hash belongs to the legacy import path, not to this hasher.
    EXPECT_FALSE(hasher.Verify("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
                               "password123"));
}

TEST(PasswordHasher, NeedsRehashWhenParametersOrAlgorithmDiffer) {
    const PasswordHasher fast(kFast);
    const PasswordHasher stronger(PasswordHasher::Options{.memory_kib = 16, .passes = 2});
    const std::string encoded = fast.Hash("password123");
    EXPECT_FALSE(fast.NeedsRehash(encoded));
    EXPECT_TRUE(stronger.NeedsRehash(encoded));
    EXPECT_FALSE(stronger.NeedsRehash(stronger.Hash("password123")));
    EXPECT_TRUE(fast.NeedsRehash("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"));
    EXPECT_TRUE(fast.NeedsRehash("garbage"));
    // The same parameters with Argon2i still move to Argon2id.
    EXPECT_TRUE(
        fast.NeedsRehash("$argon2i$v=19$m=8,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
                         "9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ"));
}

TEST(PasswordHasher, BurnDummyVerifyRunsWithoutEffect) {
    const PasswordHasher hasher(kFast);
    hasher.BurnDummyVerify("whatever the user typed");
    hasher.BurnDummyVerify("");
}

TEST(PasswordHasher, RejectsParametersBelowTheMinimum) {
    EXPECT_THROW(PasswordHasher(PasswordHasher::Options{.memory_kib = 4, .passes = 1}),
                 std::invalid_argument);
    EXPECT_THROW(PasswordHasher(PasswordHasher::Options{.memory_kib = 8, .passes = 0}),
                 std::invalid_argument);
}

TEST(PasswordHasher, WorksWithTheProductionDefaults) {
    const PasswordHasher hasher;
    const std::string encoded = hasher.Hash("correct horse battery staple");
    EXPECT_EQ(encoded.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0U) << encoded;
    EXPECT_TRUE(hasher.Verify(encoded, "correct horse battery staple"));
    EXPECT_FALSE(hasher.Verify(encoded, "wrong"));
    EXPECT_FALSE(hasher.NeedsRehash(encoded));
}

}  // namespace
}  // namespace nanotasks::infra
