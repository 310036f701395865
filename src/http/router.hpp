#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace nanotasks::http {

// Handlers are plain synchronous functions; the server runs them on the I/O thread only when
// the route says kInline (cheap, non-blocking work such as /healthz), otherwise on the bounded
// worker pool.
using Handler = std::function<Response(Request&)>;

enum class Execution { kWorkerPool, kInline };

struct Route {
    Method method = Method::kGet;
    std::string path_template;  // "/api/v1/tasks/{id}"; a {name} segment matches one segment
    Handler handler;
    Execution execution = Execution::kWorkerPool;
};

class Router {
  public:
    // Throws std::invalid_argument for a template that does not start with '/', has a '{' or '}'
    // inside a segment, an empty or repeated parameter name, or that duplicates the method and
    // shape of an earlier route ("/a/{x}" and "/a/{y}" have the same shape).
    void Add(Route route);

    struct Match {
        const Route* route = nullptr;                                  // null: see allowed_methods
        std::vector<std::pair<std::string, std::string>> path_params;  // decoded segments
        // Every method that some route accepts for this path, in enum order; empty when no
        // route matches the path at all (404). Filled for a found route too (CORS preflight).
        std::vector<Method> allowed_methods;
        // The most specific template matching the path, whatever its method (a bounded label
        // for metrics when the method is not allowed); empty when nothing matches.
        std::string_view path_template;
    };
    // `path` is the path as it appears in the request target (no query). Each segment is
    // percent-decoded before it is compared or captured, so an encoded '/' stays inside its
    // segment. A {param} matches one non-empty segment; "/a/" does not match "/a". Among the
    // routes of the requested method that match, literal segments win over parameters, the
    // leftmost difference deciding ("/tasks/mine" before "/tasks/{id}"). HEAD finds the GET
    // route of a path that has no HEAD route of its own, and is allowed wherever GET is.
    Match Find(Method method, std::string_view path) const;

    const std::vector<Route>& routes() const { return routes_; }

  private:
    struct Segment {
        bool is_param = false;
        std::string text;  // the literal, or the parameter's name
    };
    std::vector<Route> routes_;
    std::vector<std::vector<Segment>> segments_;  // parallel to routes_
};

}  // namespace nanotasks::http
