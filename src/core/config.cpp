#include "core/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include "core/text.hpp"

namespace nanotasks::core {
namespace {

std::string Trim(std::string_view text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    const auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

std::vector<std::string> SplitList(std::string_view text) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const auto end = comma == std::string_view::npos ? text.size() : comma;
        std::string item = Trim(text.substr(start, end - start));
        if (!item.empty()) items.push_back(std::move(item));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return items;
}

// Every comma-separated item, trimmed, empty ones included ("a,,b" has three).
std::vector<std::string> SplitListKeepingEmpty(std::string_view text) {
    std::vector<std::string> items;
    std::size_t start = 0;
    for (;;) {
        const auto comma = text.find(',', start);
        const auto end = comma == std::string_view::npos ? text.size() : comma;
        items.push_back(Trim(text.substr(start, end - start)));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return items;
}

[[noreturn]] void Fail(std::string_view variable, std::string_view value, std::string_view why) {
    throw ConfigError{std::string(variable) + "=" + std::string(value) + ": " + std::string(why)};
}

std::int64_t ParseInteger(std::string_view variable, std::string_view value, std::int64_t min,
                          std::int64_t max) {
    std::int64_t parsed = 0;
    const auto result = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (value.empty() || result.ec != std::errc{} || result.ptr != value.data() + value.size()) {
        Fail(variable, value, "not an integer");
    }
    if (parsed < min || parsed > max) {
        Fail(variable, value,
             "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return parsed;
}

int ParseInt(std::string_view variable, std::string_view value, int min, int max) {
    return static_cast<int>(ParseInteger(variable, value, min, max));
}

bool IsValidDatabaseUrlShape(std::string_view url) {
    if (url.starts_with("sqlite:")) return url.size() > 7;
    for (std::string_view scheme : {"postgresql://", "postgres://"}) {
        if (url.starts_with(scheme)) {
            const auto rest = url.substr(scheme.size());
            if (rest.empty()) return false;
            for (char c : rest) {
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return false;
            }
            return true;
        }
    }
    return false;
}

// What the server can listen on without asking a resolver: an IPv4 or IPv6 literal, or
// localhost. A misspelt name ("localhostx") is refused here, before the database is touched,
// rather than when the listener fails after migrating.
bool IsListenableHost(const std::string& host) {
    if (host == "localhost") return true;
    in_addr v4{};
    in6_addr v6{};
    return inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
           inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

bool IsDigits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A serialized origin as browsers send it in Origin: scheme "://" host [":" port], lower case,
// no path, no trailing slash. An entry of another shape could never match a request.
bool IsOrigin(std::string_view origin) {
    const auto separator = origin.find("://");
    if (separator == std::string_view::npos || separator == 0) return false;
    const std::string_view scheme = origin.substr(0, separator);
    if (!(scheme.front() >= 'a' && scheme.front() <= 'z') ||
        !std::all_of(scheme.begin(), scheme.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
                   c == '.';
        })) {
        return false;
    }
    std::string_view authority = origin.substr(separator + 3);
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return false;
        host = authority.substr(1, close - 1);
        const std::string_view rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return false;
            port = rest.substr(1);
            if (port.empty()) return false;
        }
        in6_addr v6{};
        if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) return false;
    } else {
        if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
            if (port.empty()) return false;
        }
        if (host.empty() || host.front() == '.' || host.back() == '.' || host.front() == '-' ||
            host.find("..") != std::string_view::npos ||
            !std::all_of(host.begin(), host.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
            })) {
            return false;
        }
    }
    if (!port.empty()) {
        if (!IsDigits(port) || port.size() > 5) return false;
        const int number = std::stoi(std::string(port));
        if (number < 1 || number > 65535) return false;
    }
    return true;
}

std::vector<std::string> ParseCorsOrigins(std::string_view variable, std::string_view value) {
    std::vector<std::string> origins = SplitList(value);
    for (const auto& origin : origins) {
        if (origin != "*" && !IsOrigin(origin)) {
            Fail(variable, value,
                 "'" + origin + "' is not an origin (scheme://host[:port] in lower case, or *)");
        }
    }
    return origins;
}

// Stripe refuses to charge less than this (USD).
constexpr std::int64_t kStripeMinimumChargeCents = 50;

