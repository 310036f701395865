#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/repositories/list_query.hpp"

namespace nanotasks::storage {

struct ReportRecord {
    std::string id;
    std::string reporter_id;
    std::string reporter_name;
    std::string target_type;  // "task" or "submission"
    std::string target_id;
    std::string reason;
    std::string status;  // "open" or "resolved"
    std::optional<std::string> resolution;
    std::int64_t created_at_ms = 0;
    std::optional<std::int64_t> resolved_at_ms;
};

struct NewReport {
    std::string id;
    std::string reporter_id;
    std::string target_type;
    std::string target_id;
    std::string reason;
    std::int64_t created_at_ms = 0;
};

class ReportRepository {
  public:
    static void Insert(Transaction& tx, const NewReport& report);
    static std::optional<ReportRecord> Find(Transaction& tx, const std::string& id);
    // Newest first; status "open" or "resolved" when given.
    static ListQuery ReportsQuery(const std::optional<std::string>& status,
                                  const std::optional<std::string>& before_id, int limit);
    static std::vector<ReportRecord> List(Transaction& tx, const ListQuery& query);
    // The guarded transition open -> resolved; false when it was resolved already.
    static bool Resolve(Transaction& tx, const std::string& id, const std::string& resolution,
                        std::int64_t now_ms);
};

}  // namespace nanotasks::storage
