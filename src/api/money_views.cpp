#include "api/money_views.hpp"

#include "api/json_support.hpp"
#include "domain/money_rules.hpp"

namespace nanotasks::api {

boost::json::object PackageView(const core::CoinPackage& package) {
    return {{"id", package.id},
            {"coins", package.coins},
            {"price_cents", package.price_cents},
            {"currency", domain::kCurrency}};
}

boost::json::object PaymentView(const storage::PaymentRecord& payment) {
    return {{"id", payment.id},
            {"package_id", payment.package_id},
            {"coins", payment.coins},
            {"amount_cents", payment.amount_cents},
            {"currency", payment.currency},
            {"status", payment.status},
            {"provider", "stripe"},
            {"created_at", FormatTime(payment.created_at_ms)}};
}

boost::json::object WithdrawalView(const storage::WithdrawalRecord& withdrawal) {
    boost::json::value decided_at = nullptr;
    if (withdrawal.decided_at_ms)
        decided_at = boost::json::string(FormatTime(*withdrawal.decided_at_ms));
    return {{"id", withdrawal.id},
            {"worker",
             boost::json::object{{"id", withdrawal.worker_id}, {"name", withdrawal.worker_name}}},
            {"coins", withdrawal.coins},
            {"amount_cents", withdrawal.amount_cents},
            {"currency", withdrawal.currency},
            {"payment_system", withdrawal.payment_system},
            {"account_number_last4", withdrawal.account_number_last4},
            {"status", withdrawal.status},
            {"reason", OptionalString(withdrawal.reason)},
            {"requested_at", FormatTime(withdrawal.requested_at_ms)},
            {"decided_at", std::move(decided_at)}};
}

boost::json::object PlatformStatsView(const storage::PlatformStats& stats) {
    return {{"total_workers", stats.total_workers},
            {"total_buyers", stats.total_buyers},
            {"coins_in_wallets", stats.coins_in_wallets},
            {"coins_in_escrow", stats.coins_in_escrow},
            {"coins_held", stats.coins_held},
            {"total_purchased_cents", stats.total_purchased_cents},
            {"total_withdrawn_cents", stats.total_withdrawn_cents},
            {"pending_withdrawals", stats.pending_withdrawals}};
}

}  // namespace nanotasks::api
