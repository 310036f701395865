#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "storage/connection_pool.hpp"
#include "storage/database.hpp"

namespace nanotasks::storage {

class SqliteConnection;

// SQLite in WAL mode: one writer connection, taken under a mutex, runs every write transaction
// with BEGIN IMMEDIATE, so this process's writers queue here instead of failing with SQLITE_BUSY;
// read transactions run on a pool of reader connections and see a WAL snapshot while a writer
// works. ":memory:" has no file to share, so there every transaction runs on the writer.
class SqliteDatabase final : public Database {
  public:
    // Opens (creating if needed) the database file; throws DatabaseError kUnavailable on failure.
    SqliteDatabase(std::string path, const DatabaseOptions& options);
    ~SqliteDatabase() override;
    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;

    Engine engine() const override { return Engine::kSqlite; }
    void RunTransaction(TxMode mode, const std::function<void(Transaction&)>& fn) override;
    bool Ping() override;
    PoolStats Stats() const override;

  private:
    class WriterLease;

    WriterLease AcquireWriter(std::chrono::milliseconds timeout);
    SqliteConnection& Writer();
    void RunOnce(TxMode mode, const std::function<void(Transaction&)>& fn);

    const std::string path_;
    const DatabaseOptions options_;
    const bool in_memory_;
    // The writer is taken with a flag under a plain mutex rather than with a timed_mutex, whose
    // timed lock ThreadSanitizer cannot see.
    mutable std::mutex writer_mutex_;
    std::condition_variable writer_released_;
    bool writer_busy_ = false;       // guarded by writer_mutex_
    std::int64_t writer_waits_ = 0;  // guarded by writer_mutex_
    // Used only by the thread holding the writer; reopened if broken.
    std::unique_ptr<SqliteConnection> writer_;
    std::atomic<bool> writer_open_ = false;
    ConnectionPool<SqliteConnection> readers_;
};

}  // namespace nanotasks::storage
