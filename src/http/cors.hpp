#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace nanotasks::http {

// "GET, POST, OPTIONS": the methods of a path for an Allow header. OPTIONS is always listed
// because the server answers it on every existing path.
std::string AllowHeaderValue(const std::vector<Method>& methods);

// Cross-origin access for browsers. Origins are compared exactly (browsers send them in their
// serialized, lower-case form); an entry "*" allows any origin, which is then echoed rather than
// answered with a literal "*", so the rules are the same for every origin.
class CorsPolicy {
  public:
    explicit CorsPolicy(std::vector<std::string> allowed_origins);

    bool Allows(std::string_view origin) const;

    // Adds Vary: Origin whenever CORS is configured (the response depends on Origin then), and
    // for an allowed Origin the Access-Control-Allow-Origin and -Expose-Headers headers.
    void Decorate(const Request& request, Response& response) const;

    // The answer to an OPTIONS request on an existing path without an OPTIONS route: 204 with
    // Allow and, for a preflight from an allowed origin, the Access-Control-Allow-* headers. A
    // preflight from another origin gets the same 204 without them: the browser then refuses the
    // cross-origin request, and the server reveals nothing about its configuration.
    Response Options(const Request& request, const std::vector<Method>& methods) const;

  private:
    std::vector<std::string> allowed_origins_;
    bool any_origin_ = false;
};

}  // namespace nanotasks::http
