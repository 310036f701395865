#include "api/views.hpp"

#include "api/json_support.hpp"

namespace nanotasks::api {

boost::json::object UserView(const storage::UserRecord& user) {
    return {{"id", user.id},         {"name", user.name},
            {"email", user.email},   {"role", user.role},
            {"coins", user.coins},   {"photo_url", OptionalString(user.photo_url)},
            {"status", user.status}, {"created_at", FormatTime(user.created_at_ms)}};
}

boost::json::object SessionView(const app::SessionTokens& session) {
    return {{"user", UserView(session.user)},
            {"access_token", session.access_token},
            {"refresh_token", session.refresh_token},
            {"token_type", "Bearer"},
            {"expires_in", session.expires_in}};
}

boost::json::object WalletEntryView(const storage::WalletEntry& entry, std::string_view user_id) {
    // The transfer id is the transaction's id; a transfer shows once in each wallet it touches.
    boost::json::object reference;
    reference["type"] = OptionalString(entry.reference_type);
    reference["id"] = OptionalString(entry.reference_id);
    (void)user_id;
    return {{"id", entry.transfer_id},
            {"amount", entry.amount},
            {"balance_after", entry.balance_after},
            {"kind", entry.kind},
            {"reference", std::move(reference)},
            {"created_at", FormatTime(entry.created_at_ms)}};
}

}  // namespace nanotasks::api
