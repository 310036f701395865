#include "storage/repositories/dashboard_repository.hpp"

namespace nanotasks::storage {

ListQuery DashboardRepository::TopWorkersQuery(int limit) {
    // Walks wallets from the richest down (accounts_kind_balance) and keeps the workers.
    ListQuery query;
    query.sql =
        "SELECT u.id, u.name, u.photo_url, a.balance FROM accounts a "
        "JOIN users u ON u.id = a.owner_id "
        "WHERE a.kind = 'wallet' AND u.role = 'worker' AND u.status = 'active' "
        "ORDER BY a.balance DESC, a.id DESC LIMIT " +
        query.Param(std::int64_t{limit});
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

WorkerStats DashboardRepository::ForWorker(Transaction& tx, const std::string& worker_id) {
    WorkerStats stats;
    const Rows counts = tx.Query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END), 0) "
        "FROM submissions WHERE worker_id = $1",
        {worker_id});
    stats.total_submissions = counts.front().Int(0);
    stats.pending_submissions = counts.front().Int(1);
    stats.approved_submissions = counts.front().Int(2);
    // Coins received for approved submissions, as the ledger recorded them.
    stats.total_earned = tx.Query(
                               "SELECT COALESCE(SUM(amount), 0) FROM entries WHERE account_id = "
                               "$1 AND kind = 'submission_payment'",
                               {"wallet:" + worker_id})
                             .front()
                             .Int(0);
    return stats;
}

BuyerStats DashboardRepository::ForBuyer(Transaction& tx, const std::string& buyer_id,
                                         std::int64_t now_ms) {
    BuyerStats stats;
    const Rows tasks = tx.Query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN cancelled_at IS NULL AND completion_date > $2 "
        "THEN slots_open ELSE 0 END), 0) FROM tasks WHERE buyer_id = $1",
        {buyer_id, now_ms});
    stats.task_count = tasks.front().Int(0);
    stats.open_slots = tasks.front().Int(1);
    stats.pending_reviews =
        tx.Query("SELECT COUNT(*) FROM submissions WHERE buyer_id = $1 AND status = 'pending'",
                 {buyer_id})
            .front()
            .Int(0);
    // Coins paid to workers: the payable amount of every approved submission to the buyer's
    // tasks (each approval moves exactly that from the task's escrow to the worker).
    stats.total_paid = tx.Query(
                             "SELECT COALESCE(SUM(t.payable_amount), 0) FROM submissions s "
                             "JOIN tasks t ON t.id = s.task_id "
                             "WHERE s.buyer_id = $1 AND s.status = 'approved'",
                             {buyer_id})
                           .front()
                           .Int(0);
    return stats;
}

}  // namespace nanotasks::storage
