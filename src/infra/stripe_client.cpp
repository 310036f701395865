#include "infra/stripe_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <utility>

namespace nanotasks::infra {
namespace {

using core::Error;
using core::ErrorCode;

// A PaymentIntent is about 2 KiB; anything far larger is not an answer we can use.
constexpr std::size_t kMaxResponseBytes = 1 << 20;
constexpr std::size_t kMaxLoggedErrorChars = 200;
// An attempt with less time than this left before the call's deadline is not started: it could
// hardly get an answer.
constexpr std::chrono::milliseconds kMinAttemptTime{1000};

// libcurl's global state is set up once per process, before any thread uses a handle.
void InitCurlOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw std::runtime_error("libcurl could not be initialised");
        }
    });
}

// application/x-www-form-urlencoded: every byte outside the unreserved set is percent-encoded.
std::string FormEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                                (byte >= '0' && byte <= '9') || byte == '-' || byte == '_' ||
                                byte == '.' || byte == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0x0F];
        }
    }
    return out;
}

std::string FormBody(const PaymentIntentRequest& request) {
    const std::pair<std::string_view, std::string> fields[] = {
        {"amount", std::to_string(request.amount_cents)},
        {"currency", request.currency},
        {"metadata[payment_id]", request.payment_id},
        {"automatic_payment_methods[enabled]", "true"},
    };
    std::string body;
    for (const auto& [name, value] : fields) {
        if (!body.empty()) body += '&';
        body += FormEncode(name);
        body += '=';
        body += FormEncode(value);
    }
    return body;
}

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    const std::size_t bytes = size * count;
    // Returning fewer bytes than offered makes curl abort the transfer (CURLE_WRITE_ERROR).
    if (body->size() + bytes > kMaxResponseBytes) return 0;
    body->append(data, bytes);
    return bytes;
}

struct CurlHandleDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct HeaderListDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Attempt {
    CURLcode code = CURLE_OK;
    long status = 0;
    std::string body;
};

Error Unavailable(std::string detail) {
    return Error::Of(ErrorCode::kPaymentsUnavailable, std::move(detail));
}

// Stripe's own error message, shortened, for the log: {"error": {"type": ..., "message": ...}}.
std::string StripeErrorSummary(const std::string& body) {
    boost::json::error_code ec;
    const boost::json::value value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) return "no error body";
    const auto* error = value.as_object().if_contains("error");
    if (error == nullptr || !error->is_object()) return "no error body";
    std::string summary;
    for (const char* field : {"type", "code", "message"}) {
        const auto* text = error->as_object().if_contains(field);
        if (text != nullptr && text->is_string()) {
            if (!summary.empty()) summary += ": ";
            summary += std::string(text->as_string());
        }
    }
    if (summary.size() > kMaxLoggedErrorChars) summary.resize(kMaxLoggedErrorChars);
    return summary;
}

core::Result<PaymentIntent> ParseIntent(const std::string& body) {
    boost::json::error_code ec;
    const boost::json::value value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) return Unavailable("stripe: the answer is not a JSON object");
    const auto* id = value.as_object().if_contains("id");
    const auto* secret = value.as_object().if_contains("client_secret");
    if (id == nullptr || !id->is_string() || id->as_string().empty() || secret == nullptr ||
        !secret->is_string() || secret->as_string().empty()) {
        return Unavailable("stripe: the answer has no id or client_secret");
    }
    return PaymentIntent{.id = std::string(id->as_string()),
                         .client_secret = std::string(secret->as_string())};
}

}  // namespace

StripeClient::StripeClient(Options options) : options_(std::move(options)) {
    InitCurlOnce();
    while (!options_.api_base.empty() && options_.api_base.back() == '/') {
        options_.api_base.pop_back();
    }
    if (options_.max_attempts < 1) options_.max_attempts = 1;
}

core::Result<PaymentIntent> StripeClient::CreatePaymentIntent(
    const PaymentIntentRequest& request) const {
    const std::string url = options_.api_base + "/v1/payment_intents";
    const std::string form = FormBody(request);
    curl_slist* header_list = nullptr;
    for (const std::string& header :
         {"Authorization: Bearer " + options_.secret_key, "Idempotency-Key: " + request.payment_id,
          std::string("Content-Type: application/x-www-form-urlencoded"),
          std::string("Accept: application/json"), std::string("Expect:")}) {
        curl_slist* extended = curl_slist_append(header_list, header.c_str());
        if (extended == nullptr) {
            curl_slist_free_all(header_list);
            throw std::bad_alloc();
        }
        header_list = extended;
    }
    const std::unique_ptr<curl_slist, HeaderListDeleter> headers(header_list);

    using Clock = std::chrono::steady_clock;
    const Clock::time_point deadline = Clock::now() + options_.call_timeout;
    std::string last_failure;
    auto backoff = options_.first_backoff;
    for (int attempt_number = 1; attempt_number <= options_.max_attempts; ++attempt_number) {
        if (attempt_number > 1) {
            if (Clock::now() + backoff + kMinAttemptTime > deadline) {
                last_failure += "; no time left for another attempt";
                break;
            }
            std::this_thread::sleep_for(backoff);
            backoff *= 2;
        }
        const auto time_left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        const auto attempt_timeout =
            std::max(std::chrono::milliseconds(1), std::min(options_.attempt_timeout, time_left));
        std::unique_ptr<CURL, CurlHandleDeleter> curl(curl_easy_init());
        if (!curl) throw std::runtime_error("libcurl could not create a handle");
        Attempt attempt;
        CURL* handle = curl.get();
        curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
        curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // safe in a multithreaded process
        curl_easy_setopt(handle, CURLOPT_POST, 1L);
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, form.c_str());
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(form.size()));
        curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(handle, CURLOPT_USERAGENT, "nanotasks");
        curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options_.connect_timeout.count()));
        curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(attempt_timeout.count()));
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &AppendBody);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &attempt.body);
        attempt.code = curl_easy_perform(handle);
        if (attempt.code != CURLE_OK) {
            // Connection refused, DNS, TLS, timeouts: the request may or may not have reached
            // Stripe, which the Idempotency-Key makes harmless to retry.
            last_failure = std::string("stripe: ") + curl_easy_strerror(attempt.code);
            continue;
        }
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &attempt.status);
        if (attempt.status >= 200 && attempt.status < 300) return ParseIntent(attempt.body);
        last_failure = "stripe: payment_intents answered " + std::to_string(attempt.status) + " (" +
                       StripeErrorSummary(attempt.body) + ")";
        const bool retryable = attempt.status == 429 || attempt.status >= 500;
        if (!retryable) break;
    }
    return Unavailable(std::move(last_failure));
}

}  // namespace nanotasks::infra
