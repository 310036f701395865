#include "infra/token_codec.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "infra/crypto.hpp"

namespace nanotasks::infra {
namespace {

constexpr std::string_view kSecret = "test-secret-that-is-at-least-32-bytes";
constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kPayload =
    R"({"sub":"user-1","role":"buyer","iat":1700000000,"nbf":1700000000,"exp":1700000900,)"
    R"("iss":"nanotasks","jti":"token-1"})";
// kHeader and kPayload signed with kSecret, computed independently (Python hmac and base64).
constexpr std::string_view kKnownToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJ1c2VyLTEiLCJyb2xlIjoiYnV5ZXIiLCJpYXQiOjE3MDAwMDAwMDAsIm5iZiI6MTcwMDAwMDAwMCwiZXhw"
    "IjoxNzAwMDAwOTAwLCJpc3MiOiJuYW5vdGFza3MiLCJqdGkiOiJ0b2tlbi0xIn0."
    "XD22DA3jZeHFOBPUuBD-p9V9DJmjnwHEIHaQsZBs_Gc";

core::TimePoint At(std::int64_t seconds) { return core::TimePoint(std::chrono::seconds(seconds)); }

AccessClaims SomeClaims() {
    return AccessClaims{.subject = "user-1",
                        .role = "buyer",
                        .issued_at = kNow,
                        .not_before = kNow,
                        .expires_at = kNow + 900,
                        .issuer = "nanotasks",
                        .token_id = "token-1"};
}

// Builds a token from exact JSON texts, without TokenCodec, so that each test shows what it
// sends and can send what Sign never would.
std::string HandMade(std::string_view header, std::string_view payload,
                     std::string_view secret = kSecret) {
    const std::string signing_input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
    return signing_input + "." + Base64UrlEncode(HmacSha256(secret, signing_input));
}

::testing::AssertionResult Rejected(const core::Result<AccessClaims>& result) {
    if (result.ok()) {
        return ::testing::AssertionFailure() << "the token was accepted";
    }
    if (result.error().code != core::ErrorCode::kUnauthenticated) {
        return ::testing::AssertionFailure() << "wrong error code";
    }
    return ::testing::AssertionSuccess();
}

TEST(TokenCodec, SignsExactlyWhatAnIndependentImplementationSigns) {
    const TokenCodec codec{std::string(kSecret)};
    EXPECT_EQ(codec.Sign(SomeClaims()), kKnownToken);
    EXPECT_EQ(HandMade(kHeader, kPayload), kKnownToken);
}

TEST(TokenCodec, VerifiesATokenBuiltIndependently) {
    const TokenCodec codec{std::string(kSecret)};
    const core::Result<AccessClaims> claims = codec.Verify(kKnownToken, At(kNow + 60));
    ASSERT_TRUE(claims.ok());
    EXPECT_EQ(claims->subject, "user-1");
    EXPECT_EQ(claims->role, "buyer");
    EXPECT_EQ(claims->issued_at, kNow);
    EXPECT_EQ(claims->not_before, kNow);
    EXPECT_EQ(claims->expires_at, kNow + 900);
    EXPECT_EQ(claims->issuer, "nanotasks");
    EXPECT_EQ(claims->token_id, "token-1");
}

TEST(TokenCodec, HmacAndBase64UrlMatchTheJwtIoExample) {
    // The HS256 example token from jwt.io, signed with "your-256-bit-secret".
    const std::string signing_input =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";
    EXPECT_EQ(Base64UrlEncode(HmacSha256("your-256-bit-secret", signing_input)),
              "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
    EXPECT_EQ(Base64UrlDecode("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"), kHeader);
}

TEST(TokenCodec, RoundTripsSignedClaims) {
    const TokenCodec codec{std::string(kSecret), "issuer-x"};
    AccessClaims claims = SomeClaims();
    claims.token_id.clear();
    const core::Result<AccessClaims> verified = codec.Verify(codec.Sign(claims), At(kNow));
    ASSERT_TRUE(verified.ok());
    EXPECT_EQ(verified->subject, claims.subject);
    EXPECT_EQ(verified->role, claims.role);
    EXPECT_EQ(verified->expires_at, claims.expires_at);
    EXPECT_EQ(verified->issuer, "issuer-x");
    EXPECT_EQ(verified->token_id, "");
}

TEST(TokenCodec, RejectsExpiredTokens) {
    const TokenCodec codec{std::string(kSecret)};
    EXPECT_TRUE(codec.Verify(kKnownToken, At(kNow + 899)).ok());
    const core::Result<AccessClaims> at_expiry = codec.Verify(kKnownToken, At(kNow + 900));
    EXPECT_TRUE(Rejected(at_expiry));
    EXPECT_EQ(at_expiry.error().detail, "The access token has expired.");
    EXPECT_TRUE(Rejected(codec.Verify(kKnownToken, At(kNow + 100000))));
}

TEST(TokenCodec, RejectsTokensNotYetValid) {
    const TokenCodec codec{std::string(kSecret)};
    const std::string token = HandMade(kHeader, R"({"sub":"u","role":"buyer","iat":1700000000,)"
                                                R"("nbf":1700000100,"exp":1700000900,)"
                                                R"("iss":"nanotasks"})");
    // The nbf check allows 30 s of clock difference between processes.
    EXPECT_TRUE(Rejected(codec.Verify(token, At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify(token, At(kNow + 69))));
    EXPECT_TRUE(codec.Verify(token, At(kNow + 70)).ok());
}

TEST(TokenCodec, RejectsTokensIssuedInTheFuture) {
    const TokenCodec codec{std::string(kSecret)};
    const std::string token = HandMade(
        kHeader,
        R"({"sub":"u","role":"buyer","iat":1700000100,"exp":1700000900,"iss":"nanotasks"})");
    EXPECT_TRUE(Rejected(codec.Verify(token, At(kNow))));
    EXPECT_TRUE(codec.Verify(token, At(kNow + 70)).ok());
}

TEST(TokenCodec, DefaultsNotBeforeToIssuedAt) {
    const TokenCodec codec{std::string(kSecret)};
    const std::string token = HandMade(
        kHeader,
        R"({"sub":"u","role":"buyer","iat":1700000000,"exp":1700000900,"iss":"nanotasks"})");
    const core::Result<AccessClaims> claims = codec.Verify(token, At(kNow));
    ASSERT_TRUE(claims.ok());
    EXPECT_EQ(claims->not_before, kNow);
}

TEST(TokenCodec, RejectsATamperedPayload) {
    const TokenCodec codec{std::string(kSecret)};
    const std::string forged_payload =
        R"({"sub":"user-1","role":"admin","iat":1700000000,"nbf":1700000000,"exp":1700000900,)"
        R"("iss":"nanotasks","jti":"token-1"})";
    const std::string original(kKnownToken);
    const std::size_t first_dot = original.find('.');
    const std::size_t second_dot = original.rfind('.');
    const std::string tampered = original.substr(0, first_dot + 1) +
                                 Base64UrlEncode(forged_payload) + original.substr(second_dot);
    EXPECT_TRUE(Rejected(codec.Verify(tampered, At(kNow))));
}

TEST(TokenCodec, RejectsEveryFlippedCharacter) {
    const TokenCodec codec{std::string(kSecret)};
    for (std::size_t i = 0; i < kKnownToken.size(); ++i) {
        std::string token(kKnownToken);
        token[i] = token[i] == 'A' ? 'B' : 'A';
        EXPECT_TRUE(Rejected(codec.Verify(token, At(kNow)))) << "position " << i;
    }
}

TEST(TokenCodec, RejectsTheWrongKey) {
    const TokenCodec other{"another-secret-that-is-32-bytes-long"};
    EXPECT_TRUE(Rejected(other.Verify(kKnownToken, At(kNow))));
}

TEST(TokenCodec, RejectsAlgNone) {
    const TokenCodec codec{std::string(kSecret)};
    const std::string unsigned_token =
        Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." + Base64UrlEncode(kPayload) + ".";
    EXPECT_TRUE(Rejected(codec.Verify(unsigned_token, At(kNow))));
    // Even with a correct HMAC, a header that names another algorithm is refused.
    EXPECT_TRUE(
        Rejected(codec.Verify(HandMade(R"({"alg":"none","typ":"JWT"})", kPayload), At(kNow))));
}

TEST(TokenCodec, RejectsOtherAlgorithms) {
    const TokenCodec codec{std::string(kSecret)};
    for (const std::string_view header :
         {R"({"alg":"HS512","typ":"JWT"})", R"({"alg":"RS256","typ":"JWT"})",
          R"({"alg":"hs256","typ":"JWT"})", R"({"alg":"HS256 ","typ":"JWT"})",
          R"({"alg":["HS256"],"typ":"JWT"})", R"({"alg":null})", R"({"typ":"JWT"})", R"({})"}) {
        EXPECT_TRUE(Rejected(codec.Verify(HandMade(header, kPayload), At(kNow)))) << header;
    }
}

TEST(TokenCodec, ChecksTheTypeAndCriticalHeaders) {
    const TokenCodec codec{std::string(kSecret)};
    EXPECT_TRUE(codec.Verify(HandMade(R"({"alg":"HS256"})", kPayload), At(kNow)).ok());
    EXPECT_TRUE(
        codec.Verify(HandMade(R"({"alg":"HS256","typ":"JWT","kid":"k1"})", kPayload), At(kNow))
            .ok());
    EXPECT_TRUE(
        Rejected(codec.Verify(HandMade(R"({"alg":"HS256","typ":"JWE"})", kPayload), At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify(HandMade(R"({"alg":"HS256","typ":1})", kPayload), At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify(
        HandMade(R"({"alg":"HS256","b64":false,"crit":["b64"]})", kPayload), At(kNow))));
}

TEST(TokenCodec, RejectsMalformedBase64) {
    const TokenCodec codec{std::string(kSecret)};
    const std::string token(kKnownToken);
    const std::size_t first_dot = token.find('.');
    const std::size_t second_dot = token.rfind('.');
    // Padding, a standard-alphabet character, and a non-canonical last character whose stray
    // bits would decode to the same signature.
    EXPECT_TRUE(Rejected(codec.Verify(token + "=", At(kNow))));
    EXPECT_TRUE(Rejected(
        codec.Verify(token.substr(0, first_dot) + "=" + token.substr(first_dot), At(kNow))));
    std::string plus = token;
    plus[second_dot + 5] = '+';
    EXPECT_TRUE(Rejected(codec.Verify(plus, At(kNow))));
    std::string stray_bits = token;
    ASSERT_EQ(stray_bits.back(), 'c');
    stray_bits.back() = 'd';  // 'c' and 'd' differ only in the two bits after the last byte
    EXPECT_TRUE(Rejected(codec.Verify(stray_bits, At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify(" " + token, At(kNow))));
}

TEST(TokenCodec, RejectsTheWrongNumberOfSegments) {
    const TokenCodec codec{std::string(kSecret)};
    const std::string token(kKnownToken);
    EXPECT_TRUE(Rejected(codec.Verify("", At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify(".", At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify("..", At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify("...", At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify(token.substr(0, token.rfind('.')), At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify(token + ".", At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify(token + "." + token, At(kNow))));
}

TEST(TokenCodec, RejectsASignatureOfTheWrongLength) {
    const TokenCodec codec{std::string(kSecret)};
    const std::string token(kKnownToken);
    const std::string signing_input = token.substr(0, token.rfind('.'));
    const std::string mac = HmacSha256(kSecret, signing_input);
    EXPECT_TRUE(
        Rejected(codec.Verify(signing_input + "." + Base64UrlEncode(mac.substr(0, 31)), At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify(signing_input + "." + Base64UrlEncode(mac + "x"), At(kNow))));
    EXPECT_TRUE(Rejected(codec.Verify(signing_input + "." + Base64UrlEncode(mac + mac), At(kNow))));
}

TEST(TokenCodec, RejectsTheWrongIssuer) {
    const TokenCodec codec{std::string(kSecret), "someone-else"};
    EXPECT_TRUE(Rejected(codec.Verify(kKnownToken, At(kNow))));
    const TokenCodec ours{std::string(kSecret)};
    EXPECT_TRUE(Rejected(ours.Verify(
        HandMade(kHeader, R"({"sub":"u","role":"buyer","iat":1700000000,"exp":1700000900})"),
        At(kNow))));
}

TEST(TokenCodec, RejectsDuplicateKeys) {
    const TokenCodec codec{std::string(kSecret)};
    EXPECT_TRUE(Rejected(codec.Verify(
        HandMade(kHeader, R"({"sub":"u","role":"worker","role":"admin","iat":1700000000,)"
                          R"("exp":1700000900,"iss":"nanotasks"})"),
        At(kNow))));
    EXPECT_TRUE(Rejected(
        codec.Verify(HandMade(R"({"alg":"none","alg":"HS256","typ":"JWT"})", kPayload), At(kNow))));
    // Keys repeat freely in different objects; only a repeat within one object is ambiguous.
    EXPECT_TRUE(codec
                    .Verify(HandMade(kHeader, R"({"sub":"u","role":"worker","iat":1700000000,)"
                                              R"("exp":1700000900,"iss":"nanotasks",)"
                                              R"("x":{"sub":1,"y":[{"sub":2},{"sub":3}]}})"),
                            At(kNow))
                    .ok());
    EXPECT_TRUE(Rejected(
        codec.Verify(HandMade(kHeader, R"({"sub":"u","role":"worker","iat":1700000000,)"
                                       R"("exp":1700000900,"iss":"nanotasks","x":{"a":1,"a":2}})"),
                     At(kNow))));
}

TEST(TokenCodec, RejectsMissingOrMistypedClaims) {
    const TokenCodec codec{std::string(kSecret)};
    for (const std::string_view payload : {
             R"({"role":"buyer","iat":1700000000,"exp":1700000900,"iss":"nanotasks"})",
             R"({"sub":"","role":"buyer","iat":1700000000,"exp":1700000900,"iss":"nanotasks"})",
             R"({"sub":7,"role":"buyer","iat":1700000000,"exp":1700000900,"iss":"nanotasks"})",
             R"({"sub":"u","iat":1700000000,"exp":1700000900,"iss":"nanotasks"})",
             R"({"sub":"u","role":"buyer","exp":1700000900,"iss":"nanotasks"})",
             R"({"sub":"u","role":"buyer","iat":1700000000,"iss":"nanotasks"})",
             R"({"sub":"u","role":"buyer","iat":1700000000,"exp":1.7000009e9,"iss":"nanotasks"})",
             R"({"sub":"u","role":"buyer","iat":1700000000,"exp":"1700000900","iss":"nanotasks"})",
             R"({"sub":"u","role":"buyer","iat":1700000000,"exp":18446744073709551615,)"
             R"("iss":"nanotasks"})",
             R"({"sub":"u","role":"buyer","iat":1700000000,"nbf":null,"exp":1700000900,)"
             R"("iss":"nanotasks"})",
             R"({"sub":"u","role":"buyer","iat":1700000000,"exp":1700000900,"iss":"nanotasks",)"
             R"("jti":5})",
             R"(["sub","u"])",
             R"("just a string")",
             R"({"sub":"u","role":"buyer","iat":1700000000,"exp":1700000900,"iss":"nanotasks"} x)",
             R"({"sub":"u","role":"buyer","iat":1700000000,"exp":1700000900,"iss":"nanotasks",})",
             "{\"sub\":\"\xff\",\"role\":\"buyer\",\"iat\":1700000000,\"exp\":1700000900,"
             "\"iss\":\"nanotasks\"}",
             "",
         }) {
        EXPECT_TRUE(Rejected(codec.Verify(HandMade(kHeader, payload), At(kNow)))) << payload;
    }
}

TEST(TokenCodec, RejectsOversizedTokens) {
    const TokenCodec codec{std::string(kSecret)};
    const std::string padding(TokenCodec::kMaxTokenBytes, 'a');
    const std::string payload =
        R"({"sub":"u","role":"buyer","iat":1700000000,"exp":1700000900,"iss":"nanotasks","p":")" +
        padding + R"("})";
    EXPECT_TRUE(Rejected(codec.Verify(HandMade(kHeader, payload), At(kNow))));
}

TEST(TokenCodec, GivesNoDetailThatHelpsAnAttacker) {
    const TokenCodec codec{std::string(kSecret)};
    const TokenCodec other{"another-secret-that-is-32-bytes-long"};
    const core::Result<AccessClaims> forged = other.Verify(kKnownToken, At(kNow));
    const core::Result<AccessClaims> garbage = codec.Verify("garbage", At(kNow));
    ASSERT_FALSE(forged.ok());
    ASSERT_FALSE(garbage.ok());
    EXPECT_EQ(forged.error().detail, garbage.error().detail);
    EXPECT_TRUE(forged.error().errors.empty());
}

TEST(TokenCodec, RefusesAShortSecret) {
    EXPECT_THROW(TokenCodec("too-short"), std::invalid_argument);
    EXPECT_THROW(TokenCodec(std::string(31, 's')), std::invalid_argument);
    EXPECT_NO_THROW(TokenCodec(std::string(32, 's')));
}

}  // namespace
}  // namespace nanotasks::infra
