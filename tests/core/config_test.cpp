#include "core/config.hpp"

#include <gtest/gtest.h>

namespace nanotasks::core {
namespace {

using Values = std::map<std::string, std::string>;

std::string ErrorOf(const Values& environment) {
    try {
        LoadConfig({}, environment, {});
    } catch (const ConfigError& error) {
        return error.message;
    }
    return {};
}

TEST(Config, DefaultsMatchTheContract) {
    const Config config = LoadConfig({}, {}, {});
    EXPECT_EQ(config.database_url, "sqlite:nanotasks.db");
    EXPECT_EQ(config.host, "127.0.0.1");
    EXPECT_EQ(config.port, 8080);
    EXPECT_EQ(config.access_token_ttl_seconds, 900);
    EXPECT_EQ(config.auto_approve_after_seconds, 259200);
    EXPECT_EQ(config.job_interval_seconds, 10);
    EXPECT_EQ(config.login_max_failures, 10);
    EXPECT_EQ(config.max_body_bytes, 65536u);
    EXPECT_EQ(config.log_format, "text");
    EXPECT_EQ(config.stripe_api_base, "https://api.stripe.com");
    EXPECT_FALSE(config.jwt_secret);
    ASSERT_EQ(config.coin_packages.size(), 4u);
    EXPECT_EQ(config.coin_packages[3].coins, 1000);
    EXPECT_EQ(config.coin_packages[3].price_cents, 3500);
}

TEST(Config, FlagsBeatEnvironmentBeatDotEnv) {
    const Config config = LoadConfig(
        {{"NANOTASKS_PORT", "1001"}}, {{"NANOTASKS_PORT", "1002"}, {"NANOTASKS_HOST", "0.0.0.0"}},
        {{"NANOTASKS_PORT", "1003"}, {"NANOTASKS_HOST", "::1"}, {"NANOTASKS_LOG_FORMAT", "json"}});
    EXPECT_EQ(config.port, 1001);
    EXPECT_EQ(config.host, "0.0.0.0");
    EXPECT_EQ(config.log_format, "json");
}

TEST(Config, BadValuesNameTheirVariable) {
    EXPECT_NE(ErrorOf({{"NANOTASKS_PORT", "99999"}}).find("NANOTASKS_PORT"), std::string::npos);
    EXPECT_NE(ErrorOf({{"NANOTASKS_PORT", "80x"}}).find("NANOTASKS_PORT"), std::string::npos);
    EXPECT_NE(ErrorOf({{"NANOTASKS_DATABASE_URL", "mysql://db"}}).find("NANOTASKS_DATABASE_URL"),
              std::string::npos);
    const std::string secret_error = ErrorOf({{"NANOTASKS_JWT_SECRET", "0123456789"}});
    EXPECT_NE(secret_error.find("NANOTASKS_JWT_SECRET"), std::string::npos);
    EXPECT_EQ(secret_error.find("0123456789"), std::string::npos) << "secrets are not echoed";
    EXPECT_NE(ErrorOf({{"NANOTASKS_LOG_FORMAT", "xml"}}).find("NANOTASKS_LOG_FORMAT"),
              std::string::npos);
    EXPECT_NE(ErrorOf({{"STRIPE_API_BASE", "ftp://x"}}).find("STRIPE_API_BASE"), std::string::npos);
    EXPECT_NE(ErrorOf({{"NANOTASKS_COIN_PACKAGES", "a:1"}}).find("NANOTASKS_COIN_PACKAGES"),
              std::string::npos);
}

// A value that the old code took (and failed on late, or never) is refused with its variable.
void ExpectRefused(const std::string& variable, const std::string& value) {
    const std::string error = ErrorOf({{variable, value}});
    EXPECT_NE(error.find(variable), std::string::npos) << variable << "=" << value << ": " << error;
}

TEST(Config, HostMustBeAnAddressOrLocalhost) {
    for (const char* host : {"127.0.0.1", "0.0.0.0", "::", "::1", "fe80::1", "localhost"}) {
        EXPECT_EQ(LoadConfig({}, {{"NANOTASKS_HOST", host}}, {}).host, host);
    }
    for (const char* host : {"", "localhostx", "127.0.0.256", "1.2.3", "[::1]", " 127.0.0.1",
                             "example.com", "0.0.0.0:80"}) {
        ExpectRefused("NANOTASKS_HOST", host);
    }
}

TEST(Config, CorsOriginsMustBeOrigins) {
    const Config config = LoadConfig(
        {},
        {{"NANOTASKS_CORS_ORIGINS",
          "https://app.example.com,http://localhost:5173,http://[::1]:8080,capacitor://localhost"}},
        {});
    EXPECT_EQ(config.cors_origins.size(), 4u);
    EXPECT_EQ(LoadConfig({}, {{"NANOTASKS_CORS_ORIGINS", "*"}}, {}).cors_origins,
              std::vector<std::string>{"*"});
    for (const char* origins :
         {"app.example.com", "https://app.example.com/", "https://app.example.com/path",
          "https://App.Example.com", "https://", "https://a.example:0", "https://a.example:99999",
          "https://a.example:", "://a.example", "https://a b", "null", "https://ok.example,nope"}) {
        ExpectRefused("NANOTASKS_CORS_ORIGINS", origins);
    }
}

TEST(Config, PackagesMustBeDistinctAndChargeable) {
    ExpectRefused("NANOTASKS_COIN_PACKAGES", "a:10:100,a:20:200");
    ExpectRefused("NANOTASKS_COIN_PACKAGES", "a:10:49");
    EXPECT_EQ(LoadConfig({}, {{"NANOTASKS_COIN_PACKAGES", "a:10:50"}}, {}).coin_packages.size(),
              1u);
}

TEST(Config, PaymentSystemsMustBeNamedOnce) {
    ExpectRefused("NANOTASKS_PAYMENT_SYSTEMS", "");
    ExpectRefused("NANOTASKS_PAYMENT_SYSTEMS", "paypal,,bkash");
    ExpectRefused("NANOTASKS_PAYMENT_SYSTEMS", "paypal, ");
    ExpectRefused("NANOTASKS_PAYMENT_SYSTEMS", "paypal,bkash,PayPal");
    EXPECT_EQ(
        LoadConfig({}, {{"NANOTASKS_PAYMENT_SYSTEMS", " paypal , bkash "}}, {}).payment_systems,
        (std::vector<std::string>{"paypal", "bkash"}));
}

TEST(Config, ListsAndPackages) {
    const Config config =
        LoadConfig({},
                   {{"NANOTASKS_CORS_ORIGINS", " https://a.example , https://b.example,"},
                    {"NANOTASKS_COIN_PACKAGES", "small:5:50,big:100:900"}},
                   {});
    EXPECT_EQ(config.cors_origins,
              (std::vector<std::string>{"https://a.example", "https://b.example"}));
    ASSERT_EQ(config.coin_packages.size(), 2u);
    EXPECT_EQ(config.coin_packages[1].id, "big");
    EXPECT_EQ(config.coin_packages[1].price_cents, 900);
}

TEST(Config, EventStreamSettings) {
    const Config defaults = LoadConfig({}, {}, {});
    EXPECT_EQ(defaults.sse_heartbeat_seconds, 15);
    EXPECT_EQ(defaults.max_streams, 1000);
    const Config config =
        LoadConfig({}, {{"NANOTASKS_SSE_HEARTBEAT", "1"}, {"NANOTASKS_MAX_STREAMS", "0"}}, {});
    EXPECT_EQ(config.sse_heartbeat_seconds, 1);
    EXPECT_EQ(config.max_streams, 0);
    EXPECT_NE(ErrorOf({{"NANOTASKS_SSE_HEARTBEAT", "0"}}).find("NANOTASKS_SSE_HEARTBEAT"),
              std::string::npos);
    EXPECT_NE(ErrorOf({{"NANOTASKS_MAX_STREAMS", "-1"}}).find("NANOTASKS_MAX_STREAMS"),
              std::string::npos);
}

TEST(CommandLine, ParsesCommandsFlagsAndArguments) {
    const CommandLine line = ParseCommandLine(
        {"create-admin", "--email", "a@example.com", "--port=9000", "--database-url", "sqlite:x"});
    EXPECT_EQ(line.command, "create-admin");
    EXPECT_EQ(line.arguments.at("--email"), "a@example.com");
    EXPECT_EQ(line.settings.at("NANOTASKS_PORT"), "9000");
    EXPECT_EQ(line.settings.at("NANOTASKS_DATABASE_URL"), "sqlite:x");
    EXPECT_TRUE(ParseCommandLine({"serve", "--help"}).help);
    EXPECT_TRUE(ParseCommandLine({"--version"}).version);
}

TEST(CommandLine, RefusesUnknownFlagsAndCommands) {
    EXPECT_THROW(ParseCommandLine({"serve", "--bogus"}), ConfigError);
    EXPECT_THROW(ParseCommandLine({"launch"}), ConfigError);
    EXPECT_THROW(ParseCommandLine({"serve", "--port"}), ConfigError);
    EXPECT_THROW(ParseCommandLine({"serve", "migrate"}), ConfigError);
}

TEST(DotEnv, ParsesCommentsQuotesAndExport) {
    const auto values = ParseDotEnv(
        "# a comment\n"
        "NANOTASKS_PORT=9000\n"
        "export NANOTASKS_HOST = \"0.0.0.0\"\n"
        "NANOTASKS_LOG_FORMAT='json'\n"
        "\n"
        "   # an indented comment\n"
        "EMPTY=\n");
    EXPECT_EQ(values.at("NANOTASKS_PORT"), "9000");
    EXPECT_EQ(values.at("NANOTASKS_HOST"), "0.0.0.0");
    EXPECT_EQ(values.at("NANOTASKS_LOG_FORMAT"), "json");
    EXPECT_EQ(values.at("EMPTY"), "");
}

TEST(DotEnv, ALineThatSetsNothingIsNamedByItsNumber) {
    for (const char* text : {"A=1\nNOT A LINE\n", "A=1\n=value\n", "A=1\nBAD KEY=1\n"}) {
        try {
            ParseDotEnv(text);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ConfigError& error) {
            EXPECT_NE(error.message.find(".env line 2"), std::string::npos) << error.message;
        }
    }
}

}  // namespace
}  // namespace nanotasks::core
