#include "storage/repositories/task_repository.hpp"

namespace nanotasks::storage {
namespace {

constexpr std::string_view kSelectTask =
    "SELECT t.id, t.buyer_id, u.name, t.title, t.detail, t.submission_info, t.image_url, "
    "t.required_workers, t.slots_open, t.payable_amount, t.completion_date, t.cancelled_at, "
    "t.closed_refunded_at, t.created_at, t.updated_at FROM tasks t "
    "JOIN users u ON u.id = t.buyer_id ";

// The predicate of the partial indexes tasks_open_*: written exactly so in every query that
// should use them, since SQLite matches a partial index by the terms of the WHERE clause.
constexpr std::string_view kOpenSlots = "t.cancelled_at IS NULL AND t.slots_open > 0";

TaskRecord ToTask(const Row& row) {
    return TaskRecord{.id = row.Text(0),
                      .buyer_id = row.Text(1),
                      .buyer_name = row.Text(2),
                      .title = row.Text(3),
                      .detail = row.Text(4),
                      .submission_info = row.Text(5),
                      .image_url = row.OptionalText(6),
                      .required_workers = row.Int(7),
                      .slots_open = row.Int(8),
                      .payable_amount = row.Int(9),
                      .completion_date_ms = row.Int(10),
                      .cancelled_at_ms = row.OptionalInt(11),
                      .closed_refunded_at_ms = row.OptionalInt(12),
                      .created_at_ms = row.Int(13),
                      .updated_at_ms = row.Int(14)};
}

std::vector<TaskRecord> ToTasks(const Rows& rows) {
    std::vector<TaskRecord> tasks;
    tasks.reserve(rows.size());
    for (const Row& row : rows) tasks.push_back(ToTask(row));
    return tasks;
}

Value OptionalValue(const std::optional<std::string>& text) {
    if (!text) return nullptr;
    return *text;
}

// The condition of a status filter on alias t.
std::string StatusCondition(ListQuery& query, domain::TaskStatus status, std::int64_t now_ms) {
    switch (status) {
        case domain::TaskStatus::kOpen:
            return " AND t.cancelled_at IS NULL AND t.completion_date > " + query.Param(now_ms);
        case domain::TaskStatus::kClosed:
            return " AND t.cancelled_at IS NULL AND t.completion_date <= " + query.Param(now_ms);
        case domain::TaskStatus::kCancelled:
            return " AND t.cancelled_at IS NOT NULL";
    }
    return {};
}

// An FTS5 query in which each word is a quoted string: the words carry no quote or operator,
// so user input is never FTS5 syntax, and adjacent strings mean AND.
std::string Fts5Query(const std::vector<std::string>& words) {
    std::string query;
    for (const auto& word : words) {
        if (!query.empty()) query += ' ';
        query += '"' + word + '"';
    }
    return query;
}

std::string JoinWords(const std::vector<std::string>& words) {
    std::string text;
    for (const auto& word : words) {
        if (!text.empty()) text += ' ';
        text += word;
    }
    return text;
}

}  // namespace

void TaskRepository::Insert(Transaction& tx, const NewTask& task) {
    tx.Execute(
        "INSERT INTO tasks (id, buyer_id, title, detail, submission_info, image_url, "
        "required_workers, slots_open, payable_amount, completion_date, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $10)",
        {task.id, task.buyer_id, task.title, task.detail, task.submission_info,
         OptionalValue(task.image_url), task.required_workers, task.payable_amount,
         task.completion_date_ms, task.created_at_ms});
}

std::optional<TaskRecord> TaskRepository::Find(Transaction& tx, const std::string& id,
                                               RowLock lock) {
    std::string sql = std::string(kSelectTask) + "WHERE t.id = $1";
    if (lock == RowLock::kForUpdate && tx.engine() == Engine::kPostgres) sql += " FOR UPDATE OF t";
    const Rows rows = tx.Query(sql, {id});
    if (rows.empty()) return std::nullopt;
    return ToTask(rows.front());
}

ListQuery TaskRepository::OpenTasksQuery(Engine engine, const OpenTasksFilter& filter) {
    ListQuery query;
    query.sql = std::string(kSelectTask) + "WHERE " + std::string(kOpenSlots) +
                " AND t.completion_date > " + query.Param(filter.now_ms);
    if (filter.min_pay) query.sql += " AND t.payable_amount >= " + query.Param(*filter.min_pay);
    if (!filter.words.empty()) {
        if (engine == Engine::kSqlite) {
            // A unary + keeps SQLite from driving the query from this term, so that it walks the
            // sort's index and tests each row against the matches (materialized once).
            query.sql += filter.search_plan == SearchPlan::kFromSortOrder ? " AND +" : " AND ";
            query.sql += "t.search_rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH " +
                         query.Param(Fts5Query(filter.words)) + ")";
        } else {
            query.sql += " AND t.search_vector @@ plainto_tsquery('simple', " +
                         query.Param(JoinWords(filter.words)) + ")";
        }
    }
    if (filter.exclude_worker_id) {
        query.sql +=
            " AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.task_id = t.id AND "
            "s.worker_id = " +
            query.Param(*filter.exclude_worker_id) + ")";
    }
    switch (filter.sort) {
        case TaskSort::kNewest:
            if (filter.after) query.sql += " AND t.id < " + query.Param(filter.after->id);
            query.sql += " ORDER BY t.id DESC";
            break;
        case TaskSort::kPay:
            if (filter.after) {
                query.sql += " AND (t.payable_amount, t.id) < (" +
                             query.Param(filter.after->value) + ", " +
                             query.Param(filter.after->id) + ")";
            }
            query.sql += " ORDER BY t.payable_amount DESC, t.id DESC";
            break;
        case TaskSort::kDeadline:
            if (filter.after) {
                query.sql += " AND (t.completion_date, t.id) > (" +
                             query.Param(filter.after->value) + ", " +
                             query.Param(filter.after->id) + ")";
            }
            query.sql += " ORDER BY t.completion_date, t.id";
            break;
    }
    query.sql += LimitClause(filter.limit);
    return query;
}

std::vector<TaskRecord> TaskRepository::OpenTasks(Transaction& tx, const OpenTasksFilter& filter) {
    // Sorting every match costs as many rows as there are matches (half a second for a word of
    // every one of 100k tasks); walking the sort order costs rows in inverse proportion to them
    // (the whole index for a word that occurs nowhere). A bounded count, well under a
    // millisecond, picks the cheaper.
    constexpr std::int64_t kManyMatches = 1000;
    if (tx.engine() == Engine::kSqlite && !filter.words.empty()) {
        const Rows count =
            tx.Query("SELECT count(*) FROM (SELECT 1 FROM tasks_fts WHERE tasks_fts MATCH $1" +
                         LimitClause(kManyMatches) + ")",
                     {Fts5Query(filter.words)});
        if (count.at(0).Int(0) >= kManyMatches) {
            OpenTasksFilter walk = filter;
            walk.search_plan = SearchPlan::kFromSortOrder;
            const ListQuery query = OpenTasksQuery(tx.engine(), walk);
            return ToTasks(tx.Query(query.sql, query.params));
        }
    }
    const ListQuery query = OpenTasksQuery(tx.engine(), filter);
    return ToTasks(tx.Query(query.sql, query.params));
}

ListQuery TaskRepository::BuyerTasksQuery(const std::string& buyer_id,
                                          std::optional<domain::TaskStatus> status,
                                          const std::optional<TaskKey>& after, int limit,
                                          std::int64_t now_ms) {
    ListQuery query;
    query.sql = std::string(kSelectTask) + "WHERE t.buyer_id = " + query.Param(buyer_id);
    if (status) query.sql += StatusCondition(query, *status, now_ms);
    if (after) {
        query.sql += " AND (t.completion_date, t.id) < (" + query.Param(after->value) + ", " +
                     query.Param(after->id) + ")";
    }
    query.sql += " ORDER BY t.completion_date DESC, t.id DESC" + LimitClause(limit);
    return query;
}

std::vector<TaskRecord> TaskRepository::BuyerTasks(Transaction& tx, const std::string& buyer_id,
                                                   std::optional<domain::TaskStatus> status,
                                                   const std::optional<TaskKey>& after, int limit,
                                                   std::int64_t now_ms) {
    const ListQuery query = BuyerTasksQuery(buyer_id, status, after, limit, now_ms);
    return ToTasks(tx.Query(query.sql, query.params));
}

ListQuery TaskRepository::AllTasksQuery(std::optional<domain::TaskStatus> status,
                                        const std::optional<std::string>& before_id, int limit,
                                        std::int64_t now_ms) {
    ListQuery query;
    query.sql = std::string(kSelectTask) + "WHERE 1 = 1";
    if (before_id) query.sql += " AND t.id < " + query.Param(*before_id);
    if (status) query.sql += StatusCondition(query, *status, now_ms);
    query.sql += " ORDER BY t.id DESC" + LimitClause(limit);
    return query;
}

std::vector<TaskRecord> TaskRepository::AllTasks(Transaction& tx,
                                                 std::optional<domain::TaskStatus> status,
                                                 const std::optional<std::string>& before_id,
                                                 int limit, std::int64_t now_ms) {
    const ListQuery query = AllTasksQuery(status, before_id, limit, now_ms);
    return ToTasks(tx.Query(query.sql, query.params));
}

bool TaskRepository::TakeSlot(Transaction& tx, const std::string& id, std::int64_t now_ms) {
    return tx.Execute(
               "UPDATE tasks SET slots_open = slots_open - 1, updated_at = $2 "
               "WHERE id = $1 AND slots_open > 0 AND cancelled_at IS NULL AND "
               "completion_date > $2",
               {id, now_ms}) == 1;
}

bool TaskRepository::ReopenSlot(Transaction& tx, const std::string& id, std::int64_t now_ms) {
    return tx.Execute(
               "UPDATE tasks SET slots_open = slots_open + 1, updated_at = $2 "
               "WHERE id = $1 AND slots_open < required_workers AND cancelled_at IS NULL "
               "AND closed_refunded_at IS NULL",
               {id, now_ms}) == 1;
}

bool TaskRepository::Update(Transaction& tx, const std::string& id, const TaskChange& change,
                            std::int64_t now_ms) {
    ListQuery query;
    std::string sets = "updated_at = " + query.Param(now_ms);
    if (change.title) sets += ", title = " + query.Param(*change.title);
    if (change.detail) sets += ", detail = " + query.Param(*change.detail);
    if (change.submission_info) {
        sets += ", submission_info = " + query.Param(*change.submission_info);
    }
    if (change.image_url) sets += ", image_url = " + query.Param(OptionalValue(*change.image_url));
    if (change.completion_date_ms) {
        sets += ", completion_date = " + query.Param(*change.completion_date_ms);
    }
    // The deadline guard compares with now as well, so that a change never reopens a task the
    // expiry job may already have closed.
    query.sql = "UPDATE tasks SET " + sets + " WHERE id = " + query.Param(id) +
                " AND cancelled_at IS NULL AND closed_refunded_at IS NULL AND "
                "completion_date > " +
                query.Param(now_ms);
    return tx.Execute(query.sql, query.params) == 1;
}

bool TaskRepository::Cancel(Transaction& tx, const std::string& id, std::int64_t now_ms) {
    return tx.Execute(
               "UPDATE tasks SET cancelled_at = $2, slots_open = 0, updated_at = $2 "
               "WHERE id = $1 AND cancelled_at IS NULL AND closed_refunded_at IS NULL AND "
               "completion_date > $2",
               {id, now_ms}) == 1;
}

bool TaskRepository::CloseSlots(Transaction& tx, const std::string& id, std::int64_t now_ms) {
    return tx.Execute(
               "UPDATE tasks SET closed_refunded_at = $2, slots_open = 0, updated_at = $2 "
               "WHERE id = $1 AND cancelled_at IS NULL AND closed_refunded_at IS NULL AND "
               "completion_date <= $2",
               {id, now_ms}) == 1;
}

std::vector<std::string> TaskRepository::ClaimExpired(Transaction& tx, std::int64_t now_ms,
                                                      int limit) {
    std::string sql =
        "SELECT id FROM tasks WHERE cancelled_at IS NULL AND closed_refunded_at IS NULL AND "
        "completion_date <= $1 ORDER BY completion_date" +
        LimitClause(limit);
    if (tx.engine() == Engine::kPostgres) sql += " FOR UPDATE SKIP LOCKED";
    std::vector<std::string> ids;
    for (const Row& row : tx.Query(sql, {now_ms})) ids.push_back(row.Text(0));
    return ids;
}

}  // namespace nanotasks::storage
