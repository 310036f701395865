#include "storage/repositories/ledger_repository.hpp"

#include <stdexcept>

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
        "created_at FROM entries WHERE account_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
        {account_id, before_seq.value_or(INT64_MAX), std::int64_t{limit}});
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
    const std::string wallet = domain::WalletAccount(user_id);
    WalletTotals totals;
    totals.coins = Balance(tx, wallet);
    // Coins held for pending withdrawals and escrowed in the user's tasks are the balances of
    // accounts owned by those rows; both are cached, so these are index lookups, not re-adds.
    const Rows held = tx.Query(
        "SELECT COALESCE(SUM(a.balance), 0) FROM accounts a WHERE a.kind = 'hold' AND "
        "a.owner_id IN (SELECT id FROM withdrawals WHERE worker_id = $1)",
        {user_id});
    totals.held_coins = held.empty() ? 0 : held.front().Int(0);
    const Rows escrowed = tx.Query(
        "SELECT COALESCE(SUM(a.balance), 0) FROM accounts a WHERE a.kind = 'escrow' AND "
        "a.owner_id IN (SELECT id FROM tasks WHERE buyer_id = $1)",
        {user_id});
    totals.escrowed_coins = escrowed.empty() ? 0 : escrowed.front().Int(0);
    const Rows sums = tx.Query(
        "SELECT "
        "COALESCE(SUM(CASE WHEN kind = 'submission_payment' AND amount > 0 THEN amount END), 0), "
        "COALESCE(SUM(CASE WHEN kind = 'task_escrow' THEN -amount END), 0), "
        "COALESCE(SUM(CASE WHEN kind = 'task_refund' THEN amount END), 0) "
        "FROM entries WHERE account_id = $1",
        {wallet});
    if (!sums.empty()) {
        totals.total_earned = sums.front().Int(0);
        totals.total_spent = sums.front().Int(1) - sums.front().Int(2);
    }
    return totals;
}

LedgerCheck LedgerRepository::Verify(Transaction& tx) {
    LedgerCheck check;
    const Rows totals = tx.Query("SELECT COUNT(*), COALESCE(SUM(balance), 0) FROM accounts");
    check.accounts = totals.front().Int(0);
    check.balance_sum = totals.front().Int(1);
    check.transfers = tx.Query("SELECT COUNT(*) FROM transfers").front().Int(0);
    check.mismatched_accounts =
        tx.Query(
              "SELECT COUNT(*) FROM accounts a "
              "LEFT JOIN (SELECT to_account AS id, SUM(amount) AS total FROM transfers "
              "GROUP BY to_account) credits ON credits.id = a.id "
              "LEFT JOIN (SELECT from_account AS id, SUM(amount) AS total FROM transfers "
              "GROUP BY from_account) debits ON debits.id = a.id "
              "WHERE a.balance <> COALESCE(credits.total, 0) - COALESCE(debits.total, 0)")
            .front()
            .Int(0);
    check.negative_accounts =
        tx.Query(
              "SELECT COUNT(*) FROM accounts WHERE kind NOT IN ('mint', 'payout') AND "
              "balance < 0")
            .front()
            .Int(0);
    // The newest entry of each account must show the cached balance.
    check.broken_entry_chains =
        tx.Query(
              "SELECT COUNT(*) FROM accounts a JOIN entries e ON e.account_id = a.id AND "
              "e.seq = a.entry_count WHERE e.balance_after <> a.balance")
            .front()
            .Int(0);
    check.balanced = check.balance_sum == 0 && check.mismatched_accounts == 0 &&
                     check.negative_accounts == 0 && check.broken_entry_chains == 0;
    return check;
}

}  // namespace nanotasks::storage
