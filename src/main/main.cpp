// nanotasks: serve | migrate | create-admin | seed. Loads the configuration, builds every layer,
// serves until SIGINT/SIGTERM. Nothing here holds a business rule.
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "api/json_support.hpp"
#include "api/routes.hpp"
#include "app/admin_service.hpp"
#include "app/auth_service.hpp"
#include "app/dashboard_service.hpp"
#include "app/idempotency_service.hpp"
#include "app/job_runner.hpp"
#include "app/login_throttle.hpp"
#include "app/notification_hub.hpp"
#include "app/notification_service.hpp"
#include "app/payment_service.hpp"
#include "app/report_service.hpp"
#include "app/seeder.hpp"
#include "app/submission_service.hpp"
#include "app/task_service.hpp"
#include "app/wallet_service.hpp"
#include "app/withdrawal_service.hpp"
#include "core/config.hpp"
#include "domain/money_rules.hpp"
#include "domain/rules.hpp"
#include "http/message.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "infra/crypto.hpp"
#include "infra/id_generator.hpp"
#include "infra/password_hasher.hpp"
#include "infra/stripe_client.hpp"
#include "infra/token_codec.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/repositories/session_repository.hpp"
#include "storage/repositories/settings_repository.hpp"

extern char** environ;

namespace nanotasks {
namespace {

constexpr int kExitConfig = 2;
constexpr std::string_view kVersion = NANOTASKS_VERSION;

void PrintHelp() {
    std::cout << "nanotasks " << kVersion << " - a micro-task marketplace server\n\n"
              << "Usage:\n"
              << "  nanotasks serve [flags]                 migrate the database, then serve\n"
              << "  nanotasks migrate [flags]               migrate the database and exit\n"
              << "  nanotasks create-admin --email E [flags]  create an admin; the password is\n"
              << "                                          read from standard input\n"
              << "  nanotasks seed --users N --tasks N --submissions N [--seed S] [flags]\n"
              << "                                          fill the database with test data\n"
              << "  nanotasks --help | --version\n\n"
              << "Flags (each also an environment variable; flags win, then the environment,\n"
              << "then ./.env, then the default):\n";
    for (const auto& option : core::ConfigOptions()) {
        std::string flag(option.flag);
        flag += " V";
        std::cout << "  " << flag << std::string(flag.size() < 28 ? 28 - flag.size() : 1, ' ')
                  << option.variable << ": " << option.help << '\n';
    }
}

std::map<std::string, std::string> ReadEnvironment() {
    std::map<std::string, std::string> values;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        const auto eq = text.find('=');
        if (eq != std::string_view::npos) {
            values.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
        }
    }
    return values;
}

std::map<std::string, std::string> ReadDotEnv() {
    std::ifstream file(".env");
    if (!file) return {};
    std::stringstream text;
    text << file.rdbuf();
    return core::ParseDotEnv(text.str());
}

// %* in a pattern: the message as a JSON string literal, so that quotes, backslashes and line
// breaks in a message cannot break (or forge) a JSON log line.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg& message, const std::tm&,
                spdlog::memory_buf_t& destination) override {
        std::string quoted;
        http::AppendJsonString(quoted,
                               std::string_view(message.payload.data(), message.payload.size()));
        destination.append(quoted.data(), quoted.data() + quoted.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<JsonMessageFlag>();
    }
};

void ConfigureLogging(const core::Config& config) {
    auto logger = spdlog::stderr_logger_mt("nanotasks");
    if (config.log_format == "json") {
        auto formatter =
            std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
        formatter->add_flag<JsonMessageFlag>('*').set_pattern(
            R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","message":%*})");
        logger->set_formatter(std::move(formatter));
    } else {
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    }
    spdlog::set_default_logger(logger);
    // The access log goes to standard output, one preformatted line (text or JSON) per request.
    auto access = spdlog::stdout_logger_mt("access");
    access->set_pattern("%v");
}

