#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/database.hpp"

namespace nanotasks::storage {

struct IdempotencyRequest {
    std::string user_id;
    std::string key;
    std::string method;
    std::string path;
    std::string body_hash;
};

struct StoredResponse {
    int status = 0;
    std::string content_type;
    std::string body;
};

struct IdempotencyBegin {
    enum class Outcome { kProceed, kReplay, kInProgress, kReused } outcome = Outcome::kProceed;
    StoredResponse response;  // for kReplay
};

class IdempotencyRepository {
  public:
    // Claims the key for this request (kProceed), or tells what happened to it before. A record
    // older than `expires_before_ms` counts as absent; a running one older than
    // `stale_running_before_ms` (its process died) may be taken over.
    static IdempotencyBegin Begin(Transaction& tx, const IdempotencyRequest& request,
                                  std::int64_t now_ms, std::int64_t expires_before_ms,
                                  std::int64_t stale_running_before_ms);
    static void Complete(Transaction& tx, const std::string& user_id, const std::string& key,
                         const StoredResponse& response);
    static void Abandon(Transaction& tx, const std::string& user_id, const std::string& key);
    static std::int64_t DeleteOlderThan(Transaction& tx, std::int64_t before_ms);
};

}  // namespace nanotasks::storage