// Coin packages as "id:coins:price_cents,...".
std::vector<CoinPackage> ParsePackages(std::string_view variable, std::string_view value) {
    std::vector<CoinPackage> packages;
    for (const auto& item : SplitList(value)) {
        const auto first = item.find(':');
        const auto second = item.find(':', first == std::string::npos ? first : first + 1);
        if (first == std::string::npos || second == std::string::npos || first == 0) {
            Fail(variable, value, "expected id:coins:price_cents entries");
        }
        packages.push_back(CoinPackage{
            .id = item.substr(0, first),
            .coins =
                ParseInteger(variable, std::string_view(item).substr(first + 1, second - first - 1),
                             1, 100'000'000),
            .price_cents =
                ParseInteger(variable, std::string_view(item).substr(second + 1), 1, 100'000'000)});
    }
    if (packages.empty()) Fail(variable, value, "no packages");
    std::set<std::string> ids;
    for (const auto& package : packages) {
        if (!ids.insert(package.id).second) {
            Fail(variable, value, "package id '" + package.id + "' appears twice");
        }
        if (package.price_cents < kStripeMinimumChargeCents) {
            Fail(variable, value,
                 "package '" + package.id + "' costs less than " +
                     std::to_string(kStripeMinimumChargeCents) + " cents, Stripe's minimum charge");
        }
    }
    return packages;
}

// Withdrawal payment systems: names, none empty, none twice (case aside).
std::vector<std::string> ParsePaymentSystems(std::string_view variable, std::string_view value) {
    std::vector<std::string> systems = SplitListKeepingEmpty(value);
    std::set<std::string> seen;
    for (const auto& system : systems) {
        if (system.empty()) Fail(variable, value, "empty payment system name");
        if (!seen.insert(AsciiLower(system)).second) {
            Fail(variable, value, "payment system '" + system + "' appears twice");
        }
    }
    return systems;
}

}  // namespace

const std::vector<ConfigOption>& ConfigOptions() {
    static const std::vector<ConfigOption> options = {
        {"--database-url", "NANOTASKS_DATABASE_URL",
         "sqlite:PATH or postgresql://... (default sqlite:nanotasks.db)"},
        {"--host", "NANOTASKS_HOST",
         "IPv4 or IPv6 address, or localhost, to listen on (default 127.0.0.1)"},
        {"--port", "NANOTASKS_PORT", "port to listen on, 1..65535 (default 8080)"},
        {"--threads", "NANOTASKS_THREADS", "I/O threads (default: the number of cores)"},
        {"--workers", "NANOTASKS_WORKERS",
         "worker threads for database work (default 4 x cores, at least 8)"},
        {"--worker-queue-max", "NANOTASKS_WORKER_QUEUE_MAX",
         "queued requests before 503 (default 1024)"},
        {"--db-pool-size", "NANOTASKS_DB_POOL_SIZE", "database connections (default: workers)"},
        {"--sqlite-synchronous", "NANOTASKS_SQLITE_SYNCHRONOUS", "full or normal (default full)"},
        {"--jwt-secret", "NANOTASKS_JWT_SECRET",
         "HMAC key, at least 32 bytes (default: generated and kept in the database)"},
        {"--access-token-ttl", "NANOTASKS_ACCESS_TOKEN_TTL",
         "access token lifetime in seconds (default 900)"},
        {"--refresh-token-ttl", "NANOTASKS_REFRESH_TOKEN_TTL",
         "refresh token lifetime in seconds (default 2592000)"},
        {"--admin-email", "NANOTASKS_ADMIN_EMAIL",
         "with --admin-password: this admin exists after start"},
        {"--admin-password", "NANOTASKS_ADMIN_PASSWORD", "see --admin-email"},
        {"--auto-approve-after", "NANOTASKS_AUTO_APPROVE_AFTER",
         "seconds before a pending submission is approved (default 259200)"},
        {"--job-interval", "NANOTASKS_JOB_INTERVAL",
         "seconds between background job runs (default 10)"},
        {"--login-max-failures", "NANOTASKS_LOGIN_MAX_FAILURES",
         "failed logins a minute per address and per email (default 10)"},
        {"--cors-origins", "NANOTASKS_CORS_ORIGINS",
         "comma-separated allowed origins, scheme://host[:port] or * (default none)"},
        {"--max-body-bytes", "NANOTASKS_MAX_BODY_BYTES", "request body limit (default 65536)"},
        {"--max-header-bytes", "NANOTASKS_MAX_HEADER_BYTES",
         "request header limit (default 16384)"},
        {"--read-timeout", "NANOTASKS_READ_TIMEOUT",
         "seconds a request may take to arrive (default 10)"},
        {"--idle-timeout", "NANOTASKS_IDLE_TIMEOUT",
         "seconds an idle keep-alive connection stays open (default 60)"},
        {"--shutdown-grace", "NANOTASKS_SHUTDOWN_GRACE",
         "seconds in-flight requests may take at shutdown (default 10)"},
        {"--max-connections", "NANOTASKS_MAX_CONNECTIONS",
         "open connections at most (default 10000)"},
        {"--max-streams", "NANOTASKS_MAX_STREAMS",
         "open notification streams at most (default 1000)"},
        {"--sse-heartbeat", "NANOTASKS_SSE_HEARTBEAT",
         "seconds of silence before a stream sends a heartbeat comment (default 15)"},
        {"--log-format", "NANOTASKS_LOG_FORMAT", "text or json (default text)"},
        {"--password-memory-kib", "NANOTASKS_PASSWORD_MEMORY_KIB",
         "Argon2id memory in KiB (default 19456)"},
        {"--password-passes", "NANOTASKS_PASSWORD_PASSES", "Argon2id passes (default 2)"},
        {"--worker-signup-bonus", "NANOTASKS_WORKER_SIGNUP_BONUS",
         "coins for a new worker (default 10)"},
        {"--buyer-signup-bonus", "NANOTASKS_BUYER_SIGNUP_BONUS",
         "coins for a new buyer (default 50)"},
        {"--coin-packages", "NANOTASKS_COIN_PACKAGES",
         "id:coins:price_cents,... with unique ids, each at least 50 cents (default the four "
         "of the contract)"},
        {"--withdrawal-minimum", "NANOTASKS_WITHDRAWAL_MINIMUM",
         "fewest coins a withdrawal may ask for (default 200)"},
        {"--withdrawal-cents-per-coin", "NANOTASKS_WITHDRAWAL_CENTS_PER_COIN",
         "payout per coin in cents (default 5)"},
        {"--payment-systems", "NANOTASKS_PAYMENT_SYSTEMS",
         "comma-separated withdrawal payment systems"},
        {"--stripe-secret-key", "STRIPE_SECRET_KEY",
         "Stripe API key (default unset: payments unavailable)"},
        {"--stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET", "Stripe webhook signing secret"},
        {"--stripe-api-base", "STRIPE_API_BASE",
         "Stripe API base URL (default https://api.stripe.com)"},
    };
    return options;
}

