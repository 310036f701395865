// Every list of the marketplace is served by an index on both engines: EXPLAIN of the very
// statement the repository runs shows an index scan and no full scan of a table. On PostgreSQL
// sequential scans are switched off for the check (tables here are tiny, and for a tiny table a
// sequential scan is the right plan), and so are sorts where the index must give the order: a
// plan that still scans or sorts has no index to use.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/engine_fixture.hpp"
#include "storage/migrations.hpp"
#include "storage/repositories/dashboard_repository.hpp"
#include "storage/repositories/notification_repository.hpp"
#include "storage/repositories/report_repository.hpp"
#include "storage/repositories/submission_repository.hpp"
#include "storage/repositories/task_repository.hpp"

namespace nanotasks::storage {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
const std::string kUser = "0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c4f";
const std::string kCursorId = "0190b6c2-7d3e-7a41-9c2f-5b8e1d2a3c50";

enum class Order { kFromIndex, kMaySort };

struct PlanCase {
    std::string name;
    ListQuery query;
    std::vector<std::string> indexes;  // one of them must appear in the plan
    Order order = Order::kFromIndex;
};

class QueryPlanTest : public EngineTest {
  protected:
    void SetUp() override {
        EngineTest::SetUp();
        if (IsSkipped()) return;
        db_ = Open();
        Migrate(*db_);
    }

    // The plan as text, one line per node.
    std::string Plan(const PlanCase& plan_case) {
        std::string plan;
        db_->RunTransaction(TxMode::kWrite, [&](Transaction& tx) {
            plan.clear();
            if (tx.engine() == Engine::kSqlite) {
                for (const Row& row : tx.Query("EXPLAIN QUERY PLAN " + plan_case.query.sql,
                                               plan_case.query.params)) {
                    plan += row.Text(3) + "\n";
                }
                return;
            }
            tx.Execute("SET LOCAL enable_seqscan = off");
            if (plan_case.order == Order::kFromIndex) tx.Execute("SET LOCAL enable_sort = off");
            for (const Row& row :
                 tx.Query("EXPLAIN " + plan_case.query.sql, plan_case.query.params)) {
                plan += row.Text(0) + "\n";
            }
        });
        return plan;
    }

    void ExpectIndexed(const PlanCase& plan_case) {
        const std::string plan = Plan(plan_case);
        SCOPED_TRACE(plan_case.name + ":\n" + plan_case.query.sql + "\n" + plan);
        bool named = false;
        for (const auto& index : plan_case.indexes) {
            named = named || plan.find(index) != std::string::npos;
        }
        EXPECT_TRUE(named) << "none of the expected indexes is used";
        // PostgreSQL runs generic plans, which take `LIMIT $n` for a tenth of the table and then
        // prefer sequential or parallel scans and a sort once tables are large (not here).
        EXPECT_EQ(plan_case.query.sql.find("LIMIT $"), std::string::npos) << "LIMIT parameter";
        if (GetParam() == Engine::kSqlite) {
            // Every "SCAN x" line must walk an index (or be the FTS5 virtual table).
            std::size_t at = 0;
            while ((at = plan.find("SCAN ", at)) != std::string::npos) {
                const std::string line = plan.substr(at, plan.find('\n', at) - at);
                EXPECT_TRUE(line.find(" USING ") != std::string::npos ||
                            line.find("VIRTUAL TABLE") != std::string::npos)
                    << "full scan: " << line;
                at += 5;
            }
            if (plan_case.order == Order::kFromIndex) {
                EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << "sorts its rows";
            }
        } else {
            EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << "full scan";
            if (plan_case.order == Order::kFromIndex) {
                EXPECT_EQ(plan.find("Sort"), std::string::npos) << "sorts its rows";
            }
        }
    }

