#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/repositories/list_query.hpp"

namespace nanotasks::storage {

struct PaymentRecord {
    std::string id;
    std::string buyer_id;
    std::string package_id;
    std::int64_t coins = 0;
    std::int64_t amount_cents = 0;
    std::string currency;
    std::string status;               // pending, succeeded, failed
    std::string provider_payment_id;  // Stripe's PaymentIntent id
    std::int64_t created_at_ms = 0;
    std::int64_t updated_at_ms = 0;
};

struct PaymentFilter {
    std::optional<std::string> buyer_id;  // absent: every buyer's
    std::optional<std::string> status;
};

// Coin purchases and the webhook events that settle them.
class PaymentRepository {
  public:
    static void Insert(Transaction& tx, const PaymentRecord& payment);
    static std::optional<PaymentRecord> FindByProviderId(Transaction& tx,
                                                         const std::string& provider_payment_id);
    // Guarded transitions: true for exactly one caller, however many run at once. A failed
    // attempt is not final at Stripe (the buyer may retry with another card), so a payment may
    // still succeed after it failed; a succeeded one never changes again.
    static bool MarkSucceeded(Transaction& tx, const std::string& id, std::int64_t now_ms);
    static bool MarkFailed(Transaction& tx, const std::string& id, std::int64_t now_ms);
    // Newest first; ids below before_id when given.
    static ListQuery PaymentsQuery(const PaymentFilter& filter,
                                   const std::optional<std::string>& before_id, int limit);
    static std::vector<PaymentRecord> List(Transaction& tx, const PaymentFilter& filter,
                                           const std::optional<std::string>& before_id, int limit);
    // True the first time an event id is recorded: the caller handles the event in the same
    // transaction, so an event is handled once however often Stripe delivers it.
    static bool RecordWebhookEvent(Transaction& tx, const std::string& event_id,
                                   const std::string& type, std::int64_t now_ms);
};

}  // namespace nanotasks::storage
