#include <boost/json/array.hpp>

#include "api/error_map.hpp"
#include "api/json_support.hpp"
#include "api/marketplace_request.hpp"
#include "api/marketplace_views.hpp"
#include "api/money_views.hpp"
#include "api/routes.hpp"
#include "app/payment_service.hpp"
#include "domain/money_rules.hpp"

namespace nanotasks::api {
namespace {

using core::Error;

constexpr std::string_view kPaymentsList = "payments";
// Stripe's event ids are about 30 characters; longer is not an event of theirs.
constexpr std::size_t kMaxEventIdChars = 255;

http::Response PackagesEndpoint(Services& services, Context&) {
    boost::json::array items;
    for (const auto& package : services.payments.Packages()) items.push_back(PackageView(package));
    return JsonResponse(200, boost::json::object{{"items", std::move(items)}});
}

http::Response CheckoutEndpoint(Services& services, Context& context) {
    auto body = ParseObjectBody(context.request.body);
    if (!body) return ErrorResponse(body.error(), context.request.request_id);
    FieldReader fields(*body, {"package_id"});
    auto package_id = fields.RequiredString("package_id", 1, 100);
    if (!fields.ok()) return ErrorResponse(fields.Error(), context.request.request_id);
    auto checkout = services.payments.Checkout(context.Caller(), *package_id);
    if (!checkout) return ErrorResponse(checkout.error(), context.request.request_id);
    boost::json::object view = PaymentView(checkout->payment);
    view["client_secret"] = checkout->client_secret;
    return JsonResponse(201, view);
}

const boost::json::object* ObjectAt(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_object() ? &value->as_object() : nullptr;
}

std::optional<std::string> StringAt(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_string()) return std::nullopt;
    return std::string(value->as_string());
}

std::optional<std::int64_t> IntegerAt(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_int64()) return std::nullopt;
    return value->as_int64();
}

// The fields of a Stripe event that matter; nullopt for a body that is not an event at all.
std::optional<app::StripeEvent> ReadEvent(const boost::json::object& body) {
    app::StripeEvent event;
    auto id = StringAt(body, "id");
    auto type = StringAt(body, "type");
    if (!id || id->empty() || id->size() > kMaxEventIdChars || !type || type->empty() ||
        type->size() > kMaxEventIdChars) {
        return std::nullopt;
    }
    event.id = std::move(*id);
    event.type = std::move(*type);
    const auto* data = ObjectAt(body, "data");
    const auto* object = data != nullptr ? ObjectAt(*data, "object") : nullptr;
    if (object != nullptr) {
        event.intent_id = StringAt(*object, "id").value_or("");
        event.amount = IntegerAt(*object, "amount");
        event.amount_received = IntegerAt(*object, "amount_received");
        event.currency = StringAt(*object, "currency");
        if (const auto* metadata = ObjectAt(*object, "metadata")) {
            event.payment_id = StringAt(*metadata, "payment_id");
        }
    }
    return event;
}

// Stripe retries any answer but 2xx, so everything that verifies is acknowledged with 200,
// whether or not it changed anything.
http::Response WebhookEndpoint(Services& services, Context& context) {
    const http::Request& request = context.request;
    // The signature covers the raw bytes, so it is checked before anything parses them.
    auto verified =
        services.payments.VerifyWebhook(request.body, request.Header("stripe-signature"));
    if (!verified) return ErrorResponse(verified.error(), request.request_id);
    auto body = ParseObjectBody(request.body);
    if (!body) return ErrorResponse(body.error(), request.request_id);
    if (auto event = ReadEvent(*body)) {
        auto handled = services.payments.HandleEvent(*event);
        if (!handled) return ErrorResponse(handled.error(), request.request_id);
    }
    return JsonResponse(200, boost::json::object{{"received", true}});
}

http::Response PaymentsEndpoint(Services& services, Context& context) {
    const http::Request& request = context.request;
    std::vector<core::FieldError> errors;
    const auto status = QueryEnum(request, "status", domain::ParsePaymentStatus,
                                  "pending, succeeded, failed", errors);
    auto page_request = ReadPage(request, services.cursors, kPaymentsList);
    if (!page_request) {
        for (const auto& error : page_request.error().errors) errors.push_back(error);
    }
    if (!errors.empty()) {
        return ErrorResponse(Error::Validation(std::move(errors)), request.request_id);
    }
    std::optional<std::string> status_name;
    if (status) status_name = std::string(domain::PaymentStatusName(*status));
    auto page = services.payments.List(context.Caller(), status_name, page_request->cursor_payload,
                                       page_request->limit);
    if (!page) return ErrorResponse(page.error(), request.request_id);
    boost::json::array items;
    items.reserve(page->items.size());
    for (const auto& payment : page->items) items.push_back(PaymentView(payment));
    const auto cursor = NextCursor(services.cursors, kPaymentsList, page->has_more,
                                   page->items.empty() ? "" : page->items.back().id);
    return JsonResponse(200, PageView(std::move(items), cursor));
}

}  // namespace

std::vector<RouteSpec> PaymentRoutes(Services& services) {
    using domain::Role;
    using http::Method;
    const auto bind = EndpointBinder(services);
    return {
        {.method = Method::kGet,
         .path = "/api/v1/payments/packages",
         .policy = Policy::Public(),
         .endpoint = bind(PackagesEndpoint),
         .summary = "Coin packages for sale",
         .response_schema = "PackageList"},
        {.method = Method::kPost,
         .path = "/api/v1/payments/checkout",
         .policy = Policy::Roles({Role::kBuyer}),
         .endpoint = bind(CheckoutEndpoint),
         .summary = "Start a coin purchase: creates a Stripe PaymentIntent",
         .success_status = 201,
         .request_schema = "CheckoutRequest",
         .response_schema = "Checkout",
         .errors = {core::ErrorCode::kPaymentsUnavailable}},
        // Public and outside the Idempotency-Key convention: Stripe signs the body instead, and
        // each event id is handled once.
        {.method = Method::kPost,
         .path = "/api/v1/payments/stripe/webhook",
         .policy = Policy::Public(),
         .endpoint = bind(WebhookEndpoint),
         .summary = "Stripe events (Stripe-Signature verified); credits purchased coins once",
         .idempotent_post = false,
         .request_schema = "StripeEvent",
         .response_schema = "WebhookReceipt",
         .parameters = {"Stripe-Signature"},
         .errors = {core::ErrorCode::kInvalidSignature, core::ErrorCode::kPaymentsUnavailable}},
        {.method = Method::kGet,
         .path = "/api/v1/payments",
         .policy = Policy::Roles({Role::kBuyer, Role::kAdmin}),
         .endpoint = bind(PaymentsEndpoint),
         .summary = "Payments: a buyer's own, or every one for an admin; newest first",
         .response_schema = "Payment",
         .paged = true,
         .parameters = {"payment_status"}},
    };
}

}  // namespace nanotasks::api
