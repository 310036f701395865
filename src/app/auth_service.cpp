#include "app/auth_service.hpp"

#include <chrono>

#include "app/transaction.hpp"
#include "infra/crypto.hpp"
#include "infra/id_generator.hpp"
#include "infra/password_hasher.hpp"
#include "infra/token_codec.hpp"
#include "storage/repositories/ledger_repository.hpp"
#include "storage/repositories/session_repository.hpp"

namespace nanotasks::app {

using core::Error;
using core::ErrorCode;
using storage::TxMode;

namespace {

constexpr std::size_t kRefreshTokenBytes = 32;  // 256 bits

Error Unauthenticated() {
    return Error::Of(ErrorCode::kUnauthenticated, "The token is missing, invalid or expired.");
}

Error InvalidCredentials() {
    return Error::Of(ErrorCode::kInvalidCredentials, "The email or password is wrong.");
}

Error Suspended() { return Error::Of(ErrorCode::kAccountSuspended, "This account is suspended."); }

}  // namespace

AuthService::AuthService(storage::Database& db, const infra::PasswordHasher& hasher,
                         const infra::TokenCodec& tokens, infra::IdGenerator& ids,
                         const core::Clock& clock, LoginThrottle& throttle, AuthSettings settings)
    : db_(db),
      hasher_(hasher),
      tokens_(tokens),
      ids_(ids),
      clock_(clock),
      throttle_(throttle),
      settings_(settings) {}

std::string AuthService::IssueRefreshToken(storage::Transaction& tx, const std::string& user_id,
                                           const std::string& family_id) {
    const std::string token = infra::RandomToken(kRefreshTokenBytes);
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    storage::SessionRepository::Insert(
        tx, ids_.Next(), family_id, user_id, infra::Sha256Hex(token), now_ms,
        now_ms + std::int64_t{settings_.refresh_token_ttl_seconds} * 1000);
    return token;
}

SessionTokens AuthService::MakeSession(storage::UserRecord user, std::string refresh_token) const {
    const std::int64_t now_s = core::ToUnixMillis(clock_.Now()) / 1000;
    infra::AccessClaims claims;
    claims.subject = user.id;
    claims.role = user.role;
    claims.issued_at = now_s;
    claims.not_before = now_s;
    claims.expires_at = now_s + settings_.access_token_ttl_seconds;
    claims.issuer = "nanotasks";
    SessionTokens session;
    session.access_token = tokens_.Sign(claims);
    session.refresh_token = std::move(refresh_token);
    session.expires_in = settings_.access_token_ttl_seconds;
    session.user = std::move(user);
    return session;
}

core::Result<SessionTokens> AuthService::Register(const RegisterInput& input) {
    const auto email_key = domain::NormalizeEmail(input.email);
    if (!email_key) {
        return Error::Validation({{"email", "invalid", "must be an email address"}});
    }
    const std::string password_hash = hasher_.Hash(input.password);
    const std::string user_id = ids_.Next();
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    const std::int64_t bonus = input.role == domain::Role::kBuyer ? settings_.buyer_signup_bonus
                                                                  : settings_.worker_signup_bonus;
    auto created = InTransaction<std::pair<storage::UserRecord, std::string>>(
        db_, TxMode::kWrite,
        [&](storage::Transaction& tx) -> core::Result<std::pair<storage::UserRecord, std::string>> {
            const bool inserted = storage::UserRepository::Insert(
                tx, storage::NewUser{.id = user_id,
                                     .name = input.name,
                                     .email = domain::Trim(input.email),
                                     .email_key = *email_key,
                                     .password_hash = password_hash,
                                     .role = std::string(domain::RoleName(input.role)),
                                     .photo_url = input.photo_url,
                                     .created_at_ms = now_ms});
            if (!inserted) {
                return Error::Of(ErrorCode::kEmailTaken, "An account with this email exists.");
            }
            const std::string wallet = domain::WalletAccount(user_id);
            storage::LedgerRepository::CreateAccount(tx, wallet, "wallet", user_id);
            if (bonus > 0) {
                storage::LedgerRepository::Post(
                    tx, storage::TransferRequest{.id = ids_.Next(),
                                                 .from_account = std::string(domain::kMintAccount),
                                                 .to_account = wallet,
                                                 .amount = core::Coins(bonus),
                                                 .kind = domain::TransferKind::kSignupBonus,
                                                 .reference_type = "user",
                                                 .reference_id = user_id,
                                                 .created_at_ms = now_ms});
            }
            std::string refresh = IssueRefreshToken(tx, user_id, ids_.Next());
            auto user = storage::UserRepository::FindById(tx, user_id);
            return std::pair{std::move(*user), std::move(refresh)};
        });
    if (!created) return std::move(created).error();
    auto& [user, refresh] = created.value();
    return MakeSession(std::move(user), std::move(refresh));
}

core::Result<SessionTokens> AuthService::Login(const std::string& email,
                                               const std::string& password,
                                               const std::string& client_address) {
    const auto email_key = domain::NormalizeEmail(email).value_or(email);
    // Counted before the slow password check, so that parallel guesses cannot all get past the
    // limit; only a wrong password (or an unknown account) keeps it counted.
    auto attempt = throttle_.Reserve({"addr:" + client_address, "email:" + email_key},
                                     LoginThrottle::Clock::now());
    if (!attempt) return std::move(attempt).error();
    auto found = InTransaction<std::optional<storage::UserRecord>>(
        db_, TxMode::kRead, [&](storage::Transaction& tx) {
            return core::Result<std::optional<storage::UserRecord>>(
                storage::UserRepository::FindByEmailKey(tx, email_key));
        });
    if (!found) return std::move(found).error();
    auto& user = found.value();
    // Unknown and removed accounts cost one hash too, so that timing does not tell them apart.
    const bool known = user.has_value() && user->status != "removed";
    const bool verified = known ? hasher_.Verify(user->password_hash, password)
                                : (hasher_.BurnDummyVerify(password), false);
    if (!verified) return InvalidCredentials();
    throttle_.Release(*attempt);
    if (user->status == "suspended") return Suspended();
    if (hasher_.NeedsRehash(user->password_hash)) {
        const std::string rehashed = hasher_.Hash(password);
        db_.RunTransaction(TxMode::kWrite, [&](storage::Transaction& tx) {
            storage::UserRepository::UpdatePasswordHash(tx, user->id, rehashed);
        });
    }
    std::string refresh;
    db_.RunTransaction(TxMode::kWrite, [&](storage::Transaction& tx) {
        refresh = IssueRefreshToken(tx, user->id, ids_.Next());
    });
    return MakeSession(std::move(*user), std::move(refresh));
}

core::Result<SessionTokens> AuthService::Refresh(const std::string& refresh_token) {
    enum class Outcome { kRotated, kRefused, kReuse, kSuspended };
    Outcome outcome = Outcome::kRefused;
    std::optional<storage::UserRecord> user;
    std::string next_token;
    const std::string hash = infra::Sha256Hex(refresh_token);
    db_.RunTransaction(TxMode::kWrite, [&](storage::Transaction& tx) {
        outcome = Outcome::kRefused;
        const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
        const auto record = storage::SessionRepository::FindByHash(tx, hash);
        if (!record || record->revoked_at_ms || record->expires_at_ms <= now_ms) return;
        // A spent token presented again means it was copied: end the whole family. This
        // revocation must commit, so it is not an error inside the transaction.
        auto revoke_family = [&] {
            storage::SessionRepository::RevokeFamily(tx, record->family_id, now_ms);
            outcome = Outcome::kReuse;
        };
        if (record->spent_at_ms) return revoke_family();
        user = storage::UserRepository::FindById(tx, record->user_id);
        if (!user || user->status == "removed") return;
        // Refused before the token is spent: it works again once the account is reactivated.
        if (user->status == "suspended") {
            outcome = Outcome::kSuspended;
            return;
        }
        // Another refresh with this token spent it between the read and now.
        if (!storage::SessionRepository::MarkSpent(tx, record->id, now_ms)) return revoke_family();
        next_token = IssueRefreshToken(tx, user->id, record->family_id);
        outcome = Outcome::kRotated;
    });
    switch (outcome) {
        case Outcome::kRotated:
            return MakeSession(std::move(*user), std::move(next_token));
        case Outcome::kSuspended:
            return Suspended();
        case Outcome::kRefused:
        case Outcome::kReuse:
            break;
    }
    return Unauthenticated();
}

core::Status AuthService::Logout(const Caller& caller, const std::string& refresh_token) {
    const std::string hash = infra::Sha256Hex(refresh_token);
    db_.RunTransaction(TxMode::kWrite, [&](storage::Transaction& tx) {
        const auto record = storage::SessionRepository::FindByHash(tx, hash);
        // Someone else's token is left alone, and the answer does not say whether it exists.
        if (record && record->user_id == caller.id) {
            storage::SessionRepository::RevokeFamily(tx, record->family_id,
                                                     core::ToUnixMillis(clock_.Now()));
        }
    });
    return core::Ok{};
}

core::Result<Caller> AuthService::Authenticate(std::string_view access_token) {
    auto claims = tokens_.Verify(access_token, clock_.Now());
    if (!claims) return Unauthenticated();
    std::optional<storage::UserRecord> user;
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        user = storage::UserRepository::FindById(tx, claims->subject);
    });
    if (!user || user->status == "removed") return Unauthenticated();
    if (user->status == "suspended") return Suspended();
    const auto role = domain::ParseRole(user->role);
    if (!role) return Unauthenticated();
    return Caller{.id = user->id, .role = *role, .name = user->name};
}

