#include "storage/repositories/dashboard_repository.hpp"

namespace nanotasks::storage {

ListQuery DashboardRepository::TopWorkersQuery(int limit) {
    // Walks wallets from the richest down (accounts_kind_balance) and keeps the workers.
    ListQuery query;
    query.sql =
        "SELECT u.id, u.name, u.photo_url, a.balance FROM accounts a "
        "JOIN users u ON u.id = a.owner_id "
        "WHERE a.kind = 'wallet' AND u.role = 'worker' AND u.status = 'active' "
        "ORDER BY a.balance DESC, a.id DESC" +
        LimitClause(limit);
    return query;
}

std::vector<TopWorker> DashboardRepository::TopWorkers(Transaction& tx, int limit) {
    const ListQuery query = TopWorkersQuery(limit);
    std::vector<TopWorker> workers;
    for (const Row& row : tx.Query(query.sql, query.params)) {
        workers.push_back(TopWorker{.id = row.Text(0),
                                    .name = row.Text(1),
                                    .photo_url = row.OptionalText(2),
                                    .coins = row.Int(3)});
    }
    return workers;
}

// Each figure set is one statement, so one snapshot on both engines (PostgreSQL reads run without
// BEGIN): a submission or a decision that commits meanwhile shows in every figure or in none.
WorkerStats DashboardRepository::ForWorker(Transaction& tx, const std::string& worker_id) {
    const Rows rows = tx.Query(
        "SELECT own.total, own.pending, own.approved, "
        // Coins received for approved submissions, as the ledger recorded them.
        "(SELECT COALESCE(SUM(amount), 0) FROM entries WHERE account_id = $2 AND "
        "kind = 'submission_payment') "
        "FROM (SELECT COUNT(*) AS total, "
        "COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS pending, "
        "COALESCE(SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END), 0) AS approved "
        "FROM submissions WHERE worker_id = $1) own",
        {worker_id, "wallet:" + worker_id});
    const Row& row = rows.front();
    return WorkerStats{.total_submissions = row.Int(0),
                       .pending_submissions = row.Int(1),
                       .approved_submissions = row.Int(2),
                       .total_earned = row.Int(3)};
}

BuyerStats DashboardRepository::ForBuyer(Transaction& tx, const std::string& buyer_id,
                                         std::int64_t now_ms) {
    const Rows rows = tx.Query(
        "SELECT own.task_count, own.open_slots, "
        "(SELECT COUNT(*) FROM submissions WHERE buyer_id = $1 AND status = 'pending'), "
        // Coins paid to workers: the payable amount of every approved submission to the buyer's
        // tasks (each approval moves exactly that from the task's escrow to the worker).
        "(SELECT COALESCE(SUM(t.payable_amount), 0) FROM submissions s "
        "JOIN tasks t ON t.id = s.task_id WHERE s.buyer_id = $1 AND s.status = 'approved') "
        "FROM (SELECT COUNT(*) AS task_count, "
        "COALESCE(SUM(CASE WHEN cancelled_at IS NULL AND completion_date > $2 "
        "THEN slots_open ELSE 0 END), 0) AS open_slots "
        "FROM tasks WHERE buyer_id = $1) own",
        {buyer_id, now_ms});
    const Row& row = rows.front();
    return BuyerStats{.task_count = row.Int(0),
                      .open_slots = row.Int(1),
                      .pending_reviews = row.Int(2),
                      .total_paid = row.Int(3)};
}

}  // namespace nanotasks::storage
