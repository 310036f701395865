#pragma once

#include <vector>

#include "app/caller.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/repositories/dashboard_repository.hpp"

namespace nanotasks::app {

// The public leaderboard and the workers' and buyers' own figures.
class DashboardService {
  public:
    DashboardService(storage::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

    core::Result<std::vector<storage::TopWorker>> TopWorkers(int limit);
    core::Result<storage::WorkerStats> WorkerStats(const Caller& caller);
    core::Result<storage::BuyerStats> BuyerStats(const Caller& caller);

  private:
    storage::Database& db_;
    const core::Clock& clock_;
};

}  // namespace nanotasks::app
