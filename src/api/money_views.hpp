#pragma once

#include <boost/json/object.hpp>

#include "core/config.hpp"
#include "storage/repositories/payment_repository.hpp"
#include "storage/repositories/platform_repository.hpp"
#include "storage/repositories/withdrawal_repository.hpp"

namespace nanotasks::api {

// The contract's JSON shapes of coin purchases, withdrawals and platform totals.
boost::json::object PackageView(const core::CoinPackage& package);
boost::json::object PaymentView(const storage::PaymentRecord& payment);
// Never the full account number: only its last four characters are stored at all.
boost::json::object WithdrawalView(const storage::WithdrawalRecord& withdrawal);
boost::json::object PlatformStatsView(const storage::PlatformStats& stats);

}  // namespace nanotasks::api
