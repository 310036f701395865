#include "app/seeder.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <random>
#include <vector>

#include "domain/rules.hpp"
#include "domain/task_rules.hpp"
#include "infra/id_generator.hpp"
#include "infra/password_hasher.hpp"
#include "storage/repositories/bulk_insert.hpp"

namespace nanotasks::app {

using core::Error;
using storage::BulkInsert;
using storage::Engine;

namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
constexpr std::int64_t kMaxUsers = 10'000'000;
constexpr std::int64_t kMaxTasks = 10'000'000;
constexpr std::int64_t kMaxSubmissions = 100'000'000;
constexpr std::int64_t kMaxOpenSlots = 20;     // free slots per task beyond its submissions
constexpr std::int64_t kMaxPayable = 50;       // coins per slot
constexpr std::size_t kUsersPerFlush = 5'000;  // rows held in memory between writes
constexpr std::size_t kTasksPerFlush = 2'000;
constexpr std::size_t kSubmissionsPerFlush = 20'000;
constexpr std::size_t kTaskRowsPerStatement = 64;
// SQLite's page cache for the seeding connection (KiB): the indexes of a million submissions
// stay in memory instead of being read back from the file while they grow. Allocated as used.
constexpr std::int64_t kSqliteCacheKib = 1'048'576;

constexpr std::array<std::string_view, 16> kVerbs = {
    "follow", "review", "share",  "rate",    "test",   "like",    "comment", "subscribe",
    "watch",  "visit",  "answer", "install", "report", "explore", "sign up", "bookmark"};
constexpr std::array<std::string_view, 16> kThings = {
    "page",    "app",   "video",  "channel", "survey", "website", "post",  "store",
    "podcast", "forum", "course", "profile", "game",   "blog",    "group", "playlist"};

struct PlannedTask {
    std::int32_t buyer = 0;  // index into the buyers, ascending with the task
    std::int32_t submissions = 0;
    std::int32_t required_workers = 0;
    std::int32_t payable_amount = 0;
    std::int64_t completion_date_ms = 0;
    std::int32_t worker_offset = 0;  // the first of its consecutive workers
    std::uint32_t words = 0;         // picks the words of its title and detail
};

// Running state of one buyer's wallet while its entries are numbered.
struct WalletState {
    std::int64_t balance = 0;
    std::int64_t seq = 0;
};

Error Invalid(std::string field, std::string message) {
    return Error::Validation({{std::move(field), "invalid", std::move(message)}});
}

std::string KindName(domain::TransferKind kind) {
    return std::string(domain::TransferKindName(kind));
}

}  // namespace

std::string SeedEmail(std::uint64_t seed, std::string_view role, std::int64_t n) {
    return "seed" + std::to_string(seed) + "-" + std::string(role) + std::to_string(n) +
           "@example.com";
}

