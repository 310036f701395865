#include "storage/database.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "engine_fixture.hpp"
#include "storage/pg_test_env.hpp"

namespace nanotasks::storage {
namespace {

using Kind = DatabaseError::Kind;

Row RowOf(std::vector<std::optional<std::string>> cells) { return Row(std::move(cells)); }

TEST(Row, ParsesIntegers) {
    const Row row = RowOf({"42", "-9223372036854775808", "9223372036854775807", std::nullopt});
    EXPECT_EQ(row.Int(0), 42);
    EXPECT_EQ(row.Int(1), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(row.Int(2), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(row.OptionalInt(0), 42);
    EXPECT_EQ(row.OptionalInt(3), std::nullopt);
}

TEST(Row, RefusesWhatIsNotAnInteger) {
    const Row row = RowOf({"", "12x", "1.5", "9223372036854775808", " 1", std::nullopt});
    for (std::size_t column = 0; column < row.size(); ++column) {
        EXPECT_THROW(row.Int(column), DatabaseError) << column;
    }
    EXPECT_THROW(row.OptionalInt(1), DatabaseError);
}

TEST(Row, TextAndNulls) {
    const Row row = RowOf({"hello", std::nullopt});
    EXPECT_EQ(row.Text(0), "hello");
    EXPECT_EQ(row.OptionalText(0), "hello");
    EXPECT_FALSE(row.IsNull(0));
    EXPECT_TRUE(row.IsNull(1));
    EXPECT_EQ(row.OptionalText(1), std::nullopt);
    EXPECT_THROW(row.Text(1), DatabaseError);
    EXPECT_THROW(row.IsNull(2), std::out_of_range);
}

TEST(DatabaseUrl, Validation) {
    struct Case {
        std::string_view url;
        bool valid;
    };
    const Case cases[] = {
        {"sqlite:nanotasks.db", true},
        {"sqlite:/var/lib/nanotasks/data.db", true},
        {"sqlite::memory:", true},
        {"sqlite:", false},
        {"postgresql://user:secret@db.example.com:5432/nanotasks", true},
        {"postgres://localhost/nanotasks", true},
        {"postgresql://127.0.0.1/nt?sslmode=disable", true},
        {"postgresql:///nanotasks?host=/var/run/postgresql", true},
        {"postgresql://", false},
        {"postgresql://host/db?no_such_option=1", false},
        {"mysql://localhost/db", false},
        {"", false},
        {"nanotasks.db", false},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(IsValidDatabaseUrl(c.url), c.valid) << c.url;
    }
}

TEST(OpenDatabase, RefusesAnInvalidUrl) {
    EXPECT_THROW(OpenDatabase("mysql://localhost/db", {}), DatabaseError);
}

TEST(OpenDatabase, UnreachableServerIsUnavailable) {
    // Port 1 on the loopback interface: refused at once.
    EXPECT_EQ(ErrorKindOf([] { OpenDatabase("postgresql://nobody@127.0.0.1:1/nt", {}); }),
              Kind::kUnavailable);
}

TEST(OpenDatabase, MissingSqliteDirectoryIsUnavailable) {
    EXPECT_EQ(ErrorKindOf([] { OpenDatabase("sqlite:/nonexistent/dir/db.sqlite", {}); }),
              Kind::kUnavailable);
}

TEST(SqliteInMemory, EveryTransactionSeesTheSameDatabase) {
    const auto db = OpenDatabase("sqlite::memory:", {});
    ExecuteOnce(*db, "CREATE TABLE t (x BIGINT)");
    ExecuteOnce(*db, "INSERT INTO t (x) VALUES ($1)", {5});
    EXPECT_EQ(QueryOnce(*db, "SELECT x FROM t").at(0).Int(0), 5);
    EXPECT_TRUE(db->Ping());
    EXPECT_EQ(db->Stats().size, 1);
}

TEST(PgTestEnv, ReplacesTheDatabaseName) {
    using test_support::WithDatabaseName;
    EXPECT_EQ(WithDatabaseName("postgresql://postgres@127.0.0.1:5432/nt", "t_1"),
              "postgresql://postgres@127.0.0.1:5432/t_1");
    EXPECT_EQ(WithDatabaseName("postgresql://h:1", "t_1"), "postgresql://h:1/t_1");
    EXPECT_EQ(WithDatabaseName("postgresql://h/nt?sslmode=disable", "t_1"),
              "postgresql://h/t_1?sslmode=disable");
    EXPECT_EQ(WithDatabaseName("postgresql://h?sslmode=disable", "t_1"),
              "postgresql://h/t_1?sslmode=disable");
}

}  // namespace
}  // namespace nanotasks::storage
