#pragma once

#include <optional>
#include <string>

#include "app/caller.hpp"
#include "app/list_page.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/repositories/report_repository.hpp"

namespace nanotasks::infra {
class IdGenerator;
}

namespace nanotasks::app {

// Reports of tasks and submissions, and their resolution by an admin.
class ReportService {
  public:
    ReportService(storage::Database& db, infra::IdGenerator& ids, const core::Clock& clock)
        : db_(db), ids_(ids), clock_(clock) {}

    // target_type "task" or "submission" (checked by the endpoint). A target the caller may not
    // see is not_found, exactly like one that does not exist.
    core::Result<storage::ReportRecord> Create(const Caller& caller, const std::string& target_type,
                                               const std::string& target_id,
                                               const std::string& reason);
    core::Result<ListPage<storage::ReportRecord>> List(const std::optional<std::string>& status,
                                                       const std::optional<std::string>& before_id,
                                                       int limit);
    core::Result<storage::ReportRecord> Resolve(const std::string& id,
                                                const std::string& resolution);

  private:
    storage::Database& db_;
    infra::IdGenerator& ids_;
    const core::Clock& clock_;
};

}  // namespace nanotasks::app
