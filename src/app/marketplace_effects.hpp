#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/database.hpp"
#include "storage/repositories/task_repository.hpp"

namespace nanotasks::infra {
class IdGenerator;
}

namespace nanotasks::app {

// Effects that several marketplace use cases share, always inside the caller's transaction and
// with the task's row locked.

// Moves `amount` coins from the task's escrow back to its buyer's wallet (never to whoever
// cancelled it); zero moves nothing. An escrow that cannot cover the amount is a broken
// invariant: it throws, and the transaction rolls back.
void RefundEscrow(storage::Transaction& tx, infra::IdGenerator& ids,
                  const storage::TaskRecord& task, std::int64_t amount, std::int64_t now_ms);

// Once a finished task (cancelled, or closed and refunded) has no pending submission left, its
// escrow holds nothing that anyone may still earn: whatever is left returns to the buyer.
// Returns the coins moved.
std::int64_t SettleFinishedTask(storage::Transaction& tx, infra::IdGenerator& ids,
                                const storage::TaskRecord& task, std::int64_t now_ms);

// Cancels an open task whose row the caller has locked: the open slots' escrow returns to the
// buyer at once, pending submissions keep theirs until decided (and if none is pending the
// escrow settles now). Returns the coins refunded, or nullopt when the task was not open.
std::optional<std::int64_t> CancelTaskLocked(storage::Transaction& tx, infra::IdGenerator& ids,
                                             const storage::TaskRecord& task, std::int64_t now_ms);

// Stores a notification for `user_id`, committed with the event it announces.
void Notify(storage::Transaction& tx, infra::IdGenerator& ids, const std::string& user_id,
            std::string message, std::string action_route, std::int64_t now_ms);

// "Title" for messages, shortened so that a message stays readable.
std::string Quoted(const std::string& title);

}  // namespace nanotasks::app
