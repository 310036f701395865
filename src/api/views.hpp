#pragma once

#include <boost/json/object.hpp>

#include "app/auth_service.hpp"
#include "storage/repositories/ledger_repository.hpp"
#include "storage/repositories/user_repository.hpp"

namespace nanotasks::api {

// The contract's JSON shapes, built in one place per resource.
boost::json::object UserView(const storage::UserRecord& user);
boost::json::object SessionView(const app::SessionTokens& session);
boost::json::object WalletEntryView(const storage::WalletEntry& entry, std::string_view user_id);

}  // namespace nanotasks::api
