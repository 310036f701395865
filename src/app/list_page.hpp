#pragma once

#include <vector>

namespace nanotasks::app {

// One page of a keyset-paginated list. Services fetch one row more than asked: its presence
// says that another page exists, and the endpoint then makes a cursor from the last item.
template <typename T>
struct ListPage {
    std::vector<T> items;
    bool has_more = false;
};

template <typename T>
ListPage<T> MakePage(std::vector<T> rows, int limit) {
    ListPage<T> page;
    page.has_more = static_cast<int>(rows.size()) > limit;
    if (page.has_more) rows.resize(static_cast<std::size_t>(limit));
    page.items = std::move(rows);
    return page;
}

}  // namespace nanotasks::app
