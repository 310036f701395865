#include "api/openapi_schemas.hpp"

#include <boost/json/array.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

#include "domain/money_rules.hpp"
#include "domain/rules.hpp"
#include "domain/task_rules.hpp"

namespace nanotasks::api {
namespace {

namespace json = boost::json;

constexpr int kListLimitMax = 100;
constexpr int kListLimitDefault = 20;
constexpr int kTopWorkersDefault = 6;
constexpr std::size_t kUserQueryMax = 200;

json::object Ref(std::string_view name) {
    return {{"$ref", "#/components/schemas/" + std::string(name)}};
}

json::object String() { return {{"type", "string"}}; }

json::object String(std::size_t min_chars, std::size_t max_chars) {
    return {{"type", "string"}, {"minLength", min_chars}, {"maxLength", max_chars}};
}

// A text the endpoint trims and refuses when blank.
json::object Text(std::size_t max_chars) {
    json::object schema = String(1, max_chars);
    schema["description"] = "Trimmed of surrounding blanks; must not be blank.";
    return schema;
}

json::object Integer() { return {{"type", "integer"}}; }

json::object Integer(std::int64_t minimum, std::int64_t maximum) {
    return {{"type", "integer"}, {"minimum", minimum}, {"maximum", maximum}};
}

json::object Count() { return {{"type", "integer"}, {"minimum", 0}}; }

json::object Boolean() { return {{"type", "boolean"}}; }

json::object Time() { return {{"type", "string"}, {"format", "date-time"}}; }

json::object Url() {
    return {{"type", "string"},
            {"format", "uri"},
            {"pattern", "^https?://"},
            {"minLength", 1},
            {"maxLength", domain::kUrlMax}};
}

json::object Enum(std::initializer_list<std::string_view> names) {
    json::array values;
    for (auto name : names) values.emplace_back(json::string(name));
    return {{"type", "string"}, {"enum", std::move(values)}};
}

// The same values, or null.
json::object Nullable(json::object schema) {
    json::array types;
    types.push_back(schema["type"]);
    types.emplace_back("null");
    schema["type"] = std::move(types);
    if (auto* values = schema.if_contains("enum")) values->as_array().emplace_back(nullptr);
    return schema;
}

json::object ArrayOf(json::object items) {
    return {{"type", "array"}, {"items", std::move(items)}};
}

enum class Presence { kRequired, kOptional };

struct Field {
    std::string_view name;
    json::object schema;
    Presence presence = Presence::kRequired;
};

json::object Object(const std::vector<Field>& fields) {
    json::object properties;
    json::array required;
    for (const Field& field : fields) {
        properties[field.name] = field.schema;
        if (field.presence == Presence::kRequired) required.emplace_back(json::string(field.name));
    }
    json::object schema{{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) schema["required"] = std::move(required);
    return schema;
}

// A request body: an unknown field is 422 validation_failed (unknown_field).
json::object Body(const std::vector<Field>& fields) {
    json::object schema = Object(fields);
    schema["additionalProperties"] = false;
    return schema;
}

json::object Described(json::object schema, std::string_view description) {
    schema["description"] = description;
    return schema;
}

std::vector<Field> PaymentFields() {
    return {{"id", String()},
            {"package_id", String()},
            {"coins", Count()},
            {"amount_cents", Count()},
            {"currency", Enum({domain::kCurrency})},
            {"status", Enum({"pending", "succeeded", "failed"})},
            {"provider", Enum({"stripe"})},
            {"created_at", Time()}};
}

json::object Resources() {
    std::vector<Field> checkout = PaymentFields();
    checkout.push_back(
        {"client_secret", Described(String(), "For Stripe.js to confirm the payment")});
    return {
        {"Party", Object({{"id", String()}, {"name", String()}})},
        {"User", Object({{"id", String()},
                         {"name", String(1, domain::kNameMax)},
                         {"email", json::object{{"type", "string"}, {"format", "email"}}},
                         {"role", Enum({"worker", "buyer", "admin"})},
                         {"coins", Count()},
                         {"photo_url", Nullable(Url())},
                         {"status", Enum({"active", "suspended", "removed"})},
                         {"created_at", Time()}})},
        {"AuthTokens",
         Object({{"user", Ref("User")},
                 {"access_token", Described(String(), "A JWT for Authorization: Bearer")},
                 {"refresh_token", String()},
                 {"token_type", Enum({"Bearer"})},
                 {"expires_in", Described(Count(), "The access token's lifetime in seconds")}})},
        {"Task", Object({{"id", String()},
                         {"title", String(1, domain::kTitleMax)},
                         {"detail", String(1, domain::kDetailMax)},
                         {"buyer", Ref("Party")},
                         {"required_workers", Integer(1, domain::kRequiredWorkersMax)},
                         {"slots_open", Integer(0, domain::kRequiredWorkersMax)},
                         {"payable_amount", Integer(1, domain::kPayableAmountMax)},
                         {"completion_date", Time()},
                         {"submission_info", String(1, domain::kSubmissionInfoMax)},
                         {"image_url", Nullable(Url())},
                         {"status", Enum({"open", "closed", "cancelled"})},
                         {"created_at", Time()},
                         {"updated_at", Time()}})},
        {"TaskCancellation",
         Object({{"task", Ref("Task")},
                 {"refunded_coins", Described(Count(), "Escrow returned to the buyer now")}})},
        {"Submission",
         Object({{"id", String()},
                 {"task", Object({{"id", String()},
                                  {"title", String()},
                                  {"payable_amount", Integer(1, domain::kPayableAmountMax)}})},
                 {"worker", Ref("Party")},
                 {"buyer", Ref("Party")},
                 {"submission_details", String(1, domain::kSubmissionDetailsMax)},
                 {"status", Enum({"pending", "approved", "rejected"})},
                 {"feedback", Nullable(String(0, domain::kFeedbackMax))},
                 {"decided_by", Nullable(Enum({"buyer", "auto"}))},
                 {"submitted_at", Time()},
                 {"decided_at", Nullable(Time())}})},
        {"Wallet", Object({{"coins", Count()},
                           {"held_coins", Count()},
                           {"escrowed_coins", Count()},
                           {"total_earned", Count()},
                           {"total_spent", Integer()}})},
        {"Transaction",
         Object({{"id", Described(String(), "The transfer's id")},
                 {"amount", Described(Integer(), "Signed: negative when coins left the wallet")},
                 {"balance_after", Count()},
                 {"kind", Enum({"signup_bonus", "purchase", "task_escrow", "task_refund",
                                "submission_payment", "withdrawal_hold", "withdrawal_release",
                                "admin_adjustment"})},
                 {"reference", Object({{"type", Nullable(Enum({"user", "task", "submission",
                                                               "payment", "withdrawal"}))},
                                       {"id", Nullable(String())}})},
                 {"created_at", Time()}})},
        {"Package", Object({{"id", String()},
                            {"coins", Count()},
                            {"price_cents", Count()},
                            {"currency", Enum({domain::kCurrency})}})},
        {"PackageList", Object({{"items", ArrayOf(Ref("Package"))}})},
        {"Payment", Object(PaymentFields())},
        {"Checkout", Object(checkout)},
        {"WebhookReceipt",
         Object({{"received", json::object{{"type", "boolean"}, {"const", true}}}})},
        {"Withdrawal", Object({{"id", String()},
                               {"worker", Ref("Party")},
                               {"coins", Count()},
                               {"amount_cents", Count()},
                               {"currency", Enum({domain::kCurrency})},
                               {"payment_system", String()},
                               {"account_number_last4", String(1, 4)},
                               {"status", Enum({"pending", "paid", "rejected", "cancelled"})},
                               {"reason", Nullable(String(1, domain::kWithdrawalReasonMax))},
                               {"requested_at", Time()},
                               {"decided_at", Nullable(Time())}})},
        {"Notification",
         Object({{"id", String()},
                 {"message", String()},
                 {"action_route", Described(Nullable(String()), "Where a client shows it")},
                 {"read", Boolean()},
                 {"created_at", Time()}})},
        {"Report", Object({{"id", String()},
                           {"reporter", Ref("Party")},
                           {"target_type", Enum({"task", "submission"})},
                           {"target_id", String()},
                           {"reason", String(1, domain::kReportReasonMax)},
                           {"status", Enum({"open", "resolved"})},
                           {"resolution", Nullable(String(1, domain::kResolutionMax))},
                           {"created_at", Time()},
                           {"resolved_at", Nullable(Time())}})},
        {"TopWorker", Object({{"id", String()},
                              {"name", String()},
                              {"photo_url", Nullable(Url())},
                              {"coins", Count()}})},
        {"TopWorkerList", Object({{"items", ArrayOf(Ref("TopWorker"))}})},
        {"WorkerStats", Object({{"total_submissions", Count()},
                                {"pending_submissions", Count()},
                                {"approved_submissions", Count()},
                                {"total_earned", Count()}})},
        {"BuyerStats", Object({{"task_count", Count()},
                               {"open_slots", Count()},
                               {"pending_reviews", Count()},
                               {"total_paid", Count()}})},
        {"AdminStats", Object({{"total_workers", Count()},
                               {"total_buyers", Count()},
                               {"coins_in_wallets", Count()},
                               {"coins_in_escrow", Count()},
                               {"coins_held", Count()},
                               {"total_purchased_cents", Count()},
                               {"total_withdrawn_cents", Count()},
                               {"pending_withdrawals", Count()}})},
        {"CoinAdjustment", Object({{"user", Ref("User")}, {"transaction", Ref("Transaction")}})},
        {"LedgerVerification",
         Described(Object({{"balanced", Boolean()},
                           {"accounts", Count()},
                           {"transfers", Count()},
                           {"balance_sum", Integer(), Presence::kOptional},
                           {"mismatched_accounts", Count(), Presence::kOptional},
                           {"negative_accounts", Count(), Presence::kOptional},
                           {"broken_entry_chains", Count(), Presence::kOptional}}),
                   "The four counts of what is wrong appear only when balanced is false.")},
        {"Health", Object({{"status", Enum({"ok", "ready"})}})},
        {"Metrics", Described(String(), "Prometheus text exposition format")},
        {"OpenApi", Described(json::object{{"type", "object"}}, "This document")},
        {"Page",
         Described(Object({{"items", json::object{{"type", "array"}}},
                           {"next_cursor", Described(Nullable(String()),
                                                     "Pass as ?cursor= for the next page; null "
                                                     "on the last one")}}),
                   "One page of a list, in the list's order (keyset pagination).")},
    };
}

json::object Requests() {
    const json::object text_feedback = Text(domain::kFeedbackMax);
    return {
        {"RegisterRequest", Body({{"name", Text(domain::kNameMax)},
                                  {"email", json::object{{"type", "string"},
                                                         {"format", "email"},
                                                         {"minLength", 1},
                                                         {"maxLength", domain::kEmailMax}}},
                                  {"password", String(domain::kPasswordMin, domain::kPasswordMax)},
                                  {"role", Enum({"worker", "buyer"})},
                                  {"photo_url", Nullable(Url()), Presence::kOptional}})},
        {"LoginRequest", Body({{"email", String(1, 1024)}, {"password", String(1, 1024)}})},
        {"RefreshTokenRequest", Body({{"refresh_token", String(1, 512)}})},
        {"ProfileUpdate", Body({{"name", Text(domain::kNameMax), Presence::kOptional},
                                {"photo_url", Nullable(Url()), Presence::kOptional}})},
        {"TaskCreate",
         Body({{"title", Text(domain::kTitleMax)},
               {"detail", Text(domain::kDetailMax)},
               {"required_workers", Integer(1, domain::kRequiredWorkersMax)},
               {"payable_amount", Integer(1, domain::kPayableAmountMax)},
               {"completion_date",
                Described(String(1, 64),
                          "RFC 3339 date-time, or a date meaning the end of that UTC day; in the "
                          "future and within 365 days")},
               {"submission_info", Text(domain::kSubmissionInfoMax)},
               {"image_url", Nullable(Url()), Presence::kOptional}})},
        {"TaskUpdate",
         Described(
             Body({{"title", Text(domain::kTitleMax), Presence::kOptional},
                   {"detail", Text(domain::kDetailMax), Presence::kOptional},
                   {"submission_info", Text(domain::kSubmissionInfoMax), Presence::kOptional},
                   {"image_url", Nullable(Url()), Presence::kOptional},
                   {"completion_date",
                    Described(String(1, 64),
                              "As at creation; may only move later, within 365 days of now"),
                    Presence::kOptional}}),
             "required_workers and payable_amount are fixed at creation (422 not_patchable).")},
        {"SubmissionCreate", Body({{"submission_details", Text(domain::kSubmissionDetailsMax)}})},
        {"ApproveRequest", Body({{"feedback",
                                  Described(Nullable(String(0, domain::kFeedbackMax)),
                                            "Trimmed; a blank one is stored as null"),
                                  Presence::kOptional}})},
        {"RejectRequest", Body({{"feedback", text_feedback}})},
        {"CheckoutRequest",
         Body({{"package_id", Described(String(1, 100), "An id from GET /payments/packages")}})},
        {"StripeEvent",
         Described(Object({{"id", String(1, 255)},
                           {"type", String(1, 255)},
                           {"data", json::object{{"type", "object"}}, Presence::kOptional}}),
                   "A Stripe event, verified against Stripe-Signature over the raw body. "
                   "payment_intent.succeeded and payment_intent.payment_failed of our "
                   "PaymentIntents change a payment; any other event is acknowledged.")},
        {"WithdrawalRequest",
         Body(
             {{"coins", Described(json::object{{"type", "integer"},
                                               {"maximum", domain::kWithdrawalCoinsMax}},
                                  "At least the configured minimum (default 200), else 422 "
                                  "withdrawal_below_minimum")},
              {"payment_system",
               Described(String(1, 64),
                         "One of the configured systems (default stripe, paypal, bkash, rocket, "
                         "nagad)")},
              {"account_number",
               Described(
                   [] {
                       json::object schema =
                           String(domain::kAccountNumberMin, domain::kAccountNumberMax);
                       schema["pattern"] = "^[A-Za-z0-9@._+-]+$";
                       return schema;
                   }(),
                   "Only its last four characters are kept, and shown as account_number_last4")}})},
        {"WithdrawalReject", Body({{"reason", Text(domain::kWithdrawalReasonMax)}})},
        {"EmptyBody", Described(Body({}), "No fields; the body may also be left out")},
        {"UserUpdate", Body({{"role", Enum({"worker", "buyer", "admin"}), Presence::kOptional},
                             {"status", Enum({"active", "suspended"}), Presence::kOptional}})},
        {"CoinAdjustmentRequest",
         Body({{"amount",
                Described(
                    [] {
                        json::object schema =
                            Integer(-domain::kAdjustmentMax, domain::kAdjustmentMax);
                        schema["not"] = json::object{{"const", 0}};
                        return schema;
                    }(),
                    "Signed coins: positive credits the wallet from mint, negative debits it")},
               {"reason", Text(domain::kAdjustmentReasonMax)}})},
        {"ReportCreate", Body({{"target_type", Enum({"task", "submission"})},
                               {"target_id", String(1, 64)},
                               {"reason", Text(domain::kReportReasonMax)}})},
        {"ReportResolve", Body({{"resolution", Text(domain::kResolutionMax)}})},
    };
}

json::object Problem() {
    return Described(
        Object({{"type", Described(String(), "/problems/<code>")},
                {"title", String()},
                {"status", Integer(400, 599)},
                {"code", String()},
                {"detail", String(), Presence::kOptional},
                {"request_id", Described(String(), "The X-Request-Id of the response")},
                {"errors",
                 Described(ArrayOf(Object(
                               {{"field", String()}, {"code", String()}, {"message", String()}})),
                           "Every invalid field at once (validation_failed)"),
                 Presence::kOptional}}),
        "A problem (RFC 9457), application/problem+json");
}

json::object Parameter(std::string_view name, std::string_view in, json::object schema,
                       std::string_view description) {
    json::object parameter{{"name", name}, {"in", in}, {"schema", std::move(schema)}};
    if (in == "path") parameter["required"] = true;
    if (!description.empty()) parameter["description"] = description;
    return parameter;
}

json::object WithDefault(json::object schema, json::value value) {
    schema["default"] = std::move(value);
    return schema;
}

}  // namespace

json::object OpenApiSchemas() {
    json::object schemas = Resources();
    for (auto& entry : Requests()) schemas[entry.key()] = std::move(entry.value());
    schemas["Problem"] = Problem();
    return schemas;
}

json::object OpenApiParameters() {
    json::object header_key = String(1, 255);
    header_key["pattern"] = "^[\\x20-\\x7E]+$";
    json::object idempotency_key =
        Parameter("Idempotency-Key", "header", std::move(header_key),
                  "The same key, method, path and body within 24 h replays the first response "
                  "(Idempotent-Replayed: true)");
    json::object stripe_signature =
        Parameter("Stripe-Signature", "header", String(), "t=<unix seconds>,v1=<HMAC-SHA256>");
    stripe_signature["required"] = true;
    return {
        {"limit", Parameter("limit", "query",
                            WithDefault(Integer(1, kListLimitMax), kListLimitDefault), "")},
        {"cursor", Parameter("cursor", "query", String(),
                             "The next_cursor of the previous page; only this list's cursors")},
        {"sort",
         Parameter("sort", "query", WithDefault(Enum({"newest", "pay", "deadline"}), "newest"),
                   "newest: created_at, newest first; pay: payable_amount, highest "
                   "first; deadline: completion_date, soonest first; ties by id")},
        {"min_pay", Parameter("min_pay", "query", Count(), "Only tasks paying at least this much")},
        {"task_query", Parameter("q", "query", String(0, domain::kSearchQueryMax),
                                 "Words of the title or the detail")},
        {"task_status", Parameter("status", "query", Enum({"open", "closed", "cancelled"}), "")},
        {"submission_status",
         Parameter("status", "query", Enum({"pending", "approved", "rejected"}), "")},
        {"task_id", Parameter("task_id", "query", String(), "Only submissions to this task")},
        {"payment_status",
         Parameter("status", "query", Enum({"pending", "succeeded", "failed"}), "")},
        {"withdrawal_status",
         Parameter("status", "query", Enum({"pending", "paid", "rejected", "cancelled"}), "")},
        {"unread", Parameter("unread", "query", WithDefault(Boolean(), false),
                             "true: only unread notifications")},
        {"user_role", Parameter("role", "query", Enum({"worker", "buyer", "admin"}), "")},
        {"account_status",
         Parameter("status", "query", Enum({"active", "suspended", "removed"}), "")},
        {"user_query", Parameter("q", "query", String(0, kUserQueryMax),
                                 "Part of the name or the email, case-insensitive")},
        {"report_status", Parameter("status", "query", Enum({"open", "resolved"}), "")},
        {"top_limit", Parameter("limit", "query",
                                WithDefault(Integer(1, kListLimitMax), kTopWorkersDefault), "")},
        {"Idempotency-Key", std::move(idempotency_key)},
        {"Last-Event-ID",
         Parameter("Last-Event-ID", "header", String(),
                   "The id of the last event received: the notifications after it are sent "
                   "first")},
        {"Stripe-Signature", std::move(stripe_signature)},
    };
}

}  // namespace nanotasks::api
