#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.hpp"
#include "app/list_page.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/repositories/task_repository.hpp"

namespace nanotasks::infra {
class IdGenerator;
}

namespace nanotasks::app {

// Fields already checked by the endpoint (lengths, ranges, URL shape, date syntax).
struct NewTaskInput {
    std::string title;
    std::string detail;
    std::string submission_info;
    std::optional<std::string> image_url;
    std::int64_t required_workers = 0;
    std::int64_t payable_amount = 0;
    std::int64_t completion_date_ms = 0;
};

struct CancelledTask {
    storage::TaskRecord task;
    std::int64_t refunded_coins = 0;
};

struct OpenTasksRequest {
    storage::TaskSort sort = storage::TaskSort::kNewest;
    std::optional<std::int64_t> min_pay;
    std::vector<std::string> words;
    std::optional<storage::TaskKey> after;
    int limit = 20;
};

// Tasks and their escrow: creating one moves required_workers x payable_amount coins from the
// buyer's wallet into the task's escrow; cancelling and expiry refund the open slots' share.
class TaskService {
  public:
    TaskService(storage::Database& db, infra::IdGenerator& ids, const core::Clock& clock)
        : db_(db), ids_(ids), clock_(clock) {}

    core::Result<storage::TaskRecord> Create(const Caller& caller, const NewTaskInput& input);
    core::Result<storage::TaskRecord> Get(const Caller& caller, const std::string& id);
    core::Result<storage::TaskRecord> Update(const Caller& caller, const std::string& id,
                                             const storage::TaskChange& change);
    core::Result<CancelledTask> Cancel(const Caller& caller, const std::string& id);

    core::Result<ListPage<storage::TaskRecord>> OpenTasks(const Caller& caller,
                                                          const OpenTasksRequest& request);
    core::Result<ListPage<storage::TaskRecord>> BuyerTasks(
        const Caller& caller, std::optional<domain::TaskStatus> status,
        const std::optional<storage::TaskKey>& after, int limit);
    core::Result<ListPage<storage::TaskRecord>> AllTasks(
        std::optional<domain::TaskStatus> status, const std::optional<std::string>& before_id,
        int limit);

    // The expiry job: closes the tasks whose deadline passed, refunds their open slots to the
    // buyer and notifies the buyer. Safe in several processes at once. Returns tasks closed.
    std::int64_t ExpireDue();

    // Now, as task statuses are derived from it.
    std::int64_t NowMs() const { return core::ToUnixMillis(clock_.Now()); }

  private:
    storage::Database& db_;
    infra::IdGenerator& ids_;
    const core::Clock& clock_;
};

}  // namespace nanotasks::app
