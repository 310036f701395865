#pragma once

#include <cstdint>

#include "storage/database.hpp"

namespace nanotasks::storage {

struct PlatformStats {
    std::int64_t total_workers = 0;  // accounts not removed
    std::int64_t total_buyers = 0;
    std::int64_t coins_in_wallets = 0;
    std::int64_t coins_in_escrow = 0;
    std::int64_t coins_held = 0;  // for pending withdrawals
    std::int64_t total_purchased_cents = 0;
    std::int64_t total_withdrawn_cents = 0;
    std::int64_t pending_withdrawals = 0;
};

// Platform-wide totals for GET /admin/stats. The coin figures are sums of the ledger's cached
// balances by account kind, read in one statement (one snapshot), so they agree with
// GET /admin/ledger/verify exactly.
class PlatformRepository {
  public:
    static PlatformStats Stats(Transaction& tx);
};

}  // namespace nanotasks::storage
