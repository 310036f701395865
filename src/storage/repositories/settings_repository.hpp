#pragma once

#include <optional>
#include <string>

#include "storage/database.hpp"

namespace nanotasks::storage {

class SettingsRepository {
  public:
    static std::optional<std::string> Get(Transaction& tx, const std::string& key);
    // Stores value unless the key exists; returns what is stored afterwards, so that several
    // processes starting at once agree on one value.
    static std::string PutIfAbsent(Transaction& tx, const std::string& key,
                                   const std::string& value);
};

}  // namespace nanotasks::storage
