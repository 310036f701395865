#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/database.hpp"
#include "storage/repositories/list_query.hpp"

namespace nanotasks::storage {

struct NotificationRecord {
    std::string id;
    std::string user_id;
    std::string message;
    std::optional<std::string> action_route;
    bool read = false;
    std::int64_t created_at_ms = 0;
};

// Notifications are rows written in the same transaction as the event they announce, so that
// one exists exactly when its event committed.
class NotificationRepository {
  public:
    static void Insert(Transaction& tx, const NotificationRecord& notification);
    // Newest first; ids below before_id when given; unread_only filters.
    static ListQuery ListQueryFor(const std::string& user_id, bool unread_only,
                                  const std::optional<std::string>& before_id, int limit);
    static std::vector<NotificationRecord> List(Transaction& tx, const std::string& user_id,
                                                bool unread_only,
                                                const std::optional<std::string>& before_id,
                                                int limit);
    // Newer than after_id (oldest first), for streaming.
    static std::vector<NotificationRecord> After(Transaction& tx, const std::string& user_id,
                                                 const std::string& after_id, int limit);
    // Everyone's notifications created at or after from_ms, oldest first by (created_at, id),
    // skipping those at exactly from_ms with an id up to after_id: the first page passes the
    // poll's lower bound and "", the next ones the last row's created_at and id. For the
    // notification streams' poller (index notifications_created).
    static ListQuery CreatedSinceQuery(std::int64_t from_ms, const std::string& after_id,
                                       int limit);
    static std::vector<NotificationRecord> CreatedSince(Transaction& tx, std::int64_t from_ms,
                                                        const std::string& after_id, int limit);
    // The user's notifications created at or after since_ms, as (id, created_at): what a new
    // stream counts as already committed.
    static std::vector<std::pair<std::string, std::int64_t>> IdsCreatedSince(
        Transaction& tx, const std::string& user_id, std::int64_t since_ms);
    // False when the notification is not the user's (or does not exist).
    static bool MarkRead(Transaction& tx, const std::string& user_id, const std::string& id);
    static std::int64_t MarkAllRead(Transaction& tx, const std::string& user_id);
};

}  // namespace nanotasks::storage
