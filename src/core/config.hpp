#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nanotasks::core {

struct CoinPackage {
    std::string id;
    std::int64_t coins = 0;
    std::int64_t price_cents = 0;
};

// Startup configuration, typed and validated once; a bad value is a fatal one-line error.
struct Config {
    std::string database_url = "sqlite:nanotasks.db";
    std::string host = "127.0.0.1";
    int port = 8080;
    int io_threads = 0;      // 0: the number of cores
    int worker_threads = 0;  // 0: 4 x cores, at least 8 (blocking database work)
    int worker_queue_max = 1024;
    int db_pool_size = 0;  // 0: worker_threads
    bool sqlite_synchronous_full = true;
    std::optional<std::string> jwt_secret;
    int access_token_ttl_seconds = 900;
    int refresh_token_ttl_seconds = 30 * 24 * 3600;
    std::optional<std::string> admin_email;
    std::optional<std::string> admin_password;
    std::int64_t auto_approve_after_seconds = 259200;
    int job_interval_seconds = 10;
    int login_max_failures = 10;
    std::vector<std::string> cors_origins;
    std::size_t max_body_bytes = 65536;
    std::size_t max_header_bytes = 16384;
    int read_timeout_seconds = 10;
    int idle_timeout_seconds = 60;
    int shutdown_grace_seconds = 10;
    int max_connections = 10000;
    int max_streams = 1000;          // open event streams (GET /notifications/stream)
    int sse_heartbeat_seconds = 15;  // ": ping" on an event stream quiet for this long
    std::string log_format = "text";
    std::size_t password_memory_kib = 19456;
    int password_passes = 2;
    std::int64_t worker_signup_bonus = 10;
    std::int64_t buyer_signup_bonus = 50;
    std::optional<std::string> stripe_secret_key;
    std::optional<std::string> stripe_webhook_secret;
    std::string stripe_api_base = "https://api.stripe.com";
    std::vector<CoinPackage> coin_packages = {{"coins_10", 10, 100},
                                              {"coins_150", 150, 1000},
                                              {"coins_500", 500, 2000},
                                              {"coins_1000", 1000, 3500}};
    std::int64_t withdrawal_minimum_coins = 200;
    std::int64_t withdrawal_cents_per_coin = 5;
    std::vector<std::string> payment_systems = {"stripe", "paypal", "bkash", "rocket", "nagad"};
};

// One configurable setting: its flag, its environment variable and what it means.
struct ConfigOption {
    std::string_view flag;      // "--port"
    std::string_view variable;  // "NANOTASKS_PORT"
    std::string_view help;
};
const std::vector<ConfigOption>& ConfigOptions();

// The parsed command line: the subcommand, its own arguments and the configuration flags.
struct CommandLine {
    std::string command;  // "serve", "migrate", "create-admin", "seed"; empty with --help/--version
    bool help = false;
    bool version = false;
    std::map<std::string, std::string> settings;   // variable name -> value, from flags
    std::map<std::string, std::string> arguments;  // subcommand arguments, e.g. "--email"
};

// Thrown with a one-line message naming the flag or variable; main prints it and exits 2.
struct ConfigError {
    std::string message;
};

// `subcommand_flags` lists flags that belong to subcommands ("--email").
CommandLine ParseCommandLine(const std::vector<std::string>& args);

// Parses the text of a .env file: KEY=VALUE lines, '#' comments, optional quotes, "export ".
// Throws ConfigError naming the line number of any other line.
std::map<std::string, std::string> ParseDotEnv(std::string_view text);

// Precedence: flags, then environment, then .env, then defaults. Throws ConfigError.
Config LoadConfig(const std::map<std::string, std::string>& flags,
                  const std::map<std::string, std::string>& environment,
                  const std::map<std::string, std::string>& dotenv);

}  // namespace nanotasks::core
