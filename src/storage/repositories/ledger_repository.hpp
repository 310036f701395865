#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/coins.hpp"
#include "domain/rules.hpp"
#include "storage/database.hpp"

namespace nanotasks::storage {

struct TransferRequest {
    std::string id;  // a fresh UUIDv7
    std::string from_account;
    std::string to_account;
    core::Coins amount;
    domain::TransferKind kind = domain::TransferKind::kAdminAdjustment;
    std::string reference_type;
    std::string reference_id;
    std::string memo;
    std::int64_t created_at_ms = 0;
};

enum class PostOutcome { kPosted, kInsufficientFunds };

struct WalletEntry {
    std::string transfer_id;
    std::int64_t seq = 0;
    std::int64_t amount = 0;  // signed: positive into the wallet
    std::int64_t balance_after = 0;
    std::string kind;
    std::optional<std::string> reference_type;
    std::optional<std::string> reference_id;
    std::int64_t created_at_ms = 0;
};

struct LedgerCheck {
    bool balanced = false;
    std::int64_t accounts = 0;
    std::int64_t transfers = 0;
    std::int64_t balance_sum = 0;
    std::int64_t mismatched_accounts = 0;
    std::int64_t negative_accounts = 0;
    std::int64_t broken_entry_chains = 0;
};

struct WalletTotals {
    std::int64_t coins = 0;
    std::int64_t held_coins = 0;
    std::int64_t escrowed_coins = 0;
    std::int64_t total_earned = 0;
    std::int64_t total_spent = 0;
};

// The double-entry ledger. Every movement of coins is one Post: the debit is a guarded UPDATE
// (never below zero for user-owned accounts), the credit an UPDATE, then the immutable transfer
// row and the wallet entries, all in the caller's transaction.
class LedgerRepository {
  public:
    static void CreateAccount(Transaction& tx, const std::string& id, std::string_view kind,
                              const std::string& owner_id);
    // kInsufficientFunds leaves nothing changed by this call.
    static PostOutcome Post(Transaction& tx, const TransferRequest& transfer);
    static std::int64_t Balance(Transaction& tx, const std::string& account_id);
    // Newest first; entries with seq < before_seq when given.
    static std::vector<WalletEntry> Entries(Transaction& tx, const std::string& account_id,
                                            std::optional<std::int64_t> before_seq, int limit);
    // Totals and Verify are each one statement: one snapshot on both engines.
    static WalletTotals Totals(Transaction& tx, const std::string& user_id);
    static LedgerCheck Verify(Transaction& tx);
};

}  // namespace nanotasks::storage
