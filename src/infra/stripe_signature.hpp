#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nanotasks::infra {

// Stripe's default tolerance for the age of a webhook signature.
inline constexpr std::int64_t kStripeToleranceSeconds = 300;

// Checks a `Stripe-Signature` header ("t=1700000000,v1=<hex>,v1=<hex>,v0=<hex>") the way Stripe
// documents it: the HMAC-SHA256 under the endpoint secret of "{t}.{payload}" must equal one of
// the v1 signatures (Stripe sends several while a secret is being rolled), and t must lie within
// `tolerance_seconds` of now, in either direction, so that a captured event cannot be replayed
// later. Other schemes (v0, test schemes) are ignored. The secret ("whsec_...") is used as raw
// bytes, as Stripe's libraries do.
bool VerifyStripeSignature(std::string_view header, std::string_view payload,
                           std::string_view secret, std::int64_t now_seconds,
                           std::int64_t tolerance_seconds = kStripeToleranceSeconds);

// A header value in Stripe's format for `payload` signed at time `t`: what our fake Stripe sends
// and what tests use.
std::string SignStripePayload(std::string_view payload, std::string_view secret, std::int64_t t);

}  // namespace nanotasks::infra
