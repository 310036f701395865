#include "app/payment_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "app/transaction.hpp"
#include "domain/money_rules.hpp"
#include "domain/rules.hpp"
#include "infra/id_generator.hpp"
#include "infra/stripe_client.hpp"
#include "infra/stripe_signature.hpp"
#include "storage/repositories/ledger_repository.hpp"

namespace nanotasks::app {

using core::Error;
using core::ErrorCode;
using storage::PaymentRecord;
using storage::TxMode;

namespace {

constexpr std::string_view kSucceeded = "payment_intent.succeeded";
constexpr std::string_view kFailed = "payment_intent.payment_failed";

// What a webhook event did, logged once the transaction has committed.
enum class EventOutcome {
    kDuplicate,
    kIgnoredType,
    kUnknownIntent,
    kMismatch,
    kAlreadySettled,
    kCredited,
    kMarkedFailed,
};

// The event must describe exactly the payment checkout created: our id in its metadata, the
// package's amount and currency.
bool EventMatches(const StripeEvent& event, const PaymentRecord& payment) {
    return event.payment_id == payment.id && event.amount == payment.amount_cents &&
           (!event.amount_received || *event.amount_received == payment.amount_cents) &&
           event.currency == payment.currency;
}

// One of the limited places for a call to Stripe, taken if one is free and given back on
// destruction.
class StripeCallSlot {
  public:
    StripeCallSlot(std::atomic<int>& in_flight, int max) : in_flight_(in_flight) {
        taken_ = in_flight_.fetch_add(1) < max;
        if (!taken_) in_flight_.fetch_sub(1);
    }
    ~StripeCallSlot() {
        if (taken_) in_flight_.fetch_sub(1);
    }
    StripeCallSlot(const StripeCallSlot&) = delete;
    StripeCallSlot& operator=(const StripeCallSlot&) = delete;

    bool taken() const { return taken_; }

