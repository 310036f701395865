#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "storage/database.hpp"

namespace nanotasks::storage {

// A bounded set of connections shared by the driver's threads. Connection must have
// `bool broken() const`: a broken connection is closed when its lease ends instead of being reused.
// Connections are opened lazily by the factory, outside the lock, so a slow connect does not hold
// up threads that find an idle one; a caller that finds none waits at most the acquire timeout and
// then gets kUnavailable (503) rather than queueing forever. Idle connections are reused last-in
// first-out to keep the hot ones hot.
template <typename Connection>
class ConnectionPool {
  public:
    using Factory = std::function<std::unique_ptr<Connection>()>;

    // Owns one connection while a transaction runs and gives it back when it ends; Discard()
    // closes it instead, when it can no longer be trusted.
    class Lease {
      public:
        Lease(Lease&& other) noexcept
            : pool_(std::exchange(other.pool_, nullptr)),
              connection_(std::move(other.connection_)),
              fresh_(other.fresh_),
              discard_(other.discard_) {}
        Lease& operator=(Lease&&) = delete;
        ~Lease() {
            if (pool_ != nullptr) {
                pool_->Release(std::move(connection_), discard_);
            }
        }

        Connection& operator*() const { return *connection_; }
        Connection* operator->() const { return connection_.get(); }
        // True when the connection was opened for this lease rather than taken from the idle set.
        bool fresh() const { return fresh_; }
        void Discard() { discard_ = true; }

      private:
        friend class ConnectionPool;
        Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection, bool fresh)
            : pool_(pool), connection_(std::move(connection)), fresh_(fresh) {}

        ConnectionPool* pool_;
        std::unique_ptr<Connection> connection_;
        bool fresh_;
        bool discard_ = false;
    };

    ConnectionPool(int size, std::chrono::milliseconds acquire_timeout, Factory factory)
        : size_(size < 1 ? 1 : size),
          acquire_timeout_(acquire_timeout),
          factory_(std::move(factory)) {}
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    Lease Acquire() { return Acquire(acquire_timeout_); }

    Lease Acquire(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (idle_.empty() && opened_ >= size_) {
            ++waits_;
            if (!available_.wait_for(lock, timeout,
                                     [this] { return !idle_.empty() || opened_ < size_; })) {
                throw DatabaseError(DatabaseError::Kind::kUnavailable,
                                    "no free database connection within " +
                                        std::to_string(timeout.count()) + " ms");
            }
        }
        ++in_use_;
        if (!idle_.empty()) {
            auto connection = std::move(idle_.back());
            idle_.pop_back();
            return Lease(this, std::move(connection), false);
        }
        ++opened_;
        lock.unlock();
        try {
            return Lease(this, factory_(), true);
        } catch (...) {
            lock.lock();
            --opened_;
            --in_use_;
            available_.notify_one();
            throw;
        }
    }

    // Closes every idle connection, for when one of them was found broken: the others were most
    // likely cut by the same server restart, and reconnecting is cheaper than failing requests.
    void DiscardIdle() {
        std::vector<std::unique_ptr<Connection>> closing;
        {
            std::lock_guard lock(mutex_);
            closing.swap(idle_);
            opened_ -= static_cast<int>(closing.size());
        }
        available_.notify_all();
    }

    PoolStats Stats() const {
        std::lock_guard lock(mutex_);
        return PoolStats{.size = opened_, .in_use = in_use_, .waits = waits_};
    }

  private:
    void Release(std::unique_ptr<Connection> connection, bool discard) {
        {
            std::lock_guard lock(mutex_);
            --in_use_;
            if (discard || connection->broken()) {
                --opened_;
            } else {
                idle_.push_back(std::move(connection));
            }
        }
        available_.notify_one();
        // A discarded connection is closed here, after the lock is released.
    }

    const int size_;
    const std::chrono::milliseconds acquire_timeout_;
    const Factory factory_;
    mutable std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> idle_;
    int opened_ = 0;
    int in_use_ = 0;
    std::int64_t waits_ = 0;
};

}  // namespace nanotasks::storage
