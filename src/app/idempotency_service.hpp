#pragma once

#include <string>

#include "core/clock.hpp"
#include "storage/database.hpp"
#include "storage/repositories/idempotency_repository.hpp"

namespace nanotasks::app {

// The Idempotency-Key convention of the contract, with records in the database so that they
// hold across processes and restarts.
class IdempotencyService {
  public:
    static constexpr std::int64_t kRetentionMs = 24LL * 3600 * 1000;

    IdempotencyService(storage::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

    storage::IdempotencyBegin Begin(const storage::IdempotencyRequest& request);
    void Complete(const std::string& user_id, const std::string& key,
                  const storage::StoredResponse& response);
    // The request failed (5xx or an exception): forget the key so that a retry runs again.
    void Abandon(const std::string& user_id, const std::string& key);
    std::int64_t CleanUp();

  private:
    storage::Database& db_;
    const core::Clock& clock_;
};

}  // namespace nanotasks::app