int CoreCount() {
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 2 : static_cast<int>(cores);
}

// The signing key: configured, or generated once and kept in the database so that every
// process and every restart agrees on it.
std::string JwtSecret(const core::Config& config, storage::Database& db) {
    if (config.jwt_secret) return *config.jwt_secret;
    std::string secret;
    db.RunTransaction(storage::TxMode::kWrite, [&](storage::Transaction& tx) {
        secret = storage::SettingsRepository::PutIfAbsent(tx, "jwt_secret", infra::RandomToken(48));
    });
    spdlog::warn(
        "NANOTASKS_JWT_SECRET is not set: using a generated key kept in the database; set it "
        "for production");
    return secret;
}

// A package that sells coins for less than a withdrawal pays for them lets a buyer and a worker
// acting together turn money into more money (buy, pay the worker for a task, withdraw).
void WarnAboutUnderpricedPackages(const core::Config& config) {
    for (const auto& package : config.coin_packages) {
        if (domain::PackageUndercutsPayout(package.coins, package.price_cents,
                                           config.withdrawal_cents_per_coin)) {
            spdlog::warn(
                "coin package {} sells {} coins for {} cents, less than the {} cents a "
                "withdrawal pays for them ({} per coin): buying and withdrawing makes money",
                package.id, package.coins, package.price_cents,
                package.coins * config.withdrawal_cents_per_coin, config.withdrawal_cents_per_coin);
        }
    }
}

std::int64_t CountArgument(const core::CommandLine& line, const std::string& name) {
    const auto found = line.arguments.find(name);
    if (found == line.arguments.end()) return 0;
    std::int64_t value = 0;
    const std::string& text = found->second;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 0) {
        throw core::ConfigError{name + ": not a non-negative integer"};
    }
    return value;
}

// nanotasks seed: bulk test data (app::Seeder); prints what it wrote and how long it took.
int Seed(const core::CommandLine& line, const core::Config& config, storage::Database& db,
         infra::IdGenerator& ids, const core::Clock& clock, const infra::PasswordHasher& hasher) {
    app::SeedOptions options{.worker_signup_bonus = config.worker_signup_bonus,
                             .buyer_signup_bonus = config.buyer_signup_bonus};
    try {
        options.users = CountArgument(line, "--users");
        options.tasks = CountArgument(line, "--tasks");
        options.submissions = CountArgument(line, "--submissions");
        if (line.arguments.contains("--seed")) {
            options.seed = static_cast<std::uint64_t>(CountArgument(line, "--seed"));
        }
    } catch (const core::ConfigError& error) {
        std::cerr << "seed: " << error.message << '\n';
        return kExitConfig;
    }
    auto report = app::Seeder(db, ids, clock, hasher).Run(options);
    if (!report) {
        std::cerr << "seed: " << report.error().detail;
        for (const auto& field : report.error().errors) {
            std::cerr << "; " << field.field << " " << field.message;
        }
        std::cerr << '\n';
        return report.error().code == core::ErrorCode::kValidationFailed ? kExitConfig : 1;
    }
    std::printf(
        "seeded %lld workers, %lld buyers, %lld open tasks, %lld pending submissions, %lld "
        "transfers, %lld entries in %.1f s\n",
        static_cast<long long>(report->workers), static_cast<long long>(report->buyers),
        static_cast<long long>(report->tasks), static_cast<long long>(report->submissions),
        static_cast<long long>(report->transfers), static_cast<long long>(report->entries),
        report->seconds);
    std::printf("every seeded user's password: %s (e.g. %s, %s)\n",
                std::string(app::kSeedPassword).c_str(), report->first_worker_email.c_str(),
                report->first_buyer_email.c_str());
    return 0;
}

