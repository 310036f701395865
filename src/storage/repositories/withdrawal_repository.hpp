#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/repositories/list_query.hpp"

namespace nanotasks::storage {

struct WithdrawalRecord {
    std::string id;
    std::string worker_id;
    std::string worker_name;
    std::int64_t coins = 0;
    std::int64_t amount_cents = 0;
    std::string currency;
    std::string payment_system;
    std::string account_number_last4;  // the full number is never stored
    std::string status;                // pending, paid, rejected, cancelled
    std::optional<std::string> reason;
    std::int64_t requested_at_ms = 0;
    std::optional<std::int64_t> decided_at_ms;
};

struct NewWithdrawal {
    std::string id;
    std::string worker_id;
    std::int64_t coins = 0;
    std::int64_t amount_cents = 0;
    std::string currency;
    std::string payment_system;
    std::string account_number_last4;
    std::int64_t requested_at_ms = 0;
};

struct WithdrawalDecision {
    std::string status;  // paid, rejected or cancelled
    std::optional<std::string> reason;
    std::string decided_by;  // the user who decided: an admin, or the worker who cancelled
    std::int64_t decided_at_ms = 0;
};

struct WithdrawalFilter {
    std::optional<std::string> worker_id;  // absent: every worker's
    std::optional<std::string> status;
};

class WithdrawalRepository {
  public:
    static void Insert(Transaction& tx, const NewWithdrawal& withdrawal);
    static std::optional<WithdrawalRecord> FindById(Transaction& tx, const std::string& id);
    // The guarded transition out of pending: true for exactly one caller, whatever decisions
    // race (approve, reject, cancel); the others change nothing.
    static bool Decide(Transaction& tx, const std::string& id, const WithdrawalDecision& decision);
    // Newest first; ids below before_id when given.
    static ListQuery WithdrawalsQuery(const WithdrawalFilter& filter,
                                      const std::optional<std::string>& before_id, int limit);
    static std::vector<WithdrawalRecord> List(Transaction& tx, const WithdrawalFilter& filter,
                                              const std::optional<std::string>& before_id,
                                              int limit);
};

}  // namespace nanotasks::storage
