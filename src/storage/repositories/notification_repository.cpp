#include "storage/repositories/notification_repository.hpp"

namespace nanotasks::storage {
namespace {

constexpr std::string_view kColumns = "id, user_id, message, action_route, read, created_at";

NotificationRecord ToNotification(const Row& row) {
    return NotificationRecord{.id = row.Text(0),
                              .user_id = row.Text(1),
                              .message = row.Text(2),
                              .action_route = row.OptionalText(3),
                              .read = row.Int(4) != 0,
                              .created_at_ms = row.Int(5)};
}

std::vector<NotificationRecord> ToNotifications(const Rows& rows) {
    std::vector<NotificationRecord> notifications;
    notifications.reserve(rows.size());
    for (const Row& row : rows) notifications.push_back(ToNotification(row));
    return notifications;
}

}  // namespace

void NotificationRepository::Insert(Transaction& tx, const NotificationRecord& notification) {
    Value action = nullptr;
    if (notification.action_route) action = *notification.action_route;
    tx.Execute(
        "INSERT INTO notifications (id, user_id, message, action_route, read, created_at) "
        "VALUES ($1, $2, $3, $4, 0, $5)",
        {notification.id, notification.user_id, notification.message, action,
         notification.created_at_ms});
}

ListQuery NotificationRepository::ListQueryFor(const std::string& user_id, bool unread_only,
                                               const std::optional<std::string>& before_id,
                                               int limit) {
    ListQuery query;
    query.sql = "SELECT " + std::string(kColumns) +
                " FROM notifications WHERE user_id = " + query.Param(user_id);
    // The same term as the partial index notifications_user_unread.
    if (unread_only) query.sql += " AND read = 0";
    if (before_id) query.sql += " AND id < " + query.Param(*before_id);
    query.sql += " ORDER BY id DESC" + LimitClause(limit);
    return query;
}

std::vector<NotificationRecord> NotificationRepository::List(
    Transaction& tx, const std::string& user_id, bool unread_only,
    const std::optional<std::string>& before_id, int limit) {
    const ListQuery query = ListQueryFor(user_id, unread_only, before_id, limit);
    return ToNotifications(tx.Query(query.sql, query.params));
}

std::vector<NotificationRecord> NotificationRepository::After(Transaction& tx,
                                                              const std::string& user_id,
                                                              const std::string& after_id,
                                                              int limit) {
    return ToNotifications(tx.Query("SELECT " + std::string(kColumns) +
                                        " FROM notifications WHERE user_id = $1 AND id > $2 "
                                        "ORDER BY id" +
                                        LimitClause(limit),
                                    {user_id, after_id}));
}

ListQuery NotificationRepository::CreatedSinceQuery(std::int64_t from_ms,
                                                    const std::string& after_id, int limit) {
    ListQuery query;
    const std::string from = query.Param(from_ms);
    query.sql = "SELECT " + std::string(kColumns) +
                " FROM notifications WHERE created_at >= " + from + " AND (created_at > " + from +
                " OR id > " + query.Param(after_id) + ") ORDER BY created_at, id" +
                LimitClause(limit);
    return query;
}

std::vector<NotificationRecord> NotificationRepository::CreatedSince(Transaction& tx,
                                                                     std::int64_t from_ms,
                                                                     const std::string& after_id,
                                                                     int limit) {
    const ListQuery query = CreatedSinceQuery(from_ms, after_id, limit);
    return ToNotifications(tx.Query(query.sql, query.params));
}

std::vector<std::pair<std::string, std::int64_t>> NotificationRepository::IdsCreatedSince(
    Transaction& tx, const std::string& user_id, std::int64_t since_ms) {
    std::vector<std::pair<std::string, std::int64_t>> ids;
    for (const Row& row : tx.Query(
             "SELECT id, created_at FROM notifications WHERE user_id = $1 AND created_at >= $2",
             {user_id, since_ms})) {
        ids.emplace_back(row.Text(0), row.Int(1));
    }
    return ids;
}

bool NotificationRepository::MarkRead(Transaction& tx, const std::string& user_id,
                                      const std::string& id) {
    // Already read counts as success: the row matches whatever its read flag.
    return tx.Execute("UPDATE notifications SET read = 1 WHERE id = $1 AND user_id = $2",
                      {id, user_id}) == 1;
}

std::int64_t NotificationRepository::MarkAllRead(Transaction& tx, const std::string& user_id) {
    return tx.Execute("UPDATE notifications SET read = 1 WHERE user_id = $1 AND read = 0",
                      {user_id});
}

}  // namespace nanotasks::storage
