#pragma once

#include <optional>
#include <string>

#include "app/caller.hpp"
#include "app/login_throttle.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/repositories/user_repository.hpp"

namespace nanotasks::infra {
class IdGenerator;
class PasswordHasher;
class TokenCodec;
}  // namespace nanotasks::infra

namespace nanotasks::app {

struct AuthSettings {
    int access_token_ttl_seconds = 900;
    int refresh_token_ttl_seconds = 30 * 24 * 3600;
    std::int64_t worker_signup_bonus = 10;
    std::int64_t buyer_signup_bonus = 50;
};

// Fields already validated by the endpoint (lengths, email shape, role not admin).
struct RegisterInput {
    std::string name;
    std::string email;
    std::string password;
    domain::Role role = domain::Role::kWorker;
    std::optional<std::string> photo_url;
};

struct SessionTokens {
    storage::UserRecord user;
    std::string access_token;
    std::string refresh_token;
    int expires_in = 0;
};

struct ProfileChange {
    std::optional<std::string> name;
    std::optional<std::optional<std::string>> photo_url;  // a null photo_url clears it
};

// Accounts and sessions. Password hashing is deliberately slow: every method here is called
// on the worker pool, never on an I/O thread.
class AuthService {
  public:
    AuthService(storage::Database& db, const infra::PasswordHasher& hasher,
                const infra::TokenCodec& tokens, infra::IdGenerator& ids, const core::Clock& clock,
                LoginThrottle& throttle, AuthSettings settings);

    core::Result<SessionTokens> Register(const RegisterInput& input);
    core::Result<SessionTokens> Login(const std::string& email, const std::string& password,
                                      const std::string& client_address);
    core::Result<SessionTokens> Refresh(const std::string& refresh_token);
    core::Status Logout(const Caller& caller, const std::string& refresh_token);
    // The caller behind an access token, with role and status read from the database.
    core::Result<Caller> Authenticate(std::string_view access_token);
    core::Result<storage::UserRecord> Me(const Caller& caller);
    core::Result<storage::UserRecord> UpdateMe(const Caller& caller, const ProfileChange& change);

    enum class AdminOutcome { kCreated, kExists, kEmailTakenByOtherRole };
    // Creates an admin with this email unless one exists; used at start and by create-admin.
    core::Result<AdminOutcome> EnsureAdmin(const std::string& email, const std::string& password);

  private:
    std::string IssueRefreshToken(storage::Transaction& tx, const std::string& user_id,
                                  const std::string& family_id);
    SessionTokens MakeSession(storage::UserRecord user, std::string refresh_token) const;

    storage::Database& db_;
    const infra::PasswordHasher& hasher_;
    const infra::TokenCodec& tokens_;
    infra::IdGenerator& ids_;
    const core::Clock& clock_;
    LoginThrottle& throttle_;
    AuthSettings settings_;
};

}  // namespace nanotasks::app
