#include "infra/crypto.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace nanotasks::infra {
namespace {

std::string Repeat(char byte, std::size_t count) { return std::string(count, byte); }

TEST(Base64Url, EncodesRfc4648Vectors) {
    // RFC 4648 section 10, without the padding that JWT drops.
    EXPECT_EQ(Base64UrlEncode(""), "");
    EXPECT_EQ(Base64UrlEncode("f"), "Zg");
    EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
    EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
    EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
    EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
    EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesTheUrlSafeAlphabet) {
    // Standard base64 of these bytes is "+/8=".
    EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff", 2)), "-_8");
    EXPECT_EQ(Base64UrlDecode("-_8"), std::string("\xfb\xff", 2));
}

TEST(Base64Url, DecodesRfc4648Vectors) {
    EXPECT_EQ(Base64UrlDecode(""), "");
    EXPECT_EQ(Base64UrlDecode("Zg"), "f");
    EXPECT_EQ(Base64UrlDecode("Zm8"), "fo");
    EXPECT_EQ(Base64UrlDecode("Zm9v"), "foo");
    EXPECT_EQ(Base64UrlDecode("Zm9vYg"), "foob");
    EXPECT_EQ(Base64UrlDecode("Zm9vYmE"), "fooba");
    EXPECT_EQ(Base64UrlDecode("Zm9vYmFy"), "foobar");
}

TEST(Base64Url, RoundTripsEveryByteValue) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes.push_back(static_cast<char>(i));
    }
    for (std::size_t length = 0; length <= bytes.size(); length += 37) {
        const std::string input = bytes.substr(0, length);
        EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(input)), input) << "length " << length;
    }
}

TEST(Base64Url, RejectsPaddingInvalidCharactersAndNonCanonicalText) {
    EXPECT_FALSE(Base64UrlDecode("Zg=="));
    EXPECT_FALSE(Base64UrlDecode("Zm8="));
    EXPECT_FALSE(Base64UrlDecode("Zm9v===="));
    EXPECT_FALSE(Base64UrlDecode("Zm9v+"));
    EXPECT_FALSE(Base64UrlDecode("Zm9v/A"));
    EXPECT_FALSE(Base64UrlDecode("Zm 9v"));
    EXPECT_FALSE(Base64UrlDecode("Zm9v\n"));
    EXPECT_FALSE(Base64UrlDecode(std::string_view("Zm\0v", 4)));
    EXPECT_FALSE(Base64UrlDecode("Zm9v.Zg"));
    // One character alone carries less than a byte.
    EXPECT_FALSE(Base64UrlDecode("Z"));
    EXPECT_FALSE(Base64UrlDecode("Zm9vY"));
    // "Zh" and "Zm9" also have non-zero bits after the last byte: "Zg" and "Zm8" are the only
    // encodings of "f" and "fo".
    EXPECT_FALSE(Base64UrlDecode("Zh"));
    EXPECT_FALSE(Base64UrlDecode("Zm9"));
}

TEST(Sha256Hex, MatchesFips180Vectors) {
    EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

struct HmacVector {
    std::string key;
    std::string data;
    std::string expected_hex;
};

TEST(HmacSha256, MatchesRfc4231Vectors) {
    std::string increasing_key;
    for (char byte = 0x01; byte <= 0x19; ++byte) {
        increasing_key.push_back(byte);
    }
    const HmacVector vectors[] = {
        {Repeat('\x0b', 20), "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"Jefe", "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {Repeat('\xaa', 20), Repeat('\xdd', 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {increasing_key, Repeat('\xcd', 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {Repeat('\xaa', 131), "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {Repeat('\xaa', 131),
         "This is a test using a larger than block-size key and a larger than block-size data. "
         "The key needs to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (const HmacVector& vector : vectors) {
        const std::string mac = HmacSha256(vector.key, vector.data);
        EXPECT_EQ(mac.size(), 32U);
        EXPECT_EQ(HexEncode(mac), vector.expected_hex);
    }
    // Test case 5 checks a truncated output: its first 128 bits.
    EXPECT_EQ(HexEncode(HmacSha256(Repeat('\x0c', 20), "Test With Truncation")).substr(0, 32),
              "a3b6167473100ee06e0c796c2955552b");
}

TEST(HmacSha256, AcceptsAnEmptyKey) {
    EXPECT_EQ(HexEncode(HmacSha256(std::string_view(), "")),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HexEncode, WritesLowercasePairs) {
    EXPECT_EQ(HexEncode(""), "");
    EXPECT_EQ(HexEncode(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
    EXPECT_TRUE(ConstantTimeEquals("", ""));
    EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
    EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
    EXPECT_FALSE(ConstantTimeEquals("secret", "secret1"));
    EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(RandomBytes, ReturnsTheRequestedLengthAndDiffers) {
    EXPECT_EQ(RandomBytes(0), "");
    const std::string first = RandomBytes(32);
    const std::string second = RandomBytes(32);
    EXPECT_EQ(first.size(), 32U);
    EXPECT_NE(first, second);
}

TEST(RandomToken, IsUnpaddedBase64UrlOfTheRequestedBytes) {
    const std::string token = RandomToken(32);
    EXPECT_EQ(token.size(), 43U);
    const std::optional<std::string> bytes = Base64UrlDecode(token);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->size(), 32U);
    EXPECT_NE(RandomToken(32), token);
}

}  // namespace
}  // namespace nanotasks::infra