// What can be checked without the database is checked before it is opened (or created), so
// that a typo stops the start with exit code 2 and leaves nothing behind. Throws ConfigError.
void CheckBeforeStart(const core::CommandLine& line, const core::Config& config) {
    if (config.admin_email && !domain::NormalizeEmail(*config.admin_email)) {
        throw core::ConfigError{"NANOTASKS_ADMIN_EMAIL=" + *config.admin_email +
                                ": not an email address"};
    }
    if (line.command == "create-admin") {
        const auto email = line.arguments.find("--email");
        if (email == line.arguments.end()) {
            throw core::ConfigError{"create-admin: --email is required"};
        }
        if (!domain::NormalizeEmail(email->second)) {
            throw core::ConfigError{"create-admin: --email " + email->second +
                                    ": not an email address"};
        }
    }
}

// Each connection is a file descriptor. Raises the soft limit on open files to the hard limit
// (Debian's soft default is 1024) and, if that is still too low for the connection cap, lowers
// the cap so that the cap, not a failing accept(), refuses the connections over it; descriptors
// stay free for the database pool, the listener, streams' timers and logs.
int ConnectionsWithinFileLimit(int max_connections, int db_pool_size) {
    constexpr rlim_t kReservedFiles = 64;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return max_connections;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    const rlim_t reserved = static_cast<rlim_t>(db_pool_size) + kReservedFiles;
    if (limit.rlim_cur == RLIM_INFINITY ||
        limit.rlim_cur >= reserved + static_cast<rlim_t>(max_connections)) {
        return max_connections;
    }
    const int capped =
        limit.rlim_cur > reserved + 1 ? static_cast<int>(limit.rlim_cur - reserved) : 1;
    spdlog::warn(
        "NANOTASKS_MAX_CONNECTIONS lowered from {} to {}: the process may open {} files (ulimit "
        "-n)",
        max_connections, capped, static_cast<unsigned long long>(limit.rlim_cur));
    return capped;
}

