#include "storage/repositories/withdrawal_repository.hpp"

namespace nanotasks::storage {
namespace {

constexpr std::string_view kSelectWithdrawal =
    "SELECT w.id, w.worker_id, u.name, w.coins, w.amount_cents, w.currency, w.payment_system, "
    "w.account_number_last4, w.status, w.reason, w.requested_at, w.decided_at "
    "FROM withdrawals w JOIN users u ON u.id = w.worker_id ";

WithdrawalRecord ToWithdrawal(const Row& row) {
    return WithdrawalRecord{.id = row.Text(0),
                            .worker_id = row.Text(1),
                            .worker_name = row.Text(2),
                            .coins = row.Int(3),
                            .amount_cents = row.Int(4),
                            .currency = row.Text(5),
                            .payment_system = row.Text(6),
                            .account_number_last4 = row.Text(7),
                            .status = row.Text(8),
                            .reason = row.OptionalText(9),
                            .requested_at_ms = row.Int(10),
                            .decided_at_ms = row.OptionalInt(11)};
}

}  // namespace

void WithdrawalRepository::Insert(Transaction& tx, const NewWithdrawal& withdrawal) {
    tx.Execute(
        "INSERT INTO withdrawals (id, worker_id, coins, amount_cents, currency, "
        "payment_system, account_number_last4, status, requested_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8)",
        {withdrawal.id, withdrawal.worker_id, withdrawal.coins, withdrawal.amount_cents,
         withdrawal.currency, withdrawal.payment_system, withdrawal.account_number_last4,
         withdrawal.requested_at_ms});
}

std::optional<WithdrawalRecord> WithdrawalRepository::FindById(Transaction& tx,
                                                               const std::string& id) {
    const Rows rows = tx.Query(std::string(kSelectWithdrawal) + "WHERE w.id = $1", {id});
    if (rows.empty()) return std::nullopt;
    return ToWithdrawal(rows.front());
}

bool WithdrawalRepository::Decide(Transaction& tx, const std::string& id,
                                  const WithdrawalDecision& decision) {
    Value reason = nullptr;
    if (decision.reason) reason = *decision.reason;
    return tx.Execute(
               "UPDATE withdrawals SET status = $2, reason = $3, decided_by = $4, "
               "decided_at = $5 WHERE id = $1 AND status = 'pending'",
               {id, decision.status, reason, decision.decided_by, decision.decided_at_ms}) == 1;
}

ListQuery WithdrawalRepository::WithdrawalsQuery(const WithdrawalFilter& filter,
                                                 const std::optional<std::string>& before_id,
                                                 int limit) {
    ListQuery query;
    // '~' sorts after every id character, so it stands for "no upper bound".
    query.sql =
        std::string(kSelectWithdrawal) + "WHERE w.id < " + query.Param(before_id.value_or("~"));
    if (filter.worker_id) query.sql += " AND w.worker_id = " + query.Param(*filter.worker_id);
    if (filter.status) query.sql += " AND w.status = " + query.Param(*filter.status);
    query.sql += " ORDER BY w.id DESC" + LimitClause(limit);
    return query;
}

std::vector<WithdrawalRecord> WithdrawalRepository::List(
    Transaction& tx, const WithdrawalFilter& filter, const std::optional<std::string>& before_id,
    int limit) {
    const ListQuery query = WithdrawalsQuery(filter, before_id, limit);
    std::vector<WithdrawalRecord> withdrawals;
    for (const Row& row : tx.Query(query.sql, query.params)) {
        withdrawals.push_back(ToWithdrawal(row));
    }
    return withdrawals;
}

}  // namespace nanotasks::storage
