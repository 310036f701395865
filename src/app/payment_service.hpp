#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/caller.hpp"
#include "app/list_page.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/repositories/payment_repository.hpp"

namespace nanotasks::infra {
class IdGenerator;
class StripeClient;
}  // namespace nanotasks::infra

namespace nanotasks::app {

// Checkouts waiting for Stripe at once, by default: a quarter of the smallest default worker
// pool (8 threads), so that a Stripe that hangs never holds more than that share of the workers.
inline constexpr int kDefaultStripeCallsMax = 2;

struct PaymentSettings {
    std::vector<core::CoinPackage> packages;
    std::optional<std::string> webhook_secret;  // absent: webhooks cannot be verified
    // At most this many checkouts call Stripe at once (at least 1); one more answers
    // payments_unavailable at once instead of taking another worker thread.
    int stripe_calls_max = kDefaultStripeCallsMax;
};

struct CheckoutResult {
    storage::PaymentRecord payment;
    std::string client_secret;
};

// The parts of a Stripe event that matter here, read by the endpoint from a body whose
// signature VerifyWebhook accepted.
struct StripeEvent {
    std::string id;
    std::string type;
    std::string intent_id;  // data.object.id
    std::optional<std::int64_t> amount;
    std::optional<std::int64_t> amount_received;
    std::optional<std::string> currency;
    std::optional<std::string> payment_id;  // data.object.metadata.payment_id: ours
};

// Coin purchases. Coins are credited only from a verified webhook, once per PaymentIntent, and
// only when its amount, currency and our payment id match what checkout created.
class PaymentService {
  public:
    // `stripe` is null when no secret key is configured: checkout is then unavailable.
    PaymentService(storage::Database& db, const infra::StripeClient* stripe,
                   infra::IdGenerator& ids, const core::Clock& clock, PaymentSettings settings);

    const std::vector<core::CoinPackage>& Packages() const { return settings_.packages; }

    // Creates a PaymentIntent at Stripe, then stores the payment as pending. payments_unavailable
    // when Stripe fails, or at once when stripe_calls_max checkouts are already waiting for it.
    core::Result<CheckoutResult> Checkout(const Caller& caller, const std::string& package_id);
    // Checks a Stripe-Signature header over the raw body: invalid_signature, or
    // payments_unavailable without a webhook secret.
    core::Status VerifyWebhook(std::string_view payload,
                               std::optional<std::string_view> signature_header) const;
    // Applies a verified event. Each event id is handled once; events of other types and for
    // unknown PaymentIntents change nothing.
    core::Status HandleEvent(const StripeEvent& event);
    // A buyer's own payments, or every payment for an admin; newest first.
    core::Result<ListPage<storage::PaymentRecord>> List(const Caller& caller,
                                                        const std::optional<std::string>& status,
                                                        const std::optional<std::string>& before_id,
                                                        int limit);

  private:
    storage::Database& db_;
    const infra::StripeClient* stripe_;
    infra::IdGenerator& ids_;
    const core::Clock& clock_;
    PaymentSettings settings_;
    std::atomic<int> stripe_calls_in_flight_{0};
};

}  // namespace nanotasks::app
