#include "infra/stripe_signature.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace nanotasks::infra {
namespace {

constexpr std::string_view kSecret = "whsec_test_secret";
constexpr std::string_view kPayload = R"({"id":"evt_1","type":"payment_intent.succeeded"})";
constexpr std::int64_t kNow = 1'700'000'000;
// HMAC-SHA256 of "1700000000." + kPayload under kSecret, computed independently (Python hmac).
constexpr std::string_view kKnownSignature =
    "22d8dc182f5c588077683bd378368e29765bfe5df2560112b4f28fef120f0e31";

std::string Header(std::int64_t t, std::string_view v1) {
    return "t=" + std::to_string(t) + ",v1=" + std::string(v1);
}

TEST(StripeSignature, SignsInStripesFormat) {
    EXPECT_EQ(SignStripePayload(kPayload, kSecret, kNow), Header(kNow, kKnownSignature));
}

TEST(StripeSignature, AcceptsAValidSignature) {
    EXPECT_TRUE(VerifyStripeSignature(Header(kNow, kKnownSignature), kPayload, kSecret, kNow));
    EXPECT_TRUE(VerifyStripeSignature(SignStripePayload(kPayload, kSecret, kNow - 10), kPayload,
                                      kSecret, kNow));
}

TEST(StripeSignature, RejectsTheWrongSecret) {
    EXPECT_FALSE(
        VerifyStripeSignature(Header(kNow, kKnownSignature), kPayload, "whsec_other_secret", kNow));
    EXPECT_FALSE(VerifyStripeSignature(Header(kNow, kKnownSignature), kPayload, "", kNow));
}

TEST(StripeSignature, RejectsAPayloadWithOneByteChanged) {
    std::string payload(kPayload);
    payload[10] = static_cast<char>(payload[10] ^ 0x01);
    EXPECT_FALSE(VerifyStripeSignature(Header(kNow, kKnownSignature), payload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature(Header(kNow, kKnownSignature), std::string(kPayload) + " ",
                                       kSecret, kNow));
}

TEST(StripeSignature, RejectsASignatureWithOneDigitChanged) {
    std::string signature(kKnownSignature);
    signature[0] = '3';
    EXPECT_FALSE(VerifyStripeSignature(Header(kNow, signature), kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature(Header(kNow, kKnownSignature.substr(0, 63)), kPayload,
                                       kSecret, kNow));
}

TEST(StripeSignature, RejectsAChangedTimestamp) {
    EXPECT_FALSE(VerifyStripeSignature(Header(kNow + 1, kKnownSignature), kPayload, kSecret, kNow));
}

TEST(StripeSignature, RejectsStaleSignatures) {
    const std::string at_limit = SignStripePayload(kPayload, kSecret, kNow - 300);
    const std::string stale = SignStripePayload(kPayload, kSecret, kNow - 301);
    EXPECT_TRUE(VerifyStripeSignature(at_limit, kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature(stale, kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature(at_limit, kPayload, kSecret, kNow, 299));
}

TEST(StripeSignature, RejectsFutureSignatures) {
    const std::string at_limit = SignStripePayload(kPayload, kSecret, kNow + 300);
    const std::string future = SignStripePayload(kPayload, kSecret, kNow + 301);
    EXPECT_TRUE(VerifyStripeSignature(at_limit, kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature(future, kPayload, kSecret, kNow));
}

TEST(StripeSignature, RejectsMissingParts) {
    const std::string v1 = "v1=" + std::string(kKnownSignature);
    EXPECT_FALSE(VerifyStripeSignature("", kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature(v1, kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature("t=1700000000", kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature("t=1700000000,v1=", kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature("t=," + v1, kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature("t," + v1, kPayload, kSecret, kNow));
}

TEST(StripeSignature, RejectsMalformedTimestamps) {
    const std::string v1 = ",v1=" + std::string(kKnownSignature);
    EXPECT_FALSE(VerifyStripeSignature("t=abc" + v1, kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature("t=-1700000000" + v1, kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature("t=+1700000000" + v1, kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature("t=1700000000x" + v1, kPayload, kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature("t=99999999999999999999" + v1, kPayload, kSecret, kNow));
    // Two timestamps are ambiguous: which one was signed?
    EXPECT_FALSE(VerifyStripeSignature("t=1700000000,t=1700000000" + v1, kPayload, kSecret, kNow));
}

TEST(StripeSignature, AcceptsAnyOfSeveralV1Signatures) {
    const std::string wrong(64, 'a');
    const std::string valid(kKnownSignature);
    EXPECT_TRUE(VerifyStripeSignature("t=1700000000,v1=" + wrong + ",v1=" + valid, kPayload,
                                      kSecret, kNow));
    EXPECT_TRUE(VerifyStripeSignature("t=1700000000,v1=" + valid + ",v1=" + wrong, kPayload,
                                      kSecret, kNow));
    EXPECT_FALSE(VerifyStripeSignature("t=1700000000,v1=" + wrong + ",v1=" + wrong, kPayload,
                                       kSecret, kNow));
}

TEST(StripeSignature, ReadsItemsInAnyOrderAndIgnoresOtherSchemes) {
    const std::string valid(kKnownSignature);
    EXPECT_TRUE(VerifyStripeSignature("v0=deadbeef,v1=" + valid + ",t=1700000000,x=1", kPayload,
                                      kSecret, kNow));
    EXPECT_TRUE(VerifyStripeSignature("t=1700000000, v1=" + valid, kPayload, kSecret, kNow));
    // A valid signature under another scheme does not count.
    EXPECT_FALSE(VerifyStripeSignature("t=1700000000,v0=" + valid, kPayload, kSecret, kNow));
}

TEST(StripeSignature, RejectsAnOversizedHeader) {
    const std::string padding(5000, 'x');
    EXPECT_FALSE(VerifyStripeSignature(Header(kNow, kKnownSignature) + ",x=" + padding, kPayload,
                                       kSecret, kNow));
}

}  // namespace
}  // namespace nanotasks::infra
