#include <boost/json/array.hpp>

#include "api/error_map.hpp"
#include "api/json_support.hpp"
#include "api/routes.hpp"
#include "api/views.hpp"
#include "app/wallet_service.hpp"

namespace nanotasks::api {
namespace {

constexpr std::string_view kTransactionsList = "wallet.transactions";

http::Response WalletEndpoint(Services& services, Context& context) {
    auto totals = services.wallet.Wallet(context.Caller());
    if (!totals) return ErrorResponse(totals.error(), context.request.request_id);
    return JsonResponse(200, boost::json::object{{"coins", totals->coins},
                                                 {"held_coins", totals->held_coins},
                                                 {"escrowed_coins", totals->escrowed_coins},
                                                 {"total_earned", totals->total_earned},
                                                 {"total_spent", totals->total_spent}});
}

http::Response TransactionsEndpoint(Services& services, Context& context) {
    auto page_request = ReadPage(context.request, services.cursors, kTransactionsList);
    if (!page_request) return ErrorResponse(page_request.error(), context.request.request_id);
    std::optional<std::int64_t> before_seq;
    if (page_request->cursor_payload) {
        // The payload was signed by us, so it is the decimal sequence number we wrote.
        before_seq = std::stoll(*page_request->cursor_payload);
    }
    auto page = services.wallet.Transactions(context.Caller(), before_seq, page_request->limit);
    if (!page) return ErrorResponse(page.error(), context.request.request_id);
    boost::json::array items;
    items.reserve(page->items.size());
    for (const auto& entry : page->items) {
        items.push_back(WalletEntryView(entry, context.Caller().id));
    }
    boost::json::value next_cursor = nullptr;
    if (page->next_before_seq) {
        next_cursor = boost::json::string(
            services.cursors.Encode(kTransactionsList, std::to_string(*page->next_before_seq)));
    }
    return JsonResponse(200, boost::json::object{{"items", std::move(items)},
                                                 {"next_cursor", std::move(next_cursor)}});
}

http::Response VerifyLedgerEndpoint(Services& services, Context& context) {
    auto check = services.wallet.VerifyLedger();
    if (!check) return ErrorResponse(check.error(), context.request.request_id);
    boost::json::object body{{"balanced", check->balanced},
                             {"accounts", check->accounts},
                             {"transfers", check->transfers}};
    if (!check->balanced) {
        body["balance_sum"] = check->balance_sum;
        body["mismatched_accounts"] = check->mismatched_accounts;
        body["negative_accounts"] = check->negative_accounts;
        body["broken_entry_chains"] = check->broken_entry_chains;
    }
    return JsonResponse(200, body);
}

}  // namespace

std::vector<RouteSpec> WalletRoutes(Services& services) {
    using domain::Role;
    using http::Method;
    const auto bind = EndpointBinder(services);
    return {
        {.method = Method::kGet,
         .path = "/api/v1/wallet",
         .policy = Policy::Roles({Role::kWorker, Role::kBuyer}),
         .endpoint = bind(WalletEndpoint),
         .summary = "Coins available, held, escrowed, earned and spent",
         .response_schema = "Wallet"},
        {.method = Method::kGet,
         .path = "/api/v1/wallet/transactions",
         .policy = Policy::Roles({Role::kWorker, Role::kBuyer}),
         .endpoint = bind(TransactionsEndpoint),
         .summary = "The wallet's ledger entries, newest first",
         .response_schema = "Transaction",
         .paged = true},
        {.method = Method::kGet,
         .path = "/api/v1/admin/ledger/verify",
         .policy = Policy::Roles({Role::kAdmin}),
         .endpoint = bind(VerifyLedgerEndpoint),
         .summary = "Re-add the whole ledger and check its invariants",
         .response_schema = "LedgerVerification"},
    };
}

}  // namespace nanotasks::api