int Run(const core::CommandLine& line, const core::Config& config) {
    ConfigureLogging(config);
    const int cores = CoreCount();
    const int worker_threads =
        config.worker_threads > 0 ? config.worker_threads : std::max(8, 4 * cores);
    storage::DatabaseOptions db_options;
    db_options.pool_size = config.db_pool_size > 0 ? config.db_pool_size : worker_threads;
    // Seeding writes one big transaction that can simply run again if the machine dies.
    db_options.sqlite_synchronous_full = config.sqlite_synchronous_full && line.command != "seed";

    std::unique_ptr<storage::Database> db;
    try {
        db = storage::OpenDatabase(config.database_url, db_options);
        storage::Migrate(*db);
    } catch (const std::exception& error) {
        spdlog::error("database: {}", error.what());
        return 1;
    }
    if (line.command == "migrate") {
        spdlog::info("database migrated to version {}", storage::SchemaVersion(*db));
        return 0;
    }

    core::SystemClock clock;
    infra::IdGenerator ids(clock);
    infra::PasswordHasher hasher(infra::PasswordHasher::Options{
        .memory_kib = config.password_memory_kib,
        .passes = static_cast<unsigned long long>(config.password_passes)});
    if (line.command == "seed") return Seed(line, config, *db, ids, clock, hasher);
    const std::string secret = JwtSecret(config, *db);
    infra::TokenCodec tokens(secret);
    app::LoginThrottle throttle(config.login_max_failures);
    app::AuthService auth(
        *db, hasher, tokens, ids, clock, throttle,
        app::AuthSettings{.access_token_ttl_seconds = config.access_token_ttl_seconds,
                          .refresh_token_ttl_seconds = config.refresh_token_ttl_seconds,
                          .worker_signup_bonus = config.worker_signup_bonus,
                          .buyer_signup_bonus = config.buyer_signup_bonus});

    if (line.command == "create-admin") {
        const auto email = line.arguments.find("--email");  // checked by CheckBeforeStart
        std::string password;
        std::getline(std::cin, password);
        if (!password.empty() && password.back() == '\r') password.pop_back();
        auto outcome = auth.EnsureAdmin(email->second, password);
        if (!outcome) {
            std::cerr << "create-admin: " << outcome.error().detail;
            for (const auto& field : outcome.error().errors) {
                std::cerr << "; " << field.field << " " << field.message;
            }
            std::cerr << '\n';
            return 1;
        }
        if (*outcome == app::AuthService::AdminOutcome::kCreated) {
            std::cout << "admin created: " << email->second << '\n';
            return 0;
        }
        std::cerr << "create-admin: an account with this email exists\n";
        return 1;
    }

    if (config.admin_email && config.admin_password) {
        auto outcome = auth.EnsureAdmin(*config.admin_email, *config.admin_password);
        if (!outcome) {
            spdlog::error("NANOTASKS_ADMIN_EMAIL: {}", outcome.error().detail);
            return kExitConfig;
        }
        if (*outcome == app::AuthService::AdminOutcome::kEmailTakenByOtherRole) {
            spdlog::warn("NANOTASKS_ADMIN_EMAIL belongs to an account that is not an admin");
        }
    }

    app::WalletService wallet(*db);
    app::IdempotencyService idempotency(*db, clock);
    app::TaskService tasks(*db, ids, clock);
    app::SubmissionService submissions(
        *db, ids, clock,
        app::SubmissionSettings{.auto_approve_after_seconds = config.auto_approve_after_seconds});
    app::NotificationService notifications(*db);
    // Stopped after the server has returned (its streams are closed by then).
    app::NotificationHub notification_hub(*db, clock);
    app::ReportService reports(*db, ids, clock);
    app::DashboardService dashboards(*db, clock);
    std::optional<infra::StripeClient> stripe;
    if (config.stripe_secret_key) {
        stripe.emplace(infra::StripeClient::Options{.api_base = config.stripe_api_base,
                                                    .secret_key = *config.stripe_secret_key});
        if (!config.stripe_webhook_secret) {
            spdlog::warn(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: purchases can start "
                "but their coins are never credited");
        }
    }
    WarnAboutUnderpricedPackages(config);
    app::PaymentService payments(
        *db, stripe ? &*stripe : nullptr, ids, clock,
        app::PaymentSettings{.packages = config.coin_packages,
                             .webhook_secret = config.stripe_webhook_secret,
                             // A slow Stripe may hold a quarter of the workers, never all.
                             .stripe_calls_max = std::max(1, worker_threads / 4)});
    app::WithdrawalService withdrawals(
        *db, ids, clock,
        app::WithdrawalSettings{.minimum_coins = config.withdrawal_minimum_coins,
                                .cents_per_coin = config.withdrawal_cents_per_coin,
                                .payment_systems = config.payment_systems});
    app::AdminService admin(*db, ids, clock);
    api::CursorCodec cursors(infra::HmacSha256(secret, "nanotasks cursor key"));
    http::Metrics metrics;
    metrics.AddGauge("nanotasks_db_pool_size", "Database connections in the pool",
                     [&db] { return static_cast<double>(db->Stats().size); });
    metrics.AddGauge("nanotasks_db_pool_in_use", "Database connections in use",
                     [&db] { return static_cast<double>(db->Stats().in_use); });
    metrics.AddGauge("nanotasks_db_pool_waits_total", "Waits for a free database connection",
                     [&db] { return static_cast<double>(db->Stats().waits); });

    api::Services services{.db = *db,
                           .auth = auth,
                           .wallet = wallet,
                           .idempotency = idempotency,
                           .tasks = tasks,
                           .submissions = submissions,
                           .notifications = notifications,
                           .notification_hub = notification_hub,
                           .reports = reports,
                           .dashboards = dashboards,
                           .payments = payments,
                           .withdrawals = withdrawals,
                           .admin = admin,
                           .cursors = cursors,
                           .metrics = metrics,
                           .version = std::string(kVersion)};
    const std::vector<api::RouteSpec> routes = api::AllRoutes(services);
    http::Router router;
    api::Install(router, routes, services);

    http::ServerOptions options;
    options.host = config.host;
    options.port = static_cast<std::uint16_t>(config.port);
    options.io_threads = config.io_threads > 0 ? config.io_threads : cores;
    options.worker_threads = worker_threads;
    options.worker_queue_max = config.worker_queue_max;
    options.body_limit_bytes = config.max_body_bytes;
    options.header_limit_bytes = config.max_header_bytes;
    options.read_timeout = std::chrono::seconds(config.read_timeout_seconds);
    options.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
    options.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
    // A handler still running stuck_handler_wait (5 s) after the grace is stuck (a hung database
    // call, say) and would hold the process forever; exiting leaves no transaction half-applied
    // (the databases roll back what did not commit), so the process ends with a failure code.
    options.on_stuck_handlers = [] {
        spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& logger) { logger->flush(); });
        std::_Exit(1);
    };
    options.max_connections =
        ConnectionsWithinFileLimit(config.max_connections, db_options.pool_size);
    options.max_streams = config.max_streams;
    options.stream_heartbeat = std::chrono::seconds(config.sse_heartbeat_seconds);
    options.cors_origins = config.cors_origins;
    options.log_format =
        config.log_format == "json" ? http::LogFormat::kJson : http::LogFormat::kText;

    http::Server server(options, router, metrics);
    try {
        server.Listen();
    } catch (const std::exception& error) {
        spdlog::error("{}", error.what());
        return 1;
    }

    app::JobRunner jobs({{"idempotency-cleanup", [&idempotency] { return idempotency.CleanUp(); }},
                         {"task-expiry", [&tasks] { return tasks.ExpireDue(); }},
                         {"auto-approval", [&submissions] { return submissions.AutoApproveDue(); }},
                         {"refresh-token-cleanup",
                          [&db, &clock] {
                              std::int64_t deleted = 0;
                              db->RunTransaction(
                                  storage::TxMode::kWrite, [&](storage::Transaction& tx) {
                                      deleted = storage::SessionRepository::DeleteExpired(
                                          tx, core::ToUnixMillis(clock.Now()));
                                  });
                              return deleted;
                          }}},
                        std::chrono::seconds(config.job_interval_seconds));
    jobs.Start();
    notification_hub.Start();

    spdlog::info("nanotasks {} listening on {}:{} ({} database)", kVersion, config.host,
                 server.port(), db->engine() == storage::Engine::kSqlite ? "SQLite" : "PostgreSQL");
    server.Run();
    notification_hub.Stop();
    jobs.Stop();
    spdlog::info("stopped");
    return 0;
}

}  // namespace
}  // namespace nanotasks

