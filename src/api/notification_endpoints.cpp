#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <memory>
#include <optional>
#include <string>

#include "api/error_map.hpp"
#include "api/json_support.hpp"
#include "api/marketplace_request.hpp"
#include "api/marketplace_views.hpp"
#include "api/routes.hpp"
#include "app/notification_hub.hpp"
#include "app/notification_service.hpp"
#include "infra/id_generator.hpp"

namespace nanotasks::api {
namespace {

using core::Error;

constexpr std::string_view kNotificationsList = "notifications";

http::Response NotificationsEndpoint(Services& services, Context& context) {
    const http::Request& request = context.request;
    std::vector<core::FieldError> errors;
    bool unread_only = false;
    if (const auto unread = request.QueryParam("unread")) {
        if (*unread == "true") {
            unread_only = true;
        } else if (*unread != "false") {
            errors.push_back({"unread", "invalid", "must be true or false"});
        }
    }
    auto page_request = ReadPage(request, services.cursors, kNotificationsList);
    if (!page_request) {
        for (const auto& error : page_request.error().errors) errors.push_back(error);
    }
    if (!errors.empty()) {
        return ErrorResponse(Error::Validation(std::move(errors)), request.request_id);
    }
    auto page = services.notifications.List(context.Caller(), unread_only,
                                            page_request->cursor_payload, page_request->limit);
    if (!page) return ErrorResponse(page.error(), request.request_id);
    boost::json::array items;
    items.reserve(page->items.size());
    for (const auto& notification : page->items) items.push_back(NotificationView(notification));
    const auto cursor = NextCursor(services.cursors, kNotificationsList, page->has_more,
                                   page->items.empty() ? "" : page->items.back().id);
    return JsonResponse(200, PageView(std::move(items), cursor));
}

// A hub subscription as the body of a response: each notification becomes one event whose data
// is the same object as an item of GET /notifications.
class NotificationEventStream final : public http::EventStream {
  public:
    explicit NotificationEventStream(std::shared_ptr<app::NotificationSubscription> subscription)
        : subscription_(std::move(subscription)) {}

    void SetWakeup(std::function<void()> wake) override {
        subscription_->SetWakeup(std::move(wake));
    }

    std::optional<std::string> Drain() override {
        auto notifications = subscription_->Take();
        if (!notifications) return std::nullopt;
        std::string events;
        for (const auto& notification : *notifications) {
            // Our ids have no line breaks and the serializer writes none: one line each.
            events += "id: " + notification.id + "\nevent: notification\ndata: " +
                      boost::json::serialize(NotificationView(notification)) + "\n\n";
        }
        return events;
    }

    void Close() override { subscription_->Close(); }

  private:
    std::shared_ptr<app::NotificationSubscription> subscription_;
};

http::Response StreamEndpoint(Services& services, Context& context) {
    const http::Request& request = context.request;
    std::optional<std::string> last_event_id;
    // EventSource sends back the id of the last event it received when it reconnects; an empty
    // one means none.
    if (const auto header = request.Header("last-event-id"); header && !header->empty()) {
        if (!infra::IsValidId(*header)) {
            return ErrorResponse(
                Error::Validation({{"Last-Event-ID", "invalid", "must be a notification id"}}),
                request.request_id);
        }
        last_event_id = std::string(*header);
    }
    http::Response response;
    response.content_type = "text/event-stream";
    response.stream = std::make_shared<NotificationEventStream>(
        services.notification_hub.Subscribe(context.Caller().id, last_event_id));
    return response;
}

http::Response MarkReadEndpoint(Services& services, Context& context) {
    const auto id = PathId(context);
    if (!id) return ErrorResponse(NotFound("notification"), context.request.request_id);
    auto done = services.notifications.MarkRead(context.Caller(), *id);
    if (!done) return ErrorResponse(done.error(), context.request.request_id);
    return NoContent();
}

http::Response MarkAllReadEndpoint(Services& services, Context& context) {
    auto done = services.notifications.MarkAllRead(context.Caller());
    if (!done) return ErrorResponse(done.error(), context.request.request_id);
    return NoContent();
}

}  // namespace

std::vector<RouteSpec> NotificationRoutes(Services& services) {
    using http::Method;
    auto bind = [&services](http::Response (*fn)(Services&, Context&)) {
        return [fn, &services](Context& context) { return fn(services, context); };
    };
    return {
        {.method = Method::kGet,
         .path = "/api/v1/notifications",
         .policy = Policy::AnyRole(),
         .endpoint = bind(NotificationsEndpoint),
         .summary = "The caller's notifications (?unread=true), newest first",
         .response_schema = "Notification",
         .paged = true,
         .parameters = {"unread"}},
        {.method = Method::kGet,
         .path = "/api/v1/notifications/stream",
         .policy = Policy::AnyRole(),
         .endpoint = bind(StreamEndpoint),
         .summary =
             "The caller's new notifications as Server-Sent Events (event: notification, data: "
             "the list's item); Last-Event-ID replays those after it; \": ping\" comments keep "
             "it alive",
         .event_stream = true,
         .response_schema = "Notification",
         .errors = {core::ErrorCode::kValidationFailed}},
        {.method = Method::kPost,
         .path = "/api/v1/notifications/{id}/read",
         .policy = Policy::AnyRole(),
         .endpoint = bind(MarkReadEndpoint),
         .summary = "Mark one of the caller's notifications read",
         .success_status = 204},
        {.method = Method::kPost,
         .path = "/api/v1/notifications/read-all",
         .policy = Policy::AnyRole(),
         .endpoint = bind(MarkAllReadEndpoint),
         .summary = "Mark all of the caller's notifications read",
         .success_status = 204},
    };
}

}  // namespace nanotasks::api