core::Result<SeedReport> Seeder::Run(const SeedOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    if (options.users < 0 || options.users > kMaxUsers) {
        return Invalid("--users", "must be 0.." + std::to_string(kMaxUsers));
    }
    if (options.tasks < 0 || options.tasks > kMaxTasks) {
        return Invalid("--tasks", "must be 0.." + std::to_string(kMaxTasks));
    }
    if (options.submissions < 0 || options.submissions > kMaxSubmissions) {
        return Invalid("--submissions", "must be 0.." + std::to_string(kMaxSubmissions));
    }
    const std::int64_t buyer_count =
        options.users == 0 ? 0 : std::max<std::int64_t>(1, options.users / 10);
    const std::int64_t worker_count = options.users - buyer_count;
    if (options.tasks > 0 && buyer_count == 0) {
        return Invalid("--users", "tasks need at least one user (a buyer)");
    }
    if (options.submissions > 0 && options.tasks == 0) {
        return Invalid("--tasks", "submissions need tasks");
    }
    const std::int64_t most_per_task =
        options.tasks == 0 ? 0 : (options.submissions + options.tasks - 1) / options.tasks;
    if (most_per_task > worker_count) {
        return Invalid("--submissions", "one submission per worker and task: at most " +
                                            std::to_string(worker_count) +
                                            " workers (nine in ten users) per task");
    }
    if (most_per_task + kMaxOpenSlots > domain::kRequiredWorkersMax) {
        return Invalid("--submissions", "more submissions per task than a task has slots");
    }

    // The shape of the marketplace, decided before anything is written: each buyer's wallet
    // must be funded for the escrow of all its tasks.
    std::mt19937_64 random(options.seed);
    const auto uniform = [&random](std::int64_t low, std::int64_t high) {
        return std::uniform_int_distribution<std::int64_t>(low, high)(random);
    };
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    std::vector<PlannedTask> plan(static_cast<std::size_t>(options.tasks));
    std::vector<std::int64_t> escrow_of_buyer(static_cast<std::size_t>(buyer_count), 0);
    std::vector<std::int32_t> tasks_of_buyer(static_cast<std::size_t>(buyer_count), 0);
    const std::int64_t base_per_task = options.tasks == 0 ? 0 : options.submissions / options.tasks;
    const std::int64_t with_extra = options.tasks == 0 ? 0 : options.submissions % options.tasks;
    for (std::int64_t i = 0; i < options.tasks; ++i) {
        PlannedTask& task = plan[static_cast<std::size_t>(i)];
        task.buyer = static_cast<std::int32_t>(i * buyer_count / options.tasks);
        task.submissions = static_cast<std::int32_t>(base_per_task + (i < with_extra ? 1 : 0));
        task.required_workers =
            static_cast<std::int32_t>(task.submissions + uniform(1, kMaxOpenSlots));
        task.payable_amount = static_cast<std::int32_t>(uniform(1, kMaxPayable));
        task.completion_date_ms = now_ms + 7 * kDayMs + uniform(0, 60 * kDayMs);
        task.worker_offset =
            worker_count == 0 ? 0 : static_cast<std::int32_t>(uniform(0, worker_count - 1));
        task.words = static_cast<std::uint32_t>(random());
        escrow_of_buyer[static_cast<std::size_t>(task.buyer)] +=
            std::int64_t{task.required_workers} * task.payable_amount;
        ++tasks_of_buyer[static_cast<std::size_t>(task.buyer)];
    }

    // Users 0..buyers-1 are the buyers, the rest the workers; ids ascend in that order, as do
    // the tasks' (so most indexes grow at their end).
    const std::string password_hash = hasher_.Hash(kSeedPassword);
    std::vector<std::string> user_ids;
    user_ids.reserve(static_cast<std::size_t>(options.users));
    for (std::int64_t u = 0; u < options.users; ++u) user_ids.push_back(ids_.Next());
    std::vector<std::string> task_ids;
    task_ids.reserve(static_cast<std::size_t>(options.tasks));
    for (std::int64_t i = 0; i < options.tasks; ++i) task_ids.push_back(ids_.Next());

    SeedReport report{
        .workers = worker_count,
        .buyers = buyer_count,
        .first_worker_email = worker_count > 0 ? SeedEmail(options.seed, "worker", 1) : "",
        .first_buyer_email = buyer_count > 0 ? SeedEmail(options.seed, "buyer", 1) : ""};
    const std::string signup_bonus = KindName(domain::TransferKind::kSignupBonus);
    const std::string adjustment = KindName(domain::TransferKind::kAdminAdjustment);
    const std::string task_escrow = KindName(domain::TransferKind::kTaskEscrow);
    const std::string mint(domain::kMintAccount);

    bool emails_taken = false;
    const auto write = [&](storage::Transaction& tx) {
        const Engine engine = tx.engine();
        report = SeedReport{.workers = report.workers,
                            .buyers = report.buyers,
                            .first_worker_email = report.first_worker_email,
                            .first_buyer_email = report.first_buyer_email};
        const std::string& probe =
            buyer_count > 0 ? report.first_buyer_email : report.first_worker_email;
        if (!probe.empty() &&
            !tx.Query("SELECT 1 FROM users WHERE email_key = $1", {probe}).empty()) {
            emails_taken = true;
            return;
        }
        std::optional<std::int64_t> old_cache_size;
        if (engine == Engine::kSqlite) {
            old_cache_size = tx.Query("PRAGMA cache_size").front().Int(0);
            tx.Execute("PRAGMA cache_size = -" + std::to_string(kSqliteCacheKib));
        }

        BulkInsert users(engine, "users",
                         {"id", "name", "email", "email_key", "password_hash", "role", "created_at",
                          "updated_at"});
        BulkInsert accounts(engine, "accounts",
                            {"id", "kind", "owner_id", "balance", "entry_count"});
        BulkInsert transfers(engine, "transfers",
                             {"id", "from_account", "to_account", "amount", "kind",
                              "reference_type", "reference_id", "memo", "created_at"});
        BulkInsert entries(engine, "entries",
                           {"account_id", "seq", "transfer_id", "amount", "balance_after", "kind",
                            "reference_type", "reference_id", "created_at"});
        BulkInsert submissions(engine, "submissions",
                               {"id", "task_id", "worker_id", "buyer_id", "submission_details",
                                "status", "submitted_at"});
        const auto flush = [&tx](std::initializer_list<BulkInsert*> tables) {
            for (BulkInsert* table : tables) table->Flush(tx);
        };

        // One transfer from mint, with its wallet entry.
        std::int64_t minted = 0;
        const auto from_mint = [&](const std::string& wallet, const std::string& user_id,
                                   std::int64_t amount, const std::string& kind,
                                   WalletState& state) {
            const std::string transfer_id = ids_.Next();
            state.balance += amount;
            ++state.seq;
            minted += amount;
            transfers.Add(transfer_id, mint, wallet, amount, kind, "user", user_id, nullptr,
                          now_ms);
            entries.Add(wallet, state.seq, transfer_id, amount, state.balance, kind, "user",
                        user_id, now_ms);
        };

        std::vector<WalletState> buyer_wallets(static_cast<std::size_t>(buyer_count));
        for (std::int64_t u = 0; u < options.users; ++u) {
            const bool buyer = u < buyer_count;
            const std::int64_t n = buyer ? u + 1 : u - buyer_count + 1;
            const std::string_view role = buyer ? "buyer" : "worker";
            const std::string& user_id = user_ids[static_cast<std::size_t>(u)];
            std::string email = SeedEmail(options.seed, role, n);
            std::string name =
                std::string(buyer ? "Seed Buyer " : "Seed Worker ") + std::to_string(n);
            users.Add(user_id, std::move(name), email, email, password_hash, std::string(role),
                      now_ms, now_ms);
            const std::string wallet = domain::WalletAccount(user_id);
            WalletState state;
            const std::int64_t bonus =
                buyer ? options.buyer_signup_bonus : options.worker_signup_bonus;
            if (bonus > 0) from_mint(wallet, user_id, bonus, signup_bonus, state);
            std::int64_t final_balance = state.balance;
            std::int64_t final_entries = state.seq;
            if (buyer) {
                const auto b = static_cast<std::size_t>(u);
                const std::int64_t funding = escrow_of_buyer[b] + options.buyer_spare_coins;
                if (funding > 0) from_mint(wallet, user_id, funding, adjustment, state);
                buyer_wallets[b] = state;
                final_balance = state.balance - escrow_of_buyer[b];
                final_entries = state.seq + tasks_of_buyer[b];
            }
            // The final balance and entry count: the escrow transfers below are written
            // without touching this row again.
            accounts.Add(wallet, "wallet", user_id, final_balance, final_entries);
            if (users.pending_rows() >= kUsersPerFlush) {
                flush({&users, &accounts, &transfers, &entries});
            }
        }
        flush({&users, &accounts, &transfers, &entries});

        // The task rows. On SQLite they go last: once a statement has written to the FTS5 index
        // (the tasks' insert trigger), every later statement of the transaction pays for a
        // savepoint of it, which would double the cost of the millions of rows after it. The
        // foreign keys of the submissions to them are checked at commit meanwhile.
        const auto write_tasks = [&] {
            BulkInsert tasks(
                engine, "tasks",
                {"id", "buyer_id", "title", "detail", "submission_info", "required_workers",
                 "slots_open", "payable_amount", "completion_date", "created_at", "updated_at"},
                kTaskRowsPerStatement);
            for (std::int64_t i = 0; i < options.tasks; ++i) {
                const PlannedTask& task = plan[static_cast<std::size_t>(i)];
                std::string title = "Seeded task " + std::to_string(i + 1) + ": ";
                title += kVerbs[task.words % kVerbs.size()];
                title += " the ";
                title += kThings[(task.words >> 8) % kThings.size()];
                std::string detail = "Open the ";
                detail += kThings[(task.words >> 16) % kThings.size()];
                detail += ", ";
                detail += kVerbs[(task.words >> 24) % kVerbs.size()];
                detail += " it and send a screenshot that shows it. Reference " +
                          std::to_string(i + 1) + ".";
                tasks.Add(task_ids[static_cast<std::size_t>(i)],
                          user_ids[static_cast<std::size_t>(task.buyer)], std::move(title),
                          std::move(detail), "A link to the screenshot",
                          std::int64_t{task.required_workers},
                          std::int64_t{task.required_workers - task.submissions},
                          std::int64_t{task.payable_amount}, task.completion_date_ms, now_ms,
                          now_ms);
                if (tasks.pending_rows() >= kTasksPerFlush) tasks.Flush(tx);
            }
            tasks.Flush(tx);
            report.tasks = tasks.written_rows();
        };
        if (engine == Engine::kSqlite) {
            tx.Execute("PRAGMA defer_foreign_keys = ON");  // until the end of the transaction
        } else {
            write_tasks();
        }

        // The escrow of every task, then the submissions: no submission is written before the
        // ledger is complete, since while one waits for its task SQLite looks for waiting rows
        // at every insert into a table that others reference (and entries(transfer_id) has no
        // index).
        for (std::int64_t i = 0; i < options.tasks; ++i) {
            const PlannedTask& task = plan[static_cast<std::size_t>(i)];
            const std::string& task_id = task_ids[static_cast<std::size_t>(i)];
            const std::string wallet =
                domain::WalletAccount(user_ids[static_cast<std::size_t>(task.buyer)]);
            const std::string escrow = domain::EscrowAccount(task_id);
            const std::int64_t amount = std::int64_t{task.required_workers} * task.payable_amount;
            accounts.Add(escrow, "escrow", task_id, amount, std::int64_t{1});
            const std::string transfer_id = ids_.Next();
            transfers.Add(transfer_id, wallet, escrow, amount, task_escrow, "task", task_id,
                          nullptr, now_ms);
            WalletState& state = buyer_wallets[static_cast<std::size_t>(task.buyer)];
            state.balance -= amount;
            ++state.seq;
            entries.Add(wallet, state.seq, transfer_id, -amount, state.balance, task_escrow, "task",
                        task_id, now_ms);
            entries.Add(escrow, std::int64_t{1}, transfer_id, amount, amount, task_escrow, "task",
                        task_id, now_ms);
            if (accounts.pending_rows() >= kTasksPerFlush) flush({&accounts, &transfers, &entries});
        }
        flush({&accounts, &transfers, &entries});

        for (std::int64_t i = 0; i < options.tasks; ++i) {
            const PlannedTask& task = plan[static_cast<std::size_t>(i)];
            const std::string& task_id = task_ids[static_cast<std::size_t>(i)];
            const std::string& buyer_id = user_ids[static_cast<std::size_t>(task.buyer)];
            for (std::int32_t j = 0; j < task.submissions; ++j) {
                const std::int64_t worker = buyer_count + (task.worker_offset + j) % worker_count;
                submissions.Add(ids_.Next(), task_id, user_ids[static_cast<std::size_t>(worker)],
                                buyer_id,
                                "Done: https://example.com/proof/" + std::to_string(i + 1) + "/" +
                                    std::to_string(j + 1),
                                "pending", now_ms);
            }
            if (submissions.pending_rows() >= kSubmissionsPerFlush) submissions.Flush(tx);
        }
        submissions.Flush(tx);
        if (engine == Engine::kSqlite) write_tasks();

        if (minted > 0) {
            tx.Execute("UPDATE accounts SET balance = balance - $2 WHERE id = $1", {mint, minted});
        }
        if (old_cache_size) tx.Execute("PRAGMA cache_size = " + std::to_string(*old_cache_size));
        report.submissions = submissions.written_rows();
        report.transfers = transfers.written_rows();
        report.entries = entries.written_rows();
    };

    try {
        db_.RunTransaction(storage::TxMode::kWrite, write);
    } catch (const storage::DatabaseError& error) {
        if (error.kind() != storage::DatabaseError::Kind::kUniqueViolation) throw;
        emails_taken = true;
    }
    if (emails_taken) {
        return Error::Of(core::ErrorCode::kEmailTaken,
                         "this database holds users of --seed " + std::to_string(options.seed) +
                             " already: seed with another --seed or into a fresh database");
    }
    if (db_.engine() == Engine::kPostgres) {
        // Planner statistics for the new rows now, rather than whenever autovacuum gets to them.
        db_.RunTransaction(storage::TxMode::kWrite,
                           [](storage::Transaction& tx) { tx.Execute("ANALYZE"); });
    }
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace nanotasks::app
