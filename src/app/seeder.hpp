#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"

namespace nanotasks::infra {
class IdGenerator;
class PasswordHasher;
}  // namespace nanotasks::infra

namespace nanotasks::app {

// Every seeded user's password. Hashed once and the hash shared by all of them: one Argon2id
// hash costs tens of milliseconds, ten thousand would cost minutes.
inline constexpr std::string_view kSeedPassword = "seed-password-1";

struct SeedOptions {
    std::int64_t users = 0;        // a tenth of them buyers (at least one when there are tasks)
    std::int64_t tasks = 0;        // all open, each with at least one free slot
    std::int64_t submissions = 0;  // all pending, spread evenly over the tasks
    std::uint64_t seed = 1;        // the shape (prices, slots, who submits); also in the emails
    std::int64_t worker_signup_bonus = 0;
    std::int64_t buyer_signup_bonus = 0;
    // Coins each buyer keeps in the wallet after paying the escrow of its seeded tasks.
    std::int64_t buyer_spare_coins = 100'000;
};

struct SeedReport {
    std::int64_t workers = 0;
    std::int64_t buyers = 0;
    std::int64_t tasks = 0;
    std::int64_t submissions = 0;
    std::int64_t transfers = 0;
    std::int64_t entries = 0;
    double seconds = 0;
    // "seed<S>-worker<N>@example.com" and "seed<S>-buyer<N>@example.com", N from 1.
    std::string first_worker_email;
    std::string first_buyer_email;
};

// The seeded email of the n-th (from 1) worker or buyer of a run with this seed.
std::string SeedEmail(std::uint64_t seed, std::string_view role, std::int64_t n);

// Fills a database with a marketplace in one transaction, many rows per statement: users with
// wallets and their signup bonus, buyers funded from mint (admin_adjustment), open tasks whose
// escrow is funded by a task_escrow transfer from the buyer's wallet, and pending submissions
// (each task's slots_open lowered by its submissions, one submission per worker and task). The
// ledger rows are the ones LedgerRepository::Post would write (balances, numbered entries with
// balance_after), computed in memory, so the ledger verifies afterwards. No notifications are
// written. For benchmarks and demos; the database should be migrated first.
class Seeder {
  public:
    Seeder(storage::Database& db, infra::IdGenerator& ids, const core::Clock& clock,
           const infra::PasswordHasher& hasher)
        : db_(db), ids_(ids), clock_(clock), hasher_(hasher) {}

    // A validation error for impossible counts (submissions need workers, tasks need a buyer);
    // kEmailTaken when this seed's emails exist already (seeded before with the same --seed).
    core::Result<SeedReport> Run(const SeedOptions& options);

  private:
    storage::Database& db_;
    infra::IdGenerator& ids_;
    const core::Clock& clock_;
    const infra::PasswordHasher& hasher_;
};

}  // namespace nanotasks::app
