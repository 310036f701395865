#pragma once

#include <optional>
#include <vector>

#include "app/caller.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/repositories/ledger_repository.hpp"

namespace nanotasks::app {

struct EntryPage {
    std::vector<storage::WalletEntry> items;
    std::optional<std::int64_t> next_before_seq;
};

class WalletService {
  public:
    explicit WalletService(storage::Database& db) : db_(db) {}

    core::Result<storage::WalletTotals> Wallet(const Caller& caller);
    // Newest first; `before_seq` comes from the previous page's cursor.
    core::Result<EntryPage> Transactions(const Caller& caller,
                                         std::optional<std::int64_t> before_seq, int limit);
    core::Result<storage::LedgerCheck> VerifyLedger();

  private:
    storage::Database& db_;
};

}  // namespace nanotasks::app
