#include "storage/repositories/payment_repository.hpp"

namespace nanotasks::storage {
namespace {

constexpr std::string_view kSelectPayment =
    "SELECT id, buyer_id, package_id, coins, amount_cents, currency, status, "
    "provider_payment_id, created_at, updated_at FROM payments ";

PaymentRecord ToPayment(const Row& row) {
    return PaymentRecord{.id = row.Text(0),
                         .buyer_id = row.Text(1),
                         .package_id = row.Text(2),
                         .coins = row.Int(3),
                         .amount_cents = row.Int(4),
                         .currency = row.Text(5),
                         .status = row.Text(6),
                         .provider_payment_id = row.OptionalText(7).value_or(""),
                         .created_at_ms = row.Int(8),
                         .updated_at_ms = row.Int(9)};
}

}  // namespace

void PaymentRepository::Insert(Transaction& tx, const PaymentRecord& payment) {
    tx.Execute(
        "INSERT INTO payments (id, buyer_id, package_id, coins, amount_cents, currency, "
        "status, provider_payment_id, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        {payment.id, payment.buyer_id, payment.package_id, payment.coins, payment.amount_cents,
         payment.currency, payment.status, payment.provider_payment_id, payment.created_at_ms});
}

std::optional<PaymentRecord> PaymentRepository::FindByProviderId(
    Transaction& tx, const std::string& provider_payment_id) {
    const Rows rows = tx.Query(std::string(kSelectPayment) + "WHERE provider_payment_id = $1",
                               {provider_payment_id});
    if (rows.empty()) return std::nullopt;
    return ToPayment(rows.front());
}

bool PaymentRepository::MarkSucceeded(Transaction& tx, const std::string& id, std::int64_t now_ms) {
    return tx.Execute(
               "UPDATE payments SET status = 'succeeded', updated_at = $2 "
               "WHERE id = $1 AND status IN ('pending', 'failed')",
               {id, now_ms}) == 1;
}

bool PaymentRepository::MarkFailed(Transaction& tx, const std::string& id, std::int64_t now_ms) {
    return tx.Execute(
               "UPDATE payments SET status = 'failed', updated_at = $2 "
               "WHERE id = $1 AND status = 'pending'",
               {id, now_ms}) == 1;
}

ListQuery PaymentRepository::PaymentsQuery(const PaymentFilter& filter,
                                           const std::optional<std::string>& before_id, int limit) {
    ListQuery query;
    // '~' sorts after every id character, so it stands for "no upper bound".
    query.sql = std::string(kSelectPayment) + "WHERE id < " + query.Param(before_id.value_or("~"));
    if (filter.buyer_id) query.sql += " AND buyer_id = " + query.Param(*filter.buyer_id);
    if (filter.status) query.sql += " AND status = " + query.Param(*filter.status);
    query.sql += " ORDER BY id DESC" + LimitClause(limit);
    return query;
}

std::vector<PaymentRecord> PaymentRepository::List(Transaction& tx, const PaymentFilter& filter,
                                                   const std::optional<std::string>& before_id,
                                                   int limit) {
    const ListQuery query = PaymentsQuery(filter, before_id, limit);
    std::vector<PaymentRecord> payments;
    for (const Row& row : tx.Query(query.sql, query.params)) payments.push_back(ToPayment(row));
    return payments;
}

bool PaymentRepository::RecordWebhookEvent(Transaction& tx, const std::string& event_id,
                                           const std::string& type, std::int64_t now_ms) {
    return tx.Execute(
               "INSERT INTO webhook_events (id, type, received_at) VALUES ($1, $2, $3) "
               "ON CONFLICT (id) DO NOTHING",
               {event_id, type, now_ms}) == 1;
}

}  // namespace nanotasks::storage
