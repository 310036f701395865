#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/coins.hpp"

namespace nanotasks::domain {

// A task's status is derived, never stored: cancelled once cancelled, closed once its
// completion_date has passed (even with slots still open), open before that.
enum class TaskStatus { kOpen, kClosed, kCancelled };
std::string_view TaskStatusName(TaskStatus status);
std::optional<TaskStatus> ParseTaskStatus(std::string_view name);
TaskStatus DeriveTaskStatus(bool cancelled, std::int64_t completion_date_ms, std::int64_t now_ms);

enum class SubmissionStatus { kPending, kApproved, kRejected };
std::string_view SubmissionStatusName(SubmissionStatus status);
std::optional<SubmissionStatus> ParseSubmissionStatus(std::string_view name);

// Who decided a submission: its task's buyer, or the auto-approval job.
enum class Decider { kBuyer, kAuto };
std::string_view DeciderName(Decider decider);

// Field limits of the contract (lengths in code points).
inline constexpr std::size_t kTitleMax = 200;
inline constexpr std::size_t kDetailMax = 10000;
inline constexpr std::size_t kSubmissionInfoMax = 2000;
inline constexpr std::int64_t kRequiredWorkersMax = 10000;
inline constexpr std::int64_t kPayableAmountMax = 1000000;
inline constexpr std::size_t kSubmissionDetailsMax = 10000;
inline constexpr std::size_t kFeedbackMax = 2000;
inline constexpr std::size_t kReportReasonMax = 2000;
inline constexpr std::size_t kResolutionMax = 2000;
inline constexpr std::size_t kSearchQueryMax = 200;
inline constexpr std::size_t kSearchWordsMax = 16;
inline constexpr std::int64_t kCompletionWindowMs = 365LL * 24 * 3600 * 1000;

// The coins a task moves into escrow when it is created: one payable_amount per slot.
core::Coins TaskEscrow(std::int64_t required_workers, core::Coins payable_amount);

// Why a completion_date is refused.
enum class DeadlineProblem {
    kNone,
    kNotInFuture,  // at or before now
    kNotLater,     // a change that does not move the deadline later
    kTooFar,       // more than kCompletionWindowMs after now
};
// A new task's deadline: after now, at most 365 days ahead.
DeadlineProblem CheckNewDeadline(std::int64_t completion_date_ms, std::int64_t now_ms);
// A change of deadline: later than the current one, at most 365 days ahead.
DeadlineProblem CheckDeadlineChange(std::int64_t current_ms, std::int64_t proposed_ms,
                                    std::int64_t now_ms);

// What a rejection does with the slot it frees: while the task runs, the slot opens again;
// once the task is cancelled or its open slots were refunded at closing, the slot's escrow goes
// back to the buyer instead.
enum class FreedSlot { kReopen, kRefund };
FreedSlot OnRejection(bool task_cancelled, bool task_closed_and_refunded);

// True for well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// The words of a search query: runs of ASCII letters and digits or of non-ASCII characters,
// lower-cased, at most kSearchWordsMax of them. Every word must match (AND).
std::vector<std::string> SearchWords(std::string_view query);

}  // namespace nanotasks::domain