int main(int argc, char** argv) {
    using namespace nanotasks;
    const std::vector<std::string> args(argv + 1, argv + argc);
    core::CommandLine line;
    core::Config config;
    try {
        line = core::ParseCommandLine(args);
        if (line.help) {
            PrintHelp();
            return 0;
        }
        if (line.version) {
            std::cout << "nanotasks " << kVersion << '\n';
            return 0;
        }
        if (line.command.empty()) {
            std::cerr << "nanotasks: a command is required (serve, migrate, create-admin, seed); "
                         "see --help\n";
            return kExitConfig;
        }
        config = core::LoadConfig(line.settings, ReadEnvironment(), ReadDotEnv());
        if (!storage::IsValidDatabaseUrl(config.database_url)) {
            throw core::ConfigError{"NANOTASKS_DATABASE_URL: not a valid database URL"};
        }
        CheckBeforeStart(line, config);
    } catch (const core::ConfigError& error) {
        std::cerr << "nanotasks: " << error.message << '\n';
        return kExitConfig;
    }
    try {
        return Run(line, config);
    } catch (const std::exception& error) {
        // A failure outside any request (the database lost during a seed or at start): one line
        // and a failing exit code rather than std::terminate.
        std::cerr << "nanotasks: " << error.what() << '\n';
        return 1;
    }
}
