// limit/offset paging and the collection _meta links of docs/mobproc-api.md § Paging.
#include "xferd/sim/endpoints.hpp"

#include <charconv>

namespace xferd::sim {

namespace json = boost::json;

namespace {

std::optional<std::size_t> to_size(const std::string& s)
{
    std::size_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size())
        return std::nullopt;
    return v;
}

std::string page_href(const State& st, std::string_view path, const Target& t, std::size_t limit,
                      std::size_t offset)
{
    std::string out = st.base_url;
    out.append(path);
    char sep = '?';
    for (auto& [k, v] : t.query) {
        if (k == "limit" || k == "offset")
            continue;
        out.push_back(sep);
        out += pct_encode(k) + "=" + pct_encode(v);
        sep = '&';
    }
    out.push_back(sep);
    out += "limit=" + std::to_string(limit) + "&offset=" + std::to_string(offset);
    return out;
}

}  // namespace

std::optional<Page> parse_page(const Target& t, State& st, Response& error)
{
    Page page;
    if (auto* l = t.param("limit")) {
        auto v = to_size(*l);
        if (!v || *v < 1 || *v > 1000) {
            error = error_response(st, 400, "400-Invalid-Paging-Parameter-error",
                                   "limit must be an integer from 1 to 1000.");
            return std::nullopt;
        }
        page.limit = *v;
    }
    if (auto* o = t.param("offset")) {
        auto v = to_size(*o);
        if (!v) {
            error = error_response(st, 400, "400-Invalid-Paging-Parameter-error",
                                   "offset must be a non-negative integer.");
            return std::nullopt;
        }
        page.offset = *v;
    }
    return page;
}

json::object page_meta(const State& st, std::string_view path, const Target& t, std::size_t total,
                       const Page& page)
{
    json::object m;
    m["href"] = page_href(st, path, t, page.limit, page.offset);
    m["totalCount"] = total;
    m["offset"] = page.offset;
    m["limit"] = page.limit;
    // Position links are left out when they would point at the current page.
    if (page.offset > 0) {
        m["hrefStart"] = page_href(st, path, t, page.limit, 0);
        m["hrefPrevious"] =
            page_href(st, path, t, page.limit, page.offset > page.limit ? page.offset - page.limit : 0);
    }
    if (page.offset + page.limit < total) {
        m["hrefNext"] = page_href(st, path, t, page.limit, page.offset + page.limit);
        m["hrefEnd"] = page_href(st, path, t, page.limit, (total - 1) / page.limit * page.limit);
    }
    return m;
}

}  // namespace xferd::sim
