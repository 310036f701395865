#include "app/wallet_service.hpp"

#include "domain/rules.hpp"

namespace nanotasks::app {

core::Result<storage::WalletTotals> WalletService::Wallet(const Caller& caller) {
    storage::WalletTotals totals;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        totals = storage::LedgerRepository::Totals(tx, caller.id);
    });
    return totals;
}

core::Result<EntryPage> WalletService::Transactions(const Caller& caller,
                                                    std::optional<std::int64_t> before_seq,
                                                    int limit) {
    EntryPage page;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        // One row more than asked tells whether another page exists.
        page.items = storage::LedgerRepository::Entries(tx, domain::WalletAccount(caller.id),
                                                        before_seq, limit + 1);
    });
    if (static_cast<int>(page.items.size()) > limit) {
        page.items.resize(static_cast<std::size_t>(limit));
        page.next_before_seq = page.items.back().seq;
    }
    return page;
}

core::Result<storage::LedgerCheck> WalletService::VerifyLedger() {
    storage::LedgerCheck check;
    db_.RunTransaction(storage::TxMode::kRead, [&](storage::Transaction& tx) {
        check = storage::LedgerRepository::Verify(tx);
    });
    return check;
}

}  // namespace nanotasks::app