CommandLine ParseCommandLine(const std::vector<std::string>& args) {
    static const std::vector<std::string_view> kCommands = {"serve", "migrate", "create-admin",
                                                            "seed"};
    static const std::vector<std::string_view> kArguments = {"--email", "--users", "--tasks",
                                                             "--submissions", "--seed"};
    CommandLine line;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h") {
            line.help = true;
            continue;
        }
        if (arg == "--version") {
            line.version = true;
            continue;
        }
        if (!arg.starts_with("-")) {
            bool known = false;
            for (auto command : kCommands) known = known || arg == command;
            if (!known || !line.command.empty()) {
                throw ConfigError{"unknown command: " + arg + " (see --help)"};
            }
            line.command = arg;
            continue;
        }
        std::string name = arg;
        std::optional<std::string> value;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        const ConfigOption* option = nullptr;
        for (const auto& candidate : ConfigOptions()) {
            if (candidate.flag == name) option = &candidate;
        }
        bool is_argument = false;
        for (auto argument : kArguments) is_argument = is_argument || argument == name;
        if (option == nullptr && !is_argument) {
            throw ConfigError{"unknown flag: " + name + " (see --help)"};
        }
        if (!value) {
            if (i + 1 >= args.size()) throw ConfigError{name + ": missing value"};
            value = args[++i];
        }
        if (option != nullptr) {
            line.settings[std::string(option->variable)] = *value;
        } else {
            line.arguments[name] = *value;
        }
    }
    return line;
}

std::map<std::string, std::string> ParseDotEnv(std::string_view text) {
    std::map<std::string, std::string> values;
    std::size_t start = 0;
    int line_number = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string line = Trim(text.substr(start, end - start));
        start = end + 1;
        ++line_number;
        if (line.empty() || line[0] == '#') continue;
        if (line.starts_with("export ")) line = Trim(std::string_view(line).substr(7));
        const auto eq = line.find('=');
        std::string key =
            eq == std::string::npos ? std::string() : Trim(std::string_view(line).substr(0, eq));
        // A line that sets nothing is a mistake (a lost '=', a value broken over two lines); its
        // text is not repeated, since it may be half of a secret.
        if (key.empty() || !std::all_of(key.begin(), key.end(), [](char c) {
                return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '_';
            })) {
            throw ConfigError{".env line " + std::to_string(line_number) +
                              ": expected KEY=VALUE, a # comment or a blank line"};
        }
        std::string value = Trim(std::string_view(line).substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        } else if (const auto hash = value.find(" #"); hash != std::string::npos) {
            value = Trim(std::string_view(value).substr(0, hash));
        }
        values[key] = value;
    }
    return values;
}

