#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace nanotasks::infra {

struct PaymentIntentRequest {
    std::int64_t amount_cents = 0;
    std::string currency;    // "usd"
    std::string payment_id;  // ours: sent as metadata[payment_id] and as the Idempotency-Key
};

struct PaymentIntent {
    std::string id;             // "pi_..."
    std::string client_secret;  // handed to the buyer's browser to confirm the payment
};

// Stripe's REST API over libcurl: form-encoded requests, `Authorization: Bearer <secret key>`.
// Every attempt of one request carries the same Idempotency-Key (our payment id), so retrying
// after a timeout whose request did reach Stripe never creates a second PaymentIntent.
// Thread-safe: each call uses its own curl handle.
class StripeClient {
  public:
    // A call blocks its thread (a worker of the HTTP server) and a buyer waits for it, so it is
    // bounded as a whole: no attempt runs past call_timeout, and none starts that could not get
    // a useful share of it.
    struct Options {
        std::string api_base = "https://api.stripe.com";
        std::string secret_key;
        std::chrono::milliseconds connect_timeout{3000};
        std::chrono::milliseconds attempt_timeout{8000};
        std::chrono::milliseconds call_timeout{15000};  // every attempt and backoff together
        int max_attempts = 3;
        std::chrono::milliseconds first_backoff{250};  // doubled after each failed attempt
    };

    explicit StripeClient(Options options);

    // POST {api_base}/v1/payment_intents. Retries network errors, 429 and 5xx answers, at most
    // max_attempts in all and within call_timeout. A failure's detail is for the log, never for the
    // client: it names the cause (status, curl error) and never the key.
    core::Result<PaymentIntent> CreatePaymentIntent(const PaymentIntentRequest& request) const;

  private:
    Options options_;
};

}  // namespace nanotasks::infra