  private:
    std::atomic<int>& in_flight_;
    bool taken_ = false;
};

}  // namespace

PaymentService::PaymentService(storage::Database& db, const infra::StripeClient* stripe,
                               infra::IdGenerator& ids, const core::Clock& clock,
                               PaymentSettings settings)
    : db_(db), stripe_(stripe), ids_(ids), clock_(clock), settings_(std::move(settings)) {
    settings_.stripe_calls_max = std::max(1, settings_.stripe_calls_max);
}

core::Result<CheckoutResult> PaymentService::Checkout(const Caller& caller,
                                                      const std::string& package_id) {
    const auto package = std::find_if(
        settings_.packages.begin(), settings_.packages.end(),
        [&](const core::CoinPackage& candidate) { return candidate.id == package_id; });
    if (package == settings_.packages.end()) {
        return Error::Validation({{"package_id", "invalid", "is not a coin package on sale"}});
    }
    if (stripe_ == nullptr) {
        return Error::Of(ErrorCode::kPaymentsUnavailable, "Payments are not configured.");
    }
    const std::string payment_id = ids_.Next();
    // The network call happens outside any transaction, so that a slow Stripe holds no database
    // connection or lock. It still holds this worker thread, hence the limit on calls at once.
    // Should storing fail afterwards, the PaymentIntent stays unknown to us and no event for it
    // can ever credit anything.
    const StripeCallSlot slot(stripe_calls_in_flight_, settings_.stripe_calls_max);
    if (!slot.taken()) {
        spdlog::warn("checkout {}: {} calls to Stripe already in flight; refused", payment_id,
                     settings_.stripe_calls_max);
        return Error::Of(ErrorCode::kPaymentsUnavailable,
                         "The payment provider is slow to answer; try again shortly.");
    }
    auto intent = stripe_->CreatePaymentIntent(
        infra::PaymentIntentRequest{.amount_cents = package->price_cents,
                                    .currency = std::string(domain::kCurrency),
                                    .payment_id = payment_id});
    if (!intent) {
        spdlog::error("checkout {}: {}", payment_id, intent.error().detail);
        return Error::Of(ErrorCode::kPaymentsUnavailable,
                         "The payment provider could not be reached; try again shortly.");
    }
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    PaymentRecord payment{
        .id = payment_id,
        .buyer_id = caller.id,
        .package_id = package->id,
        .coins = package->coins,
        .amount_cents = package->price_cents,
        .currency = std::string(domain::kCurrency),
        .status = std::string(domain::PaymentStatusName(domain::PaymentStatus::kPending)),
        .provider_payment_id = intent->id,
        .created_at_ms = now_ms,
        .updated_at_ms = now_ms};
    db_.RunTransaction(TxMode::kWrite, [&](storage::Transaction& tx) {
        storage::PaymentRepository::Insert(tx, payment);
    });
    return CheckoutResult{.payment = std::move(payment),
                          .client_secret = std::move(intent->client_secret)};
}

core::Status PaymentService::VerifyWebhook(std::string_view payload,
                                           std::optional<std::string_view> signature_header) const {
    if (!settings_.webhook_secret) {
        return Error::Of(ErrorCode::kPaymentsUnavailable, "Webhooks are not configured.");
    }
    const std::int64_t now_seconds = core::ToUnixMillis(clock_.Now()) / 1000;
    if (!signature_header ||
        !infra::VerifyStripeSignature(*signature_header, payload, *settings_.webhook_secret,
                                      now_seconds)) {
        return Error::Of(ErrorCode::kInvalidSignature,
                         "The Stripe-Signature header does not verify.");
    }
    return core::Ok{};
}

core::Status PaymentService::HandleEvent(const StripeEvent& event) {
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    EventOutcome outcome = EventOutcome::kIgnoredType;
    std::string payment_id;
    db_.RunTransaction(TxMode::kWrite, [&](storage::Transaction& tx) {
        payment_id.clear();
        // Recording the id first, in the same transaction as the effect, makes a redelivered
        // or concurrent copy of the event a no-op: on PostgreSQL the second insert waits for
        // the first transaction and then finds the id taken.
        if (!storage::PaymentRepository::RecordWebhookEvent(tx, event.id, event.type, now_ms)) {
            outcome = EventOutcome::kDuplicate;
            return;
        }
        if (event.type != kSucceeded && event.type != kFailed) {
            outcome = EventOutcome::kIgnoredType;
            return;
        }
        const auto payment = storage::PaymentRepository::FindByProviderId(tx, event.intent_id);
        if (!payment) {
            outcome = EventOutcome::kUnknownIntent;
            return;
        }
        payment_id = payment->id;
        if (event.type == kFailed) {
            outcome = storage::PaymentRepository::MarkFailed(tx, payment->id, now_ms)
                          ? EventOutcome::kMarkedFailed
                          : EventOutcome::kAlreadySettled;
            return;
        }
        if (!EventMatches(event, *payment)) {
            outcome = EventOutcome::kMismatch;
            return;
        }
        // The guarded transition credits once per PaymentIntent, even when Stripe sends
        // several distinct succeeded events for it.
        if (!storage::PaymentRepository::MarkSucceeded(tx, payment->id, now_ms)) {
            outcome = EventOutcome::kAlreadySettled;
            return;
        }
        storage::LedgerRepository::Post(
            tx, storage::TransferRequest{.id = ids_.Next(),
                                         .from_account = std::string(domain::kMintAccount),
                                         .to_account = domain::WalletAccount(payment->buyer_id),
                                         .amount = core::Coins(payment->coins),
                                         .kind = domain::TransferKind::kPurchase,
                                         .reference_type = "payment",
                                         .reference_id = payment->id,
                                         .created_at_ms = now_ms});
        outcome = EventOutcome::kCredited;
    });
    switch (outcome) {
        case EventOutcome::kCredited:
            spdlog::info("stripe event {}: payment {} succeeded, coins credited", event.id,
                         payment_id);
            break;
        case EventOutcome::kMarkedFailed:
            spdlog::info("stripe event {}: payment {} failed", event.id, payment_id);
            break;
        case EventOutcome::kMismatch:
            spdlog::warn(
                "stripe event {}: PaymentIntent {} does not match payment {} (amount, currency "
                "or metadata); nothing credited",
                event.id, event.intent_id, payment_id);
            break;
        case EventOutcome::kUnknownIntent:
            spdlog::warn("stripe event {}: unknown PaymentIntent {}; ignored", event.id,
                         event.intent_id);
            break;
        case EventOutcome::kDuplicate:
        case EventOutcome::kIgnoredType:
        case EventOutcome::kAlreadySettled:
            break;
    }
    return core::Ok{};
}

core::Result<ListPage<PaymentRecord>> PaymentService::List(
    const Caller& caller, const std::optional<std::string>& status,
    const std::optional<std::string>& before_id, int limit) {
    storage::PaymentFilter filter{.status = status};
    if (caller.role != domain::Role::kAdmin) filter.buyer_id = caller.id;
    std::vector<PaymentRecord> rows;
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        rows = storage::PaymentRepository::List(tx, filter, before_id, limit + 1);
    });
    return MakePage(std::move(rows), limit);
}

}  // namespace nanotasks::app
