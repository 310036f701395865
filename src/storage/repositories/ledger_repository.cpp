#include "storage/repositories/ledger_repository.hpp"

#include <stdexcept>

#include "storage/repositories/list_query.hpp"

namespace nanotasks::storage {
namespace {

bool IsSystemAccount(std::string_view id) {
    return id == domain::kMintAccount || id == domain::kPayoutAccount;
}

constexpr std::string_view kDebitGuarded =
    "UPDATE accounts SET balance = balance - $2, entry_count = entry_count + 1 "
    "WHERE id = $1 AND balance >= $2 RETURNING balance, entry_count";
constexpr std::string_view kDebitSystem =
    "UPDATE accounts SET balance = balance - $2 WHERE id = $1 RETURNING balance, entry_count";
constexpr std::string_view kCredit =
    "UPDATE accounts SET balance = balance + $2, entry_count = entry_count + $3 "
    "WHERE id = $1 RETURNING balance, entry_count";
constexpr std::string_view kInsertTransfer =
    "INSERT INTO transfers (id, from_account, to_account, amount, kind, reference_type, "
    "reference_id, memo, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr std::string_view kInsertEntry =
    "INSERT INTO entries (account_id, seq, transfer_id, amount, balance_after, kind, "
    "reference_type, reference_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

Value OptionalText(const std::string& text) {
    if (text.empty()) return nullptr;
    return text;
}

}  // namespace

void LedgerRepository::CreateAccount(Transaction& tx, const std::string& id, std::string_view kind,
                                     const std::string& owner_id) {
    tx.Execute(
        "INSERT INTO accounts (id, kind, owner_id, balance, entry_count) "
        "VALUES ($1, $2, $3, 0, 0)",
        {id, std::string(kind), owner_id});
}

PostOutcome LedgerRepository::Post(Transaction& tx, const TransferRequest& transfer) {
    const std::int64_t amount = transfer.amount.amount();
    if (amount <= 0 || transfer.from_account == transfer.to_account) {
        throw std::logic_error("ledger: a transfer moves a positive amount between two accounts");
    }
    const bool from_system = IsSystemAccount(transfer.from_account);
    const Rows debit =
        tx.Query(from_system ? kDebitSystem : kDebitGuarded, {transfer.from_account, amount});
    if (debit.empty()) {
        if (from_system) throw std::logic_error("ledger: missing system account");
        // Either the account does not exist (a bug) or the guard refused: nothing was changed.
        return PostOutcome::kInsufficientFunds;
    }
    const bool to_system = IsSystemAccount(transfer.to_account);
    const Rows credit =
        tx.Query(kCredit, {transfer.to_account, amount, std::int64_t{to_system ? 0 : 1}});
    if (credit.empty()) throw std::logic_error("ledger: missing account " + transfer.to_account);

    const std::string kind(domain::TransferKindName(transfer.kind));
    tx.Execute(kInsertTransfer,
               {transfer.id, transfer.from_account, transfer.to_account, amount, kind,
                OptionalText(transfer.reference_type), OptionalText(transfer.reference_id),
                OptionalText(transfer.memo), transfer.created_at_ms});
    auto entry = [&](const std::string& account, const Row& row, std::int64_t signed_amount) {
        tx.Execute(kInsertEntry, {account, row.Int(1), transfer.id, signed_amount, row.Int(0), kind,
                                  OptionalText(transfer.reference_type),
                                  OptionalText(transfer.reference_id), transfer.created_at_ms});
    };
    // Only user-visible accounts keep numbered entries; system accounts are re-added from
    // transfers by Verify.
    if (!from_system) entry(transfer.from_account, debit.front(), -amount);
    if (!to_system) entry(transfer.to_account, credit.front(), amount);
    return PostOutcome::kPosted;
}

std::int64_t LedgerRepository::Balance(Transaction& tx, const std::string& account_id) {
    const Rows rows = tx.Query("SELECT balance FROM accounts WHERE id = $1", {account_id});
    return rows.empty() ? 0 : rows.front().Int(0);
}

std::vector<WalletEntry> LedgerRepository::Entries(Transaction& tx, const std::string& account_id,
                                                   std::optional<std::int64_t> before_seq,
                                                   int limit) {
    const Rows rows = tx.Query(
        "SELECT transfer_id, seq, amount, balance_after, kind, reference_type, reference_id, "
        "created_at FROM entries WHERE account_id = $1 AND seq < $2 ORDER BY seq DESC" +
            LimitClause(limit),
        {account_id, before_seq.value_or(INT64_MAX)});
    std::vector<WalletEntry> entries;
    entries.reserve(rows.size());
    for (const Row& row : rows) {
        entries.push_back(WalletEntry{.transfer_id = row.Text(0),
                                      .seq = row.Int(1),
                                      .amount = row.Int(2),
                                      .balance_after = row.Int(3),
                                      .kind = row.Text(4),
                                      .reference_type = row.OptionalText(5),
                                      .reference_id = row.OptionalText(6),
                                      .created_at_ms = row.Int(7)});
    }
    return entries;
}

WalletTotals LedgerRepository::Totals(Transaction& tx, const std::string& user_id) {
    // One statement, so one snapshot on both engines (PostgreSQL reads run without BEGIN): a
    // transfer that commits meanwhile shows on both of its sides or on neither. Coins held for
    // pending withdrawals and escrowed in the user's tasks are the balances of accounts owned by
    // those rows; both are cached, so these are index lookups, not re-adds.
    const Rows rows = tx.Query(
        "SELECT "
        "COALESCE((SELECT balance FROM accounts WHERE id = $2), 0), "
        "(SELECT COALESCE(SUM(a.balance), 0) FROM accounts a WHERE a.kind = 'hold' AND "
        "a.owner_id IN (SELECT id FROM withdrawals WHERE worker_id = $1)), "
        "(SELECT COALESCE(SUM(a.balance), 0) FROM accounts a WHERE a.kind = 'escrow' AND "
        "a.owner_id IN (SELECT id FROM tasks WHERE buyer_id = $1)), "
        "sums.earned, sums.escrowed - sums.refunded "
        "FROM (SELECT "
        "COALESCE(SUM(CASE WHEN kind = 'submission_payment' AND amount > 0 THEN amount END), 0) "
        "AS earned, "
        "COALESCE(SUM(CASE WHEN kind = 'task_escrow' THEN -amount END), 0) AS escrowed, "
        "COALESCE(SUM(CASE WHEN kind = 'task_refund' THEN amount END), 0) AS refunded "
        "FROM entries WHERE account_id = $2) sums",
        {user_id, domain::WalletAccount(user_id)});
    const Row& row = rows.front();
    return WalletTotals{.coins = row.Int(0),
                        .held_coins = row.Int(1),
                        .escrowed_coins = row.Int(2),
                        .total_earned = row.Int(3),
                        .total_spent = row.Int(4)};
}

LedgerCheck LedgerRepository::Verify(Transaction& tx) {
    // One statement, so that every figure comes from one snapshot on both engines.
    const Rows rows = tx.Query(
        "SELECT "
        "(SELECT COUNT(*) FROM accounts), "
        "(SELECT COALESCE(SUM(balance), 0) FROM accounts), "
        "(SELECT COUNT(*) FROM transfers), "
        "(SELECT COUNT(*) FROM accounts a "
        "LEFT JOIN (SELECT to_account AS id, SUM(amount) AS total FROM transfers "
        "GROUP BY to_account) credits ON credits.id = a.id "
        "LEFT JOIN (SELECT from_account AS id, SUM(amount) AS total FROM transfers "
        "GROUP BY from_account) debits ON debits.id = a.id "
        "WHERE a.balance <> COALESCE(credits.total, 0) - COALESCE(debits.total, 0)), "
        "(SELECT COUNT(*) FROM accounts WHERE kind NOT IN ('mint', 'payout') AND balance < 0), "
        // The newest entry of each account must show the cached balance.
        "(SELECT COUNT(*) FROM accounts a JOIN entries e ON e.account_id = a.id AND "
        "e.seq = a.entry_count WHERE e.balance_after <> a.balance)");
    const Row& row = rows.front();
    LedgerCheck check{.accounts = row.Int(0),
                      .transfers = row.Int(2),
                      .balance_sum = row.Int(1),
                      .mismatched_accounts = row.Int(3),
                      .negative_accounts = row.Int(4),
                      .broken_entry_chains = row.Int(5)};
    check.balanced = check.balance_sum == 0 && check.mismatched_accounts == 0 &&
                     check.negative_accounts == 0 && check.broken_entry_chains == 0;
    return check;
}

}  // namespace nanotasks::storage
