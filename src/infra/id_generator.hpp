#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace nanotasks::infra {

// UUIDv7 ids (RFC 9562) in canonical lowercase form, "0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c4f":
// sortable by creation time, so keyset pagination and B-tree inserts follow creation order, and
// unguessable, so that knowing one id tells nothing about another user's.
//
// Layout: 48 bits of Unix milliseconds, version 7, a 12-bit counter (rand_a), variant 0b10 and 62
// fresh random bits (rand_b). The counter starts at a random value below 2048 in each new
// millisecond and increments for every further id in that millisecond (RFC 9562 section 6.2,
// method 1), so ids from one generator are strictly increasing even within one millisecond.
// When the counter overflows, or the clock steps back, the generator keeps using the latest
// millisecond it issued (advancing it by one on overflow) rather than going backwards; the
// timestamp then runs at most a few milliseconds ahead until the clock catches up.
//
// Thread-safe. Several processes each have their own generator; their ids still never collide
// in practice thanks to the 62 random bits in every id.
class IdGenerator {
  public:
    explicit IdGenerator(const core::Clock& clock);

    IdGenerator(const IdGenerator&) = delete;
    IdGenerator& operator=(const IdGenerator&) = delete;

    std::string Next();

  private:
    const core::Clock& clock_;
    std::mutex mutex_;
    std::int64_t last_millis_ = -1;  // guarded by mutex_
    std::uint32_t counter_ = 0;      // guarded by mutex_
};

// True for the canonical 8-4-4-4-12 shape in lowercase hexadecimal. Clients must treat ids as
// opaque, so this only screens out garbage (before it reaches a query), not old versions.
bool IsValidId(std::string_view id);

}  // namespace nanotasks::infra
