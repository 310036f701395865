#include "domain/task_rules.hpp"

namespace nanotasks::domain {

std::string_view TaskStatusName(TaskStatus status) {
    switch (status) {
        case TaskStatus::kOpen:
            return "open";
        case TaskStatus::kClosed:
            return "closed";
        case TaskStatus::kCancelled:
            return "cancelled";
    }
    return "open";
}

std::optional<TaskStatus> ParseTaskStatus(std::string_view name) {
    if (name == "open") return TaskStatus::kOpen;
    if (name == "closed") return TaskStatus::kClosed;
    if (name == "cancelled") return TaskStatus::kCancelled;
    return std::nullopt;
}

TaskStatus DeriveTaskStatus(bool cancelled, std::int64_t completion_date_ms, std::int64_t now_ms) {
    if (cancelled) return TaskStatus::kCancelled;
    return now_ms < completion_date_ms ? TaskStatus::kOpen : TaskStatus::kClosed;
}

std::string_view SubmissionStatusName(SubmissionStatus status) {
    switch (status) {
        case SubmissionStatus::kPending:
            return "pending";
        case SubmissionStatus::kApproved:
            return "approved";
        case SubmissionStatus::kRejected:
            return "rejected";
    }
    return "pending";
}

std::optional<SubmissionStatus> ParseSubmissionStatus(std::string_view name) {
    if (name == "pending") return SubmissionStatus::kPending;
    if (name == "approved") return SubmissionStatus::kApproved;
    if (name == "rejected") return SubmissionStatus::kRejected;
    return std::nullopt;
}

std::string_view DeciderName(Decider decider) {
    return decider == Decider::kAuto ? "auto" : "buyer";
}

core::Coins TaskEscrow(std::int64_t required_workers, core::Coins payable_amount) {
    return payable_amount * required_workers;
}

DeadlineProblem CheckNewDeadline(std::int64_t completion_date_ms, std::int64_t now_ms) {
    if (completion_date_ms <= now_ms) return DeadlineProblem::kNotInFuture;
    if (completion_date_ms - now_ms > kCompletionWindowMs) return DeadlineProblem::kTooFar;
    return DeadlineProblem::kNone;
}

DeadlineProblem CheckDeadlineChange(std::int64_t current_ms, std::int64_t proposed_ms,
                                    std::int64_t now_ms) {
    if (proposed_ms <= current_ms) return DeadlineProblem::kNotLater;
    return CheckNewDeadline(proposed_ms, now_ms);
}

FreedSlot OnRejection(bool task_cancelled, bool task_closed_and_refunded) {
    return task_cancelled || task_closed_and_refunded ? FreedSlot::kRefund : FreedSlot::kReopen;
}

bool IsValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t code_point = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if ((lead & 0xE0) == 0xC0) {
            length = 2;
            code_point = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            code_point = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            code_point = lead & 0x07;
        } else {
            return false;
        }
        if (i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            code_point = (code_point << 6) | (next & 0x3F);
        }
        constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
            (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

std::vector<std::string> SearchWords(std::string_view query) {
    std::vector<std::string> words;
    std::string word;
    auto flush = [&] {
        if (!word.empty() && words.size() < kSearchWordsMax) words.push_back(word);
        word.clear();
    };
    for (char c : query) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) {
            word += c;
        } else if (c >= 'A' && c <= 'Z') {
            word += static_cast<char>(c - 'A' + 'a');
        } else {
            flush();
        }
    }
    flush();
    return words;
}

}  // namespace nanotasks::domain
