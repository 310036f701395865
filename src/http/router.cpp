#include "http/router.hpp"

#include <algorithm>
#include <cstddef>
#include <stdexcept>

namespace nanotasks::http {

namespace {

// "/a/b" -> {"a", "b"}; "/" -> {""}; "/a/" -> {"a", ""}. Empty when `path` is not absolute.
std::vector<std::string_view> SplitPath(std::string_view path) {
    std::vector<std::string_view> segments;
    if (path.empty() || path.front() != '/') return segments;
    std::string_view rest = path.substr(1);
    for (;;) {
        const std::size_t slash = rest.find('/');
        segments.push_back(rest.substr(0, slash));
        if (slash == std::string_view::npos) break;
        rest = rest.substr(slash + 1);
    }
    return segments;
}

// A parameter matches any non-empty segment, a literal only itself.
template <typename Segment>
bool SegmentsMatch(const std::vector<Segment>& pattern, const std::vector<std::string>& path) {
    if (pattern.size() != path.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i].is_param ? path[i].empty() : pattern[i].text != path[i]) return false;
    }
    return true;
}

// True when `a` is more specific than `b`: at the leftmost position where one has a literal
// and the other a parameter, the literal wins.
template <typename Segment>
bool MoreSpecific(const std::vector<Segment>& a, const std::vector<Segment>& b) {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (a[i].is_param != b[i].is_param) return !a[i].is_param;
    }
    return false;
}

template <typename Segment>
bool SameShape(const std::vector<Segment>& a, const std::vector<Segment>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
        return x.is_param == y.is_param && (x.is_param || x.text == y.text);
    });
}

}  // namespace

void Router::Add(Route route) {
    const std::string& path_template = route.path_template;
    if (path_template.empty() || path_template.front() != '/') {
        throw std::invalid_argument("route template must start with '/': " + path_template);
    }
    std::vector<Segment> segments;
    for (const std::string_view part : SplitPath(path_template)) {
        const bool is_param = part.size() >= 2 && part.front() == '{' && part.back() == '}';
        Segment segment{.is_param = is_param,
                        .text = std::string(is_param ? part.substr(1, part.size() - 2) : part)};
        if (segment.text.find_first_of("{}") != std::string::npos ||
            (is_param && segment.text.empty())) {
            throw std::invalid_argument("malformed segment in route template: " + path_template);
        }
        if (is_param && std::any_of(segments.begin(), segments.end(), [&](const Segment& s) {
                return s.is_param && s.text == segment.text;
            })) {
            throw std::invalid_argument("repeated parameter in route template: " + path_template);
        }
        segments.push_back(std::move(segment));
    }
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        if (routes_[i].method == route.method && SameShape(segments_[i], segments)) {
            throw std::invalid_argument(
                "duplicate route: " + std::string(MethodName(route.method)) + " " + path_template);
        }
    }
    routes_.push_back(std::move(route));
    segments_.push_back(std::move(segments));
}

Router::Match Router::Find(Method method, std::string_view path) const {
    Match match;
    std::vector<std::string> decoded;
    for (const std::string_view segment : SplitPath(path)) {
        decoded.push_back(PercentDecode(segment, PlusMeans::kPlus).value_or(std::string(segment)));
    }
    if (decoded.empty()) return match;

    std::size_t best = routes_.size();
    std::size_t best_get = routes_.size();
    std::size_t best_any_method = routes_.size();
    const auto consider = [&](std::size_t& current, std::size_t candidate) {
        if (current == routes_.size() || MoreSpecific(segments_[candidate], segments_[current])) {
            current = candidate;
        }
    };
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        if (!SegmentsMatch(segments_[i], decoded)) continue;
        consider(best_any_method, i);
        const Method route_method = routes_[i].method;
        if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(), route_method) ==
            match.allowed_methods.end()) {
            match.allowed_methods.push_back(route_method);
        }
        if (route_method == method) consider(best, i);
        if (route_method == Method::kGet) consider(best_get, i);
    }
    // HEAD is GET without the body (RFC 9110): where no HEAD route matches, the GET route
    // answers, and the server leaves the body out.
    if (best_get != routes_.size()) {
        if (method == Method::kHead && best == routes_.size()) best = best_get;
        if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(), Method::kHead) ==
            match.allowed_methods.end()) {
            match.allowed_methods.push_back(Method::kHead);
        }
    }
    std::sort(match.allowed_methods.begin(), match.allowed_methods.end());
    if (best_any_method != routes_.size()) {
        match.path_template = routes_[best_any_method].path_template;
    }
    if (best == routes_.size()) return match;

    match.route = &routes_[best];
    const std::vector<Segment>& segments = segments_[best];
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (segments[i].is_param) match.path_params.emplace_back(segments[i].text, decoded[i]);
    }
    return match;
}

}  // namespace nanotasks::http
