#include "storage/repositories/report_repository.hpp"

namespace nanotasks::storage {
namespace {

constexpr std::string_view kSelectReport =
    "SELECT r.id, r.reporter_id, u.name, r.target_type, r.target_id, r.reason, r.status, "
    "r.resolution, r.created_at, r.resolved_at FROM reports r "
    "JOIN users u ON u.id = r.reporter_id ";

ReportRecord ToReport(const Row& row) {
    return ReportRecord{.id = row.Text(0),
                        .reporter_id = row.Text(1),
                        .reporter_name = row.Text(2),
                        .target_type = row.Text(3),
                        .target_id = row.Text(4),
                        .reason = row.Text(5),
                        .status = row.Text(6),
                        .resolution = row.OptionalText(7),
                        .created_at_ms = row.Int(8),
                        .resolved_at_ms = row.OptionalInt(9)};
}

}  // namespace

void ReportRepository::Insert(Transaction& tx, const NewReport& report) {
    tx.Execute(
        "INSERT INTO reports (id, reporter_id, target_type, target_id, reason, status, "
        "created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6)",
        {report.id, report.reporter_id, report.target_type, report.target_id, report.reason,
         report.created_at_ms});
}

std::optional<ReportRecord> ReportRepository::Find(Transaction& tx, const std::string& id) {
    const Rows rows = tx.Query(std::string(kSelectReport) + "WHERE r.id = $1", {id});
    if (rows.empty()) return std::nullopt;
    return ToReport(rows.front());
}

ListQuery ReportRepository::ReportsQuery(const std::optional<std::string>& status,
                                         const std::optional<std::string>& before_id, int limit) {
    ListQuery query;
    query.sql = std::string(kSelectReport) + "WHERE 1 = 1";
    if (status) query.sql += " AND r.status = " + query.Param(*status);
    if (before_id) query.sql += " AND r.id < " + query.Param(*before_id);
    query.sql += " ORDER BY r.id DESC" + LimitClause(limit);
    return query;
}

std::vector<ReportRecord> ReportRepository::List(Transaction& tx, const ListQuery& query) {
    std::vector<ReportRecord> reports;
    for (const Row& row : tx.Query(query.sql, query.params)) reports.push_back(ToReport(row));
    return reports;
}

bool ReportRepository::Resolve(Transaction& tx, const std::string& id,
                               const std::string& resolution, std::int64_t now_ms) {
    return tx.Execute(
               "UPDATE reports SET status = 'resolved', resolution = $2, resolved_at = $3 "
               "WHERE id = $1 AND status = 'open'",
               {id, resolution, now_ms}) == 1;
}

}  // namespace nanotasks::storage