Config LoadConfig(const std::map<std::string, std::string>& flags,
                  const std::map<std::string, std::string>& environment,
                  const std::map<std::string, std::string>& dotenv) {
    auto lookup = [&](std::string_view variable) -> std::optional<std::string> {
        const std::string key(variable);
        for (const auto* source : {&flags, &environment, &dotenv}) {
            if (const auto it = source->find(key); it != source->end()) return it->second;
        }
        return std::nullopt;
    };
    Config config;
    constexpr int kIntMax = std::numeric_limits<int>::max();
    if (auto v = lookup("NANOTASKS_DATABASE_URL")) {
        if (!IsValidDatabaseUrlShape(*v)) {
            // The value may hold a password, so it is not repeated.
            throw ConfigError{"NANOTASKS_DATABASE_URL: expected sqlite:PATH or postgresql://..."};
        }
        config.database_url = *v;
    }
    if (auto v = lookup("NANOTASKS_HOST")) {
        if (!IsListenableHost(*v)) {
            Fail("NANOTASKS_HOST", *v, "expected an IPv4 or IPv6 address, or localhost");
        }
        config.host = *v;
    }
    if (auto v = lookup("NANOTASKS_PORT")) config.port = ParseInt("NANOTASKS_PORT", *v, 1, 65535);
    if (auto v = lookup("NANOTASKS_THREADS"))
        config.io_threads = ParseInt("NANOTASKS_THREADS", *v, 1, 256);
    if (auto v = lookup("NANOTASKS_WORKERS"))
        config.worker_threads = ParseInt("NANOTASKS_WORKERS", *v, 1, 1024);
    if (auto v = lookup("NANOTASKS_WORKER_QUEUE_MAX")) {
        config.worker_queue_max = ParseInt("NANOTASKS_WORKER_QUEUE_MAX", *v, 0, 1'000'000);
    }
    if (auto v = lookup("NANOTASKS_DB_POOL_SIZE"))
        config.db_pool_size = ParseInt("NANOTASKS_DB_POOL_SIZE", *v, 1, 1024);
    if (auto v = lookup("NANOTASKS_SQLITE_SYNCHRONOUS")) {
        if (*v != "full" && *v != "normal")
            Fail("NANOTASKS_SQLITE_SYNCHRONOUS", *v, "expected full or normal");
        config.sqlite_synchronous_full = *v == "full";
    }
    if (auto v = lookup("NANOTASKS_JWT_SECRET")) {
        if (v->size() < 32) Fail("NANOTASKS_JWT_SECRET", "(hidden)", "must be at least 32 bytes");
        config.jwt_secret = *v;
    }
    if (auto v = lookup("NANOTASKS_ACCESS_TOKEN_TTL")) {
        config.access_token_ttl_seconds = ParseInt("NANOTASKS_ACCESS_TOKEN_TTL", *v, 1, 86400 * 7);
    }
    if (auto v = lookup("NANOTASKS_REFRESH_TOKEN_TTL")) {
        config.refresh_token_ttl_seconds = ParseInt("NANOTASKS_REFRESH_TOKEN_TTL", *v, 60, kIntMax);
    }
    config.admin_email = lookup("NANOTASKS_ADMIN_EMAIL");
    config.admin_password = lookup("NANOTASKS_ADMIN_PASSWORD");
    if (config.admin_password &&
        (config.admin_password->size() < 8 || config.admin_password->size() > 128)) {
        Fail("NANOTASKS_ADMIN_PASSWORD", "(hidden)", "must be 8..128 characters");
    }
    if (auto v = lookup("NANOTASKS_AUTO_APPROVE_AFTER")) {
        config.auto_approve_after_seconds =
            ParseInteger("NANOTASKS_AUTO_APPROVE_AFTER", *v, 1, 365LL * 86400);
    }
    if (auto v = lookup("NANOTASKS_JOB_INTERVAL")) {
        config.job_interval_seconds = ParseInt("NANOTASKS_JOB_INTERVAL", *v, 1, 86400);
    }
    if (auto v = lookup("NANOTASKS_LOGIN_MAX_FAILURES")) {
        config.login_max_failures = ParseInt("NANOTASKS_LOGIN_MAX_FAILURES", *v, 1, 1'000'000);
    }
    if (auto v = lookup("NANOTASKS_CORS_ORIGINS")) {
        config.cors_origins = ParseCorsOrigins("NANOTASKS_CORS_ORIGINS", *v);
    }
    if (auto v = lookup("NANOTASKS_MAX_BODY_BYTES")) {
        config.max_body_bytes = static_cast<std::size_t>(
            ParseInteger("NANOTASKS_MAX_BODY_BYTES", *v, 1024, 64LL * 1024 * 1024));
    }
    if (auto v = lookup("NANOTASKS_MAX_HEADER_BYTES")) {
        config.max_header_bytes = static_cast<std::size_t>(
            ParseInteger("NANOTASKS_MAX_HEADER_BYTES", *v, 1024, 1024 * 1024));
    }
    if (auto v = lookup("NANOTASKS_READ_TIMEOUT"))
        config.read_timeout_seconds = ParseInt("NANOTASKS_READ_TIMEOUT", *v, 1, 3600);
    if (auto v = lookup("NANOTASKS_IDLE_TIMEOUT"))
        config.idle_timeout_seconds = ParseInt("NANOTASKS_IDLE_TIMEOUT", *v, 1, 3600);
    if (auto v = lookup("NANOTASKS_SHUTDOWN_GRACE"))
        config.shutdown_grace_seconds = ParseInt("NANOTASKS_SHUTDOWN_GRACE", *v, 0, 3600);
    if (auto v = lookup("NANOTASKS_MAX_CONNECTIONS"))
        config.max_connections = ParseInt("NANOTASKS_MAX_CONNECTIONS", *v, 1, 1'000'000);
    if (auto v = lookup("NANOTASKS_MAX_STREAMS"))
        config.max_streams = ParseInt("NANOTASKS_MAX_STREAMS", *v, 0, 1'000'000);
    if (auto v = lookup("NANOTASKS_SSE_HEARTBEAT"))
        config.sse_heartbeat_seconds = ParseInt("NANOTASKS_SSE_HEARTBEAT", *v, 1, 3600);
    if (auto v = lookup("NANOTASKS_LOG_FORMAT")) {
        if (*v != "text" && *v != "json") Fail("NANOTASKS_LOG_FORMAT", *v, "expected text or json");
        config.log_format = *v;
    }
    if (auto v = lookup("NANOTASKS_PASSWORD_MEMORY_KIB")) {
        config.password_memory_kib = static_cast<std::size_t>(
            ParseInteger("NANOTASKS_PASSWORD_MEMORY_KIB", *v, 8, 4 * 1024 * 1024));
    }
    if (auto v = lookup("NANOTASKS_PASSWORD_PASSES"))
        config.password_passes = ParseInt("NANOTASKS_PASSWORD_PASSES", *v, 1, 100);
    if (auto v = lookup("NANOTASKS_WORKER_SIGNUP_BONUS")) {
        config.worker_signup_bonus =
            ParseInteger("NANOTASKS_WORKER_SIGNUP_BONUS", *v, 0, 1'000'000);
    }
    if (auto v = lookup("NANOTASKS_BUYER_SIGNUP_BONUS")) {
        config.buyer_signup_bonus = ParseInteger("NANOTASKS_BUYER_SIGNUP_BONUS", *v, 0, 1'000'000);
    }
    if (auto v = lookup("NANOTASKS_COIN_PACKAGES"))
        config.coin_packages = ParsePackages("NANOTASKS_COIN_PACKAGES", *v);
    if (auto v = lookup("NANOTASKS_WITHDRAWAL_MINIMUM")) {
        config.withdrawal_minimum_coins =
            ParseInteger("NANOTASKS_WITHDRAWAL_MINIMUM", *v, 1, 1'000'000'000);
    }
    if (auto v = lookup("NANOTASKS_WITHDRAWAL_CENTS_PER_COIN")) {
        config.withdrawal_cents_per_coin =
            ParseInteger("NANOTASKS_WITHDRAWAL_CENTS_PER_COIN", *v, 1, 1'000'000);
    }
    if (auto v = lookup("NANOTASKS_PAYMENT_SYSTEMS")) {
        config.payment_systems = ParsePaymentSystems("NANOTASKS_PAYMENT_SYSTEMS", *v);
    }
    config.stripe_secret_key = lookup("STRIPE_SECRET_KEY");
    config.stripe_webhook_secret = lookup("STRIPE_WEBHOOK_SECRET");
    if (auto v = lookup("STRIPE_API_BASE")) {
        if (!v->starts_with("http://") && !v->starts_with("https://")) {
            Fail("STRIPE_API_BASE", *v, "expected an http:// or https:// URL");
        }
        while (!v->empty() && v->back() == '/') v->pop_back();
        config.stripe_api_base = *v;
    }
    return config;
}

}  // namespace nanotasks::core
