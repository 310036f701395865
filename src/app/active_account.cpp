#include "app/active_account.hpp"

#include "domain/rules.hpp"
#include "storage/repositories/user_repository.hpp"

namespace nanotasks::app {

using core::Error;
using core::ErrorCode;

core::Status LockActiveAccount(storage::Transaction& tx, const std::string& user_id) {
    const auto status = storage::UserRepository::LockStatus(tx, user_id);
    const auto parsed = status ? domain::ParseAccountStatus(*status) : std::nullopt;
    if (parsed == domain::AccountStatus::kActive) return core::Ok{};
    if (parsed == domain::AccountStatus::kSuspended) {
        return Error::Of(ErrorCode::kAccountSuspended, "This account is suspended.");
    }
    return Error::Of(ErrorCode::kUnauthenticated, "The token is missing, invalid or expired.");
}

}  // namespace nanotasks::app