core::Result<storage::UserRecord> AuthService::Me(const Caller& caller) {
    return InTransaction<storage::UserRecord>(
        db_, TxMode::kRead, [&](storage::Transaction& tx) -> core::Result<storage::UserRecord> {
            auto user = storage::UserRepository::FindById(tx, caller.id);
            if (!user) return Unauthenticated();
            return std::move(*user);
        });
}

core::Result<storage::UserRecord> AuthService::UpdateMe(const Caller& caller,
                                                        const ProfileChange& change) {
    return InTransaction<storage::UserRecord>(
        db_, TxMode::kWrite, [&](storage::Transaction& tx) -> core::Result<storage::UserRecord> {
            storage::UserRepository::UpdateProfile(tx, caller.id, change.name, change.photo_url,
                                                   core::ToUnixMillis(clock_.Now()));
            auto user = storage::UserRepository::FindById(tx, caller.id);
            if (!user) return Unauthenticated();
            return std::move(*user);
        });
}

core::Result<AuthService::AdminOutcome> AuthService::EnsureAdmin(const std::string& email,
                                                                 const std::string& password) {
    const auto email_key = domain::NormalizeEmail(email);
    if (!email_key) return Error::Validation({{"email", "invalid", "must be an email address"}});
    if (password.size() < domain::kPasswordMin || password.size() > domain::kPasswordMax) {
        return Error::Validation({{"password", "invalid_length", "must be 8..128 characters"}});
    }
    std::optional<storage::UserRecord> existing;
    db_.RunTransaction(TxMode::kRead, [&](storage::Transaction& tx) {
        existing = storage::UserRepository::FindByEmailKey(tx, *email_key);
    });
    if (existing) {
        return existing->role == "admin" ? AdminOutcome::kExists
                                         : AdminOutcome::kEmailTakenByOtherRole;
    }
    const std::string password_hash = hasher_.Hash(password);
    const std::string user_id = ids_.Next();
    const std::int64_t now_ms = core::ToUnixMillis(clock_.Now());
    AdminOutcome outcome = AdminOutcome::kCreated;
    db_.RunTransaction(TxMode::kWrite, [&](storage::Transaction& tx) {
        outcome = AdminOutcome::kCreated;
        if (!storage::UserRepository::Insert(tx, storage::NewUser{.id = user_id,
                                                                  .name = "Administrator",
                                                                  .email = domain::Trim(email),
                                                                  .email_key = *email_key,
                                                                  .password_hash = password_hash,
                                                                  .role = "admin",
                                                                  .created_at_ms = now_ms})) {
            outcome = AdminOutcome::kExists;  // another process created it a moment ago
            return;
        }
        storage::LedgerRepository::CreateAccount(tx, domain::WalletAccount(user_id), "wallet",
                                                 user_id);
    });
    return outcome;
}

}  // namespace nanotasks::app
