#pragma once

#include <string>

#include "domain/rules.hpp"

namespace nanotasks::app {

// Who is making a request, as the database says now (not as an older token claimed).
struct Caller {
    std::string id;
    domain::Role role = domain::Role::kWorker;
    std::string name;
};

}  // namespace nanotasks::app
