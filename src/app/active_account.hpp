#pragma once

#include <string>

#include "core/error.hpp"
#include "storage/database.hpp"

namespace nanotasks::app {

// For a use case that an account may only start while active (creating a task, submitting,
// requesting a withdrawal): reads the account's status inside the use case's write transaction with
// the row share-locked, and refuses as authentication would on the next request (a suspended
// account 403 account_suspended, a removed one 401 unauthenticated). Authentication reads the
// status before the transaction begins; this closes the gap. A suspension or removal updates that
// row before anything else, so it either waits for the use case to commit (and, for a removal, then
// cancels what it created) or commits first and is seen here.
core::Status LockActiveAccount(storage::Transaction& tx, const std::string& user_id);

}  // namespace nanotasks::app
