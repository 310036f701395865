#include "storage/repositories/settings_repository.hpp"

namespace nanotasks::storage {

std::optional<std::string> SettingsRepository::Get(Transaction& tx, const std::string& key) {
    const Rows rows = tx.Query("SELECT value FROM settings WHERE key = $1", {key});
    if (rows.empty()) return std::nullopt;
    return rows.front().Text(0);
}

std::string SettingsRepository::PutIfAbsent(Transaction& tx, const std::string& key,
                                            const std::string& value) {
    tx.Execute("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
               {key, value});
    return Get(tx, key).value_or(value);
}

}  // namespace nanotasks::storage
