#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/caller.hpp"
#include "app/list_page.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/repositories/notification_repository.hpp"

namespace nanotasks::app {

// Reading notifications; they are written by the services whose events they announce, in the
// same transaction.
class NotificationService {
  public:
    explicit NotificationService(storage::Database& db) : db_(db) {}

    core::Result<ListPage<storage::NotificationRecord>> List(
        const Caller& caller, bool unread_only, const std::optional<std::string>& before_id,
        int limit);
    // not_found when the notification is not the caller's (or does not exist).
    core::Status MarkRead(const Caller& caller, const std::string& id);
    core::Status MarkAllRead(const Caller& caller);
    // The user's notifications newer than after_id, oldest first: what a stream sends next.
    std::vector<storage::NotificationRecord> After(const std::string& user_id,
                                                   const std::string& after_id, int limit);

  private:
    storage::Database& db_;
};

}  // namespace nanotasks::app
