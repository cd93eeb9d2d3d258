// The loopback-only control endpoint /_sim/...: audit, stats, live fault changes, token expiry.
#include "xferd/sim/endpoints.hpp"

#include <boost/json/parse.hpp>

namespace xferd::sim {

namespace json = boost::json;

namespace {

json::object stats_json(const State& st)
{
    json::object requests;
    for (auto& [endpoint, by_status] : st.stats.requests) {
        json::object counts;
        for (auto& [status, n] : by_status)
            counts[status] = n;
        requests[endpoint] = std::move(counts);
    }
    json::object by_external;
    for (auto& [ext, n] : st.stats.orders_by_external)
        by_external[ext] = n;
    json::object orders;
    orders["total"] = st.orders.size();
    orders["duplicates"] = st.stats.duplicate_orders;
    orders["byExternalOrderNumber"] = std::move(by_external);
    json::object tokens;
    tokens["issued"] = st.stats.tokens_issued;
    tokens["refreshed"] = st.stats.tokens_refreshed;
    tokens["active"] = st.access_tokens.size();
    json::object out;
    out["requests"] = std::move(requests);
    out["orders"] = std::move(orders);
    out["tokens"] = std::move(tokens);
    return out;
}

}  // namespace

Response control(const Request& req, const Target& t, State& st)
{
    if (!req.from_loopback)
        return error_response(st, 403, "403-Forbidden-error", "The control endpoint answers loopback clients only.");
    std::string_view path = t.path;
    if (path.size() > 1 && path.back() == '/')
        path.remove_suffix(1);
    bool get = req.method == "GET", post = req.method == "POST";

    if (path == "/_sim/audit" && get) {
        json::array entries;
        for (auto& o : st.orders)
            entries.push_back(audit_record(o));
        json::object out;
        out["entries"] = std::move(entries);
        return json_response(200, out);
    }
    if (path == "/_sim/stats" && get)
        return json_response(200, stats_json(st));
    if (path == "/_sim/faults" && get)
        return json_response(200, faults_to_json(st.faults));
    if (path == "/_sim/faults" && post) {
        boost::system::error_code ec;
        json::value body = json::parse(req.body, ec);
        if (ec || !body.is_object())
            return error_response(st, 400, "400-Malformed-JSON-error", "The body must be a JSON object.");
        if (auto err = apply_faults_json(st.faults, body.as_object()); !err.empty())
            return error_response(st, 400, "400-Invalid-Fault-error", err);
        return json_response(200, faults_to_json(st.faults));
    }
    if (path == "/_sim/tokens/expire" && post) {
        // Every access token issued so far expires now (refresh tokens stay valid).
        auto now = st.now();
        for (auto& [token, grant] : st.access_tokens)
            grant.expires = now;
        json::object out;
        out["expired"] = st.access_tokens.size();
        return json_response(200, out);
    }
    if (path == "/_sim/tokens/revoke" && post) {
        json::object out;
        out["revoked"] = st.access_tokens.size() + st.refresh_tokens.size();
        st.access_tokens.clear();
        st.refresh_tokens.clear();
        return json_response(200, out);
    }
    return error_response(st, 404, "404-Resource-Not-Found-error", "No control resource at " + t.path + ".");
}

}  // namespace xferd::sim
