#pragma once

#include <compare>
#include <cstdint>

namespace nanotasks::core {

// Coins are whole units; a distinct type so that a count of coins is never confused with a
// count of anything else, and never a float.
class Coins {
  public:
    constexpr Coins() = default;
    constexpr explicit Coins(std::int64_t amount) : amount_(amount) {}

    constexpr std::int64_t amount() const { return amount_; }

    constexpr Coins operator+(Coins other) const { return Coins(amount_ + other.amount_); }
    constexpr Coins operator-(Coins other) const { return Coins(amount_ - other.amount_); }
    constexpr Coins operator*(std::int64_t factor) const { return Coins(amount_ * factor); }
    constexpr Coins& operator+=(Coins other) {
        amount_ += other.amount_;
        return *this;
    }
    constexpr auto operator<=>(const Coins&) const = default;

  private:
    std::int64_t amount_ = 0;
};

}  // namespace nanotasks::core
