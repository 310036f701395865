#include "storage/repositories/platform_repository.hpp"

namespace nanotasks::storage {

PlatformStats PlatformRepository::Stats(Transaction& tx) {
    const Rows rows = tx.Query(
        "SELECT "
        "(SELECT COUNT(*) FROM users WHERE role = 'worker' AND status <> 'removed'), "
        "(SELECT COUNT(*) FROM users WHERE role = 'buyer' AND status <> 'removed'), "
        "(SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = 'wallet'), "
        "(SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = 'escrow'), "
        "(SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = 'hold'), "
        "(SELECT COALESCE(SUM(amount_cents), 0) FROM payments WHERE status = 'succeeded'), "
        "(SELECT COALESCE(SUM(amount_cents), 0) FROM withdrawals WHERE status = 'paid'), "
        "(SELECT COUNT(*) FROM withdrawals WHERE status = 'pending')");
    const Row& row = rows.front();
    return PlatformStats{.total_workers = row.Int(0),
                         .total_buyers = row.Int(1),
                         .coins_in_wallets = row.Int(2),
                         .coins_in_escrow = row.Int(3),
                         .coins_held = row.Int(4),
                         .total_purchased_cents = row.Int(5),
                         .total_withdrawn_cents = row.Int(6),
                         .pending_withdrawals = row.Int(7)};
}

}  // namespace nanotasks::storage
