#include "infra/id_generator.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

#include "infra/crypto.hpp"

namespace nanotasks::infra {
namespace {

constexpr std::size_t kIdLength = 36;
constexpr std::array<std::size_t, 4> kHyphenPositions = {8, 13, 18, 23};
constexpr std::uint32_t kCounterMax = 0xfff;
// Seeding below half the range leaves at least 2048 ids per millisecond before an overflow.
constexpr std::uint32_t kCounterSeedMask = 0x7ff;
constexpr std::uint64_t kTimestampMask = (std::uint64_t{1} << 48) - 1;
constexpr std::uint64_t kRandBMask = (std::uint64_t{1} << 62) - 1;

// Up to eight bytes, most significant first.
std::uint64_t ReadBigEndian(std::string_view bytes) {
    std::uint64_t value = 0;
    for (const char c : bytes) {
        value = (value << 8) | static_cast<unsigned char>(c);
    }
    return value;
}

std::string Format(const std::array<unsigned char, 16>& bytes) {
    constexpr std::string_view kHexDigits = "0123456789abcdef";
    std::string id;
    id.reserve(kIdLength);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            id.push_back('-');
        }
        id.push_back(kHexDigits[bytes[i] >> 4]);
        id.push_back(kHexDigits[bytes[i] & 0x0f]);
    }
    return id;
}

}  // namespace

IdGenerator::IdGenerator(const core::Clock& clock) : clock_(clock) {}

std::string IdGenerator::Next() {
    // The random bits are drawn before taking the lock, so that threads contend only for the
    // few instructions that order the counter.
    const std::string random = RandomBytes(10);
    const std::string_view random_view = random;
    const std::uint64_t rand_b = ReadBigEndian(random_view.substr(0, 8)) & kRandBMask;
    const auto seed =
        static_cast<std::uint32_t>(ReadBigEndian(random_view.substr(8, 2))) & kCounterSeedMask;
    const std::int64_t now_millis = std::max<std::int64_t>(core::ToUnixMillis(clock_.Now()), 0);

    std::int64_t millis = 0;
    std::uint32_t counter = 0;
    {
        const std::lock_guard lock(mutex_);
        if (now_millis > last_millis_) {
            last_millis_ = now_millis;
            counter_ = seed;
        } else if (counter_ < kCounterMax) {
            ++counter_;
        } else {
            ++last_millis_;
            counter_ = seed;
        }
        millis = last_millis_;
        counter = counter_;
    }

    const auto timestamp = static_cast<std::uint64_t>(millis) & kTimestampMask;
    std::array<unsigned char, 16> bytes{};
    for (std::size_t i = 0; i < 6; ++i) {
        bytes[i] = static_cast<unsigned char>(timestamp >> (40 - 8 * i));
    }
    bytes[6] = static_cast<unsigned char>(0x70 | (counter >> 8));
    bytes[7] = static_cast<unsigned char>(counter & 0xff);
    bytes[8] = static_cast<unsigned char>(0x80 | (rand_b >> 56));
    for (std::size_t i = 9; i < 16; ++i) {
        bytes[i] = static_cast<unsigned char>(rand_b >> (8 * (15 - i)));
    }
    return Format(bytes);
}

bool IsValidId(std::string_view id) {
    if (id.size() != kIdLength) {
        return false;
    }
    for (std::size_t i = 0; i < id.size(); ++i) {
        const char c = id[i];
        const bool hyphen_expected = std::find(kHyphenPositions.begin(), kHyphenPositions.end(),
                                               i) != kHyphenPositions.end();
        if (hyphen_expected) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

}  // namespace nanotasks::infra
