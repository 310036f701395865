#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/task_rules.hpp"
#include "storage/database.hpp"
#include "storage/repositories/list_query.hpp"

namespace nanotasks::storage {

struct TaskRecord {
    std::string id;
    std::string buyer_id;
    std::string buyer_name;
    std::string title;
    std::string detail;
    std::string submission_info;
    std::optional<std::string> image_url;
    std::int64_t required_workers = 0;
    std::int64_t slots_open = 0;
    std::int64_t payable_amount = 0;
    std::int64_t completion_date_ms = 0;
    std::optional<std::int64_t> cancelled_at_ms;
    std::optional<std::int64_t> closed_refunded_at_ms;  // set when the expiry job refunded it
    std::int64_t created_at_ms = 0;
    std::int64_t updated_at_ms = 0;

    domain::TaskStatus Status(std::int64_t now_ms) const {
        return domain::DeriveTaskStatus(cancelled_at_ms.has_value(), completion_date_ms, now_ms);
    }
    // Cancelled, or closed with its open slots refunded: a freed slot is refunded, not reopened.
    bool Finished() const { return cancelled_at_ms || closed_refunded_at_ms; }
};

struct NewTask {
    std::string id;
    std::string buyer_id;
    std::string title;
    std::string detail;
    std::string submission_info;
    std::optional<std::string> image_url;
    std::int64_t required_workers = 0;
    std::int64_t payable_amount = 0;
    std::int64_t completion_date_ms = 0;
    std::int64_t created_at_ms = 0;
};

struct TaskChange {
    std::optional<std::string> title;
    std::optional<std::string> detail;
    std::optional<std::string> submission_info;
    std::optional<std::optional<std::string>> image_url;  // a null image_url clears it
    std::optional<std::int64_t> completion_date_ms;
};

enum class TaskSort { kNewest, kPay, kDeadline };

// Where a page ended: the last row's sort value (unused for kNewest) and id.
struct TaskKey {
    std::int64_t value = 0;
    std::string id;
};

// How a search (words) finds its page on SQLite: from the matching tasks, sorted afterwards (few
// matches), or by walking the sort's index and keeping the rows among the matches (many: the
// page is found after a few rows instead of sorting every match).
enum class SearchPlan { kFromMatches, kFromSortOrder };

struct OpenTasksFilter {
    TaskSort sort = TaskSort::kNewest;
    std::optional<std::int64_t> min_pay;
    std::vector<std::string> words;  // every word must occur in the title or the detail
    SearchPlan search_plan = SearchPlan::kFromMatches;  // chosen by OpenTasks on SQLite
    std::optional<std::string> exclude_worker_id;       // leave out tasks this worker submitted to
    std::optional<TaskKey> after;
    int limit = 20;
    std::int64_t now_ms = 0;
};

enum class RowLock { kNone, kForUpdate };

// Tasks. A task's slots and escrow change only with its row locked (FOR UPDATE or a guarded
// UPDATE on PostgreSQL; the one writer on SQLite), so that submitting, deciding, cancelling and
// expiring one task happen one after another.
class TaskRepository {
  public:
    static void Insert(Transaction& tx, const NewTask& task);
    static std::optional<TaskRecord> Find(Transaction& tx, const std::string& id,
                                          RowLock lock = RowLock::kNone);

    // GET /tasks: open tasks (not cancelled, a free slot, before the deadline).
    static ListQuery OpenTasksQuery(Engine engine, const OpenTasksFilter& filter);
    static std::vector<TaskRecord> OpenTasks(Transaction& tx, const OpenTasksFilter& filter);
    // GET /buyer/tasks: newest completion_date first, ties by id.
    static ListQuery BuyerTasksQuery(const std::string& buyer_id,
                                     std::optional<domain::TaskStatus> status,
                                     const std::optional<TaskKey>& after, int limit,
                                     std::int64_t now_ms);
    static std::vector<TaskRecord> BuyerTasks(Transaction& tx, const std::string& buyer_id,
                                              std::optional<domain::TaskStatus> status,
                                              const std::optional<TaskKey>& after, int limit,
                                              std::int64_t now_ms);
    // GET /admin/tasks: every task, newest first.
    static ListQuery AllTasksQuery(std::optional<domain::TaskStatus> status,
                                   const std::optional<std::string>& before_id, int limit,
                                   std::int64_t now_ms);
    static std::vector<TaskRecord> AllTasks(Transaction& tx,
                                            std::optional<domain::TaskStatus> status,
                                            const std::optional<std::string>& before_id, int limit,
                                            std::int64_t now_ms);

    // Takes one slot of an open task; false when none is free, the task is cancelled or past
    // its deadline (nothing changed).
    static bool TakeSlot(Transaction& tx, const std::string& id, std::int64_t now_ms);
    // Gives a slot back to a task that is still running.
    static bool ReopenSlot(Transaction& tx, const std::string& id, std::int64_t now_ms);
    // Applies a change to an open task; false when it is no longer open.
    static bool Update(Transaction& tx, const std::string& id, const TaskChange& change,
                       std::int64_t now_ms);
    // Cancels an open task and closes its open slots; false when it is not open.
    static bool Cancel(Transaction& tx, const std::string& id, std::int64_t now_ms);
    // Marks a task past its deadline as refunded at closing and closes its open slots; false
    // when another run did it already.
    static bool CloseSlots(Transaction& tx, const std::string& id, std::int64_t now_ms);
    // Tasks past their deadline whose open slots are not refunded yet, oldest deadline first;
    // locked on PostgreSQL, skipping rows another process holds.
    static std::vector<std::string> ClaimExpired(Transaction& tx, std::int64_t now_ms, int limit);
};

}  // namespace nanotasks::storage
