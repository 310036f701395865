#include "domain/task_rules.hpp"

#include <gtest/gtest.h>

namespace nanotasks::domain {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kDay = 24LL * 3600 * 1000;

TEST(TaskRules, StatusIsDerivedFromCancellationAndDeadline) {
    struct Case {
        bool cancelled;
        std::int64_t completion_date_ms;
        TaskStatus expected;
    };
    for (const auto& [cancelled, completion, expected] : {
             Case{false, kNow + 1, TaskStatus::kOpen},
             Case{false, kNow, TaskStatus::kClosed},  // the deadline itself is past it
             Case{false, kNow - 1, TaskStatus::kClosed},
             Case{true, kNow + kDay, TaskStatus::kCancelled},
             Case{true, kNow - kDay, TaskStatus::kCancelled},
         }) {
        EXPECT_EQ(DeriveTaskStatus(cancelled, completion, kNow), expected)
            << cancelled << " " << completion;
    }
}

TEST(TaskRules, StatusNamesRoundTrip) {
    for (auto status : {TaskStatus::kOpen, TaskStatus::kClosed, TaskStatus::kCancelled}) {
        EXPECT_EQ(ParseTaskStatus(TaskStatusName(status)), status);
    }
    for (auto status :
         {SubmissionStatus::kPending, SubmissionStatus::kApproved, SubmissionStatus::kRejected}) {
        EXPECT_EQ(ParseSubmissionStatus(SubmissionStatusName(status)), status);
    }
    EXPECT_FALSE(ParseTaskStatus("Open"));
    EXPECT_FALSE(ParseSubmissionStatus(""));
    EXPECT_EQ(DeciderName(Decider::kAuto), "auto");
    EXPECT_EQ(DeciderName(Decider::kBuyer), "buyer");
}

TEST(TaskRules, EscrowIsOnePayableAmountPerSlot) {
    EXPECT_EQ(TaskEscrow(5, core::Coins(1)), core::Coins(5));
    EXPECT_EQ(TaskEscrow(kRequiredWorkersMax, core::Coins(kPayableAmountMax)),
              core::Coins(10'000'000'000));
}

TEST(TaskRules, NewDeadlineIsInTheFutureAndWithinAYear) {
    struct Case {
        std::int64_t completion_date_ms;
        DeadlineProblem expected;
    };
    for (const auto& [completion, expected] : {
             Case{kNow + 1, DeadlineProblem::kNone},
             Case{kNow + kCompletionWindowMs, DeadlineProblem::kNone},
             Case{kNow + kCompletionWindowMs + 1, DeadlineProblem::kTooFar},
             Case{kNow, DeadlineProblem::kNotInFuture},
             Case{kNow - kDay, DeadlineProblem::kNotInFuture},
         }) {
        EXPECT_EQ(CheckNewDeadline(completion, kNow), expected) << completion;
    }
}

TEST(TaskRules, DeadlineOnlyMovesLater) {
    const std::int64_t current = kNow + kDay;
    EXPECT_EQ(CheckDeadlineChange(current, current + 1000, kNow), DeadlineProblem::kNone);
    EXPECT_EQ(CheckDeadlineChange(current, current, kNow), DeadlineProblem::kNotLater);
    EXPECT_EQ(CheckDeadlineChange(current, current - 1000, kNow), DeadlineProblem::kNotLater);
    EXPECT_EQ(CheckDeadlineChange(current, kNow + kCompletionWindowMs + 1, kNow),
              DeadlineProblem::kTooFar);
}

TEST(TaskRules, RejectionReopensASlotOnlyWhileTheTaskRuns) {
    EXPECT_EQ(OnRejection(false, false), FreedSlot::kReopen);
    EXPECT_EQ(OnRejection(true, false), FreedSlot::kRefund);
    EXPECT_EQ(OnRejection(false, true), FreedSlot::kRefund);
    EXPECT_EQ(OnRejection(true, true), FreedSlot::kRefund);
}

TEST(TaskRules, SearchWordsAreLowerCasedRunsOfLettersAndDigits) {
    using Words = std::vector<std::string>;
    EXPECT_EQ(SearchWords("Label  CATS, dogs!"), (Words{"label", "cats", "dogs"}));
    EXPECT_EQ(SearchWords("\"OR\" NEAR(a b) *x* -y"), (Words{"or", "near", "a", "b", "x", "y"}));
    EXPECT_EQ(SearchWords("caf\xC3\xA9 2024"), (Words{"caf\xC3\xA9", "2024"}));
    EXPECT_EQ(SearchWords("!!! ..."), Words{});
    EXPECT_EQ(SearchWords(std::string(40, 'a') + " b c d e f g h i j k l m n o p q r s").size(),
              kSearchWordsMax);
}

TEST(TaskRules, ValidatesUtf8) {
    EXPECT_TRUE(IsValidUtf8("plain"));
    EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo \xF0\x9F\x98\x80"));
    for (const char* bad :
         {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "a\x80"}) {
        EXPECT_FALSE(IsValidUtf8(bad)) << bad;
    }
}

}  // namespace
}  // namespace nanotasks::domain