    std::unique_ptr<Database> db_;
};

TEST_P(QueryPlanTest, OpenTaskListsUseTheirSortIndex) {
    const Engine engine = GetParam();
    struct Sort {
        TaskSort sort;
        std::string index;
    };
    for (const auto& [sort, index] :
         {Sort{TaskSort::kNewest, "tasks_open_newest"}, Sort{TaskSort::kPay, "tasks_open_pay"},
          Sort{TaskSort::kDeadline, "tasks_open_deadline"}}) {
        OpenTasksFilter first{.sort = sort, .limit = 21, .now_ms = kNow};
        ExpectIndexed(
            {index + " first page", TaskRepository::OpenTasksQuery(engine, first), {index}});
        OpenTasksFilter next{.sort = sort,
                             .min_pay = 5,
                             .exclude_worker_id = kUser,
                             .after = TaskKey{.value = 10, .id = kCursorId},
                             .limit = 21,
                             .now_ms = kNow};
        ExpectIndexed({index + " next page of a worker, min_pay",
                       TaskRepository::OpenTasksQuery(engine, next),
                       {index}});
        // A search may start from the words (then sort the few matches) or walk the sort
        // order and test each row's words; either way through an index.
        OpenTasksFilter search{
            .sort = sort, .words = {"label", "cats"}, .limit = 21, .now_ms = kNow};
        ExpectIndexed({index + " search",
                       TaskRepository::OpenTasksQuery(engine, search),
                       {index, "tasks_search", "tasks_search_rowid"},
                       Order::kMaySort});
        // A search with many matches walks the sort's index and never sorts them.
        if (engine == Engine::kSqlite) {
            search.search_plan = SearchPlan::kFromSortOrder;
            ExpectIndexed({index + " search with many matches",
                           TaskRepository::OpenTasksQuery(engine, search),
                           {index}});
        }
    }
}

TEST_P(QueryPlanTest, BuyerAndAdminTaskListsUseIndexes) {
    ExpectIndexed({"buyer tasks",
                   TaskRepository::BuyerTasksQuery(kUser, std::nullopt, std::nullopt, 21, kNow),
                   {"tasks_buyer"}});
    for (auto status :
         {domain::TaskStatus::kOpen, domain::TaskStatus::kClosed, domain::TaskStatus::kCancelled}) {
        ExpectIndexed({"buyer tasks by status",
                       TaskRepository::BuyerTasksQuery(
                           kUser, status, TaskKey{.value = kNow, .id = kCursorId}, 21, kNow),
                       {"tasks_buyer"}});
    }
    ExpectIndexed({"admin tasks",
                   TaskRepository::AllTasksQuery(std::nullopt, kCursorId, 21, kNow),
                   {"sqlite_autoindex_tasks_1", "tasks_pkey"}});
    ExpectIndexed(
        {"admin tasks by status",
         TaskRepository::AllTasksQuery(domain::TaskStatus::kCancelled, std::nullopt, 21, kNow),
         {"tasks_cancelled"}});
}

TEST_P(QueryPlanTest, SubmissionListsUseIndexes) {
    using domain::SubmissionStatus;
    ExpectIndexed({"worker submissions",
                   SubmissionRepository::WorkerSubmissionsQuery(kUser, {.limit = 21}),
                   {"submissions_worker"}});
    ExpectIndexed(
        {"worker submissions by status",
         SubmissionRepository::WorkerSubmissionsQuery(
             kUser, {.status = SubmissionStatus::kPending, .before_id = kCursorId, .limit = 21}),
         {"submissions_worker_status"}});
    ExpectIndexed({"buyer submissions",
                   SubmissionRepository::BuyerSubmissionsQuery(kUser, {.limit = 21}),
                   {"submissions_buyer"}});
    ExpectIndexed({"buyer submissions by status",
                   SubmissionRepository::BuyerSubmissionsQuery(
                       kUser, {.status = SubmissionStatus::kApproved, .limit = 21}),
                   {"submissions_buyer_status"}});
    ExpectIndexed({"buyer submissions of a task",
                   SubmissionRepository::BuyerSubmissionsQuery(
                       kUser, {.task_id = kCursorId, .before_id = kCursorId, .limit = 21}),
                   {"submissions_task", "submissions_buyer"}});
}

TEST_P(QueryPlanTest, NotificationReportAndLeaderboardListsUseIndexes) {
    ExpectIndexed({"notifications",
                   NotificationRepository::ListQueryFor(kUser, false, kCursorId, 21),
                   {"notifications_user"}});
    ExpectIndexed({"unread notifications",
                   NotificationRepository::ListQueryFor(kUser, true, std::nullopt, 21),
                   {"notifications_user_unread"}});
    ExpectIndexed({"recent notifications (streams)",
                   NotificationRepository::CreatedSinceQuery(kNow, kCursorId, 500),
                   {"notifications_created"}});
    ExpectIndexed({"reports",
                   ReportRepository::ReportsQuery(std::nullopt, kCursorId, 21),
                   {"sqlite_autoindex_reports_1", "reports_pkey"}});
    ExpectIndexed({"open reports",
                   ReportRepository::ReportsQuery("open", std::nullopt, 21),
                   {"reports_status"}});
    ExpectIndexed(
        {"top workers", DashboardRepository::TopWorkersQuery(6), {"accounts_kind_balance"}});
}

INSTANTIATE_TEST_SUITE_P(Engines, QueryPlanTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);

}  // namespace
}  // namespace nanotasks::storage
