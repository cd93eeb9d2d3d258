// Routing, injected faults, the common header/token checks and the request counters.
#include "xferd/sim/handler.hpp"

#include "xferd/sim/endpoints.hpp"
#include "xferd/sim/render.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <random>

namespace xferd::sim {

namespace json = boost::json;

std::string_view Request::header(std::string_view lower_name) const
{
    for (auto& [name, value] : headers) {
        if (name != lower_name)
            continue;
        std::string_view v = value;
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
            v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
            v.remove_suffix(1);
        return v;
    }
    return {};
}

namespace {

constexpr std::string_view api_prefix = "/mobproc/v1";
constexpr std::string_view token_path = "/as/token.oauth2";

// A routed request: its stats key, the methods its path allows and the id in the path.
struct Route {
    std::string endpoint;
    std::vector<std::string_view> allowed;  // empty: unknown path
    std::string id;
    bool api = false;
};

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

Route route(std::string_view method, const Target& t)
{
    std::string_view path = t.path;
    if (path.size() > 1 && path.back() == '/')
        path.remove_suffix(1);
    if (path == token_path)
        return {"token", {"POST"}, {}, false};
    if (path.starts_with("/_sim/") || path == "/_sim")
        return {"sim", {"GET", "POST"}, {}, false};
    if (!path.starts_with(api_prefix) ||
        (path.size() > api_prefix.size() && path[api_prefix.size()] != '/'))
        return {"not_found", {}, {}, false};
    std::string_view rest = path.substr(api_prefix.size());
    auto seg = [&](std::size_t n) -> std::string_view {
        std::string_view r = rest;
        for (std::size_t i = 0;; ++i) {
            if (r.empty())
                return {};
            r.remove_prefix(1);  // the '/'
            auto slash = r.find('/');
            if (i == n)
                return r.substr(0, slash);
            if (slash == std::string_view::npos)
                return {};
            r = r.substr(slash);
        }
    };
    auto count = std::count(rest.begin(), rest.end(), '/');
    if (rest == "/ping")
        return {"ping", {"GET"}, {}, true};
    if (rest == "/me")
        return {"me", {"GET"}, {}, true};
    if (rest == "/acknowledgements")
        return {"acknowledgements", {"GET"}, {}, true};
    if (rest == "/orders/properties")
        return {"properties", {"GET"}, {}, true};
    if (rest == "/orders") {
        if (method == "POST") {
            auto* c = t.param("confirm");
            return {c && iequals(*c, "true") ? "confirm" : "submit", {"GET", "POST"}, {}, true};
        }
        return {"list_orders", {"GET", "POST"}, {}, true};
    }
    if (seg(0) == "orders" && count == 2)
        return {"get_order", {"GET"}, std::string(seg(1)), true};
    if (seg(0) == "orders" && count == 3 && seg(2) == "history")
        return {"order_history", {"GET"}, std::string(seg(1)), true};
    if (seg(0) == "orders" && count == 3 && seg(2) == "shipments")
        return {"order_shipments", {"GET"}, std::string(seg(1)), true};
    if (rest == "/assets/services")
        return {"list_services", {"GET"}, {}, true};
    if (seg(0) == "assets" && seg(1) == "services" && count == 3)
        return {"get_service", {"GET"}, std::string(seg(2)), true};
    return {"not_found", {}, {}, true};
}

bool matches(std::string_view rule, const Route& r)
{
    if (rule == r.endpoint || rule == "*")
        return true;
    if (rule == "orders")
        return r.endpoint == "confirm" || r.endpoint == "submit";
    if (rule == "api")
        return r.api;
    return false;
}

struct FaultPlan {
    bool inject = false;
    FaultAction action = FaultAction::status;
    int status = 0;
    bool after_processing = false;
    std::chrono::milliseconds delay{0};
};

bool draw(State& st, double rate)
{
    if (rate <= 0)
        return false;
    if (rate >= 1)
        return true;
    return std::uniform_real_distribution<double>(0, 1)(st.fault_rng) < rate;
}

FaultPlan plan_faults(State& st, const Route& r)
{
    FaultPlan plan;
    auto& f = st.faults;
    plan.delay = f.latency;
    if (f.jitter.count() > 0)
        plan.delay += std::chrono::milliseconds{
            std::uniform_int_distribution<long>(0, long(f.jitter.count()))(st.fault_rng)};

    for (auto it = f.sequence.begin(); it != f.sequence.end(); ++it) {
        if (it->count <= 0 || !matches(it->endpoint, r))
            continue;
        plan.inject = true;
        plan.action = it->action;
        plan.status = it->status;
        plan.after_processing = it->after_processing;
        if (--it->count == 0)
            f.sequence.erase(it);
        return plan;
    }
    if (r.endpoint == "token") {
        auto since = st.now() - st.started;
        bool window = f.token_outage_from && since >= *f.token_outage_from &&
                      since < *f.token_outage_from + f.token_outage_for;
        if (f.token_outage || window) {
            plan.inject = true;
            plan.status = 503;
        }
        return plan;
    }
    if (!r.api)
        return plan;
    auto set = [&](FaultAction a, int status = 0) {
        plan.inject = true;
        plan.action = a;
        plan.status = status;
    };
    if (draw(st, f.reset_before_rate)) {
        set(FaultAction::reset_before);
    } else if (draw(st, f.fail_rate)) {
        auto& s = f.fail_statuses;
        set(FaultAction::status,
            s.empty() ? 503 : s[std::uniform_int_distribution<std::size_t>(0, s.size() - 1)(st.fault_rng)]);
    } else if (draw(st, f.throttle_rate)) {
        set(FaultAction::status, 429);
    } else if (r.endpoint == "submit" && draw(st, f.reset_rate)) {
        set(FaultAction::reset_after);
    } else if (draw(st, f.stall_rate)) {
        set(FaultAction::stall);
    }
    return plan;
}

std::string status_code_name(int status)
{
    switch (status) {
    case 400: return "400-Bad-Request-error";
    case 401: return "401-Invalid-Token-error";
    case 403: return "403-Forbidden-error";
    case 404: return "404-Not-Found-error";
    case 429: return "429-Too-Many-Requests-error";
    case 500: return "500-Internal-Server-error";
    case 502: return "502-Bad-Gateway-error";
    case 503: return "503-Service-Unavailable-error";
    case 504: return "504-Gateway-Timeout-error";
    default: return std::to_string(status) + "-Injected-Fault-error";
    }
}

Response injected_status(State& st, int status)
{
    std::string message = status == 429 ? "Too many requests, retry later."
                                        : "Injected fault: the service answered " + std::to_string(status) + ".";
    Response r = error_response(st, status, status_code_name(status), message);
    if (status == 429 || status == 503)
        r.headers.emplace_back("Retry-After", std::to_string(st.faults.retry_after_s));
    return r;
}

// The docs/mobproc-api.md § Headers / docs/mobproc-api.md § Gap decisions checks every API call passes before it reaches its endpoint.
std::optional<Response> check_caller(const Request& req, State& st, Caller& caller)
{
    auto tenant = req.header("x-tngo-tenant");
    if (tenant.empty())
        return error_response(st, 400, "400-Missing-Tenant-Header-error",
                              "X-TNGO-TENANT header must be passed in.");
    auto client_id = req.header("client_id");
    if (client_id.empty())
        return error_response(st, 400, "400-Missing-Client-Id-Header-error",
                              "client_id header must be passed in.");
    auto auth = req.header("authorization");
    if (auth.empty())
        return error_response(st, 401, "401-Invalid-Token-error",
                              "Authorization header with a Bearer access token must be passed in.");
    if (auth.size() < 7 || !iequals(auth.substr(0, 7), "Bearer "))
        return error_response(st, 401, "401-Invalid-Token-error",
                              "Authorization must use the Bearer scheme.");
    auto token = auth.substr(7);
    while (!token.empty() && token.front() == ' ')
        token.remove_prefix(1);
    auto it = st.access_tokens.find(std::string(token));
    if (it == st.access_tokens.end())
        return error_response(st, 401, "401-Invalid-Token-error", "The access token is not valid.");
    if (st.now() >= it->second.expires)
        return error_response(st, 401, "401-Invalid-Token-error", "The access token has expired.");
    if (tenant != st.fixtures.tenant)
        return error_response(st, 403, "403-Invalid-Tenant-error",
                              "The tenant in X-TNGO-TENANT is not known or not accessible to this client.");
    if (client_id != it->second.client_id)
        return error_response(st, 403, "403-Invalid-Client-Id-error",
                              "The client_id header does not match the client the token was issued to.");
    caller.grant = &it->second;
    caller.user = st.fixtures.find_employee(it->second.employee_id);
    caller.actor = caller.user;
    if (auto id = req.header("x-tngo-context-employeeid"); !id.empty()) {
        caller.actor = st.fixtures.find_employee(id);
        if (!caller.actor)
            return error_response(st, 400, "400-Invalid-Context-Employee-error",
                                  "X-TNGO-CONTEXT-EMPLOYEEID does not name a known employee.");
    } else if (auto cid = req.header("x-tngo-context-companyemployeeid"); !cid.empty()) {
        caller.actor = st.fixtures.find_employee_by_company_id(cid);
        if (!caller.actor)
            return error_response(st, 400, "400-Invalid-Context-Employee-error",
                                  "X-TNGO-CONTEXT-COMPANYEMPLOYEEID does not name a known employee.");
    }
    return std::nullopt;
}

Response dispatch(const Request& req, const Target& t, const Route& r, State& st)
{
    if (r.allowed.empty())
        return error_response(st, 404, "404-Resource-Not-Found-error",
                              "No resource at " + t.path + ".");
    if (std::find(r.allowed.begin(), r.allowed.end(), req.method) == r.allowed.end()) {
        Response res = error_response(st, 405, "405-Method-Not-Allowed-error",
                                      "Method " + req.method + " is not allowed on " + t.path + ".");
        std::string allow;
        for (auto m : r.allowed)
            allow += (allow.empty() ? "" : ", ") + std::string(m);
        res.headers.emplace_back("Allow", allow);
        return res;
    }
    if (r.endpoint == "token")
        return token_endpoint(req, t, st);
    if (r.endpoint == "sim")
        return control(req, t, st);

    Caller caller;
    if (auto bad = check_caller(req, st, caller))
        return std::move(*bad);
    if (r.endpoint == "submit" || r.endpoint == "confirm") {
        if (auto* c = t.param("confirm"); c && !iequals(*c, "true") && !iequals(*c, "false"))
            return error_response(st, 400, "400-Invalid-Query-Parameter-error",
                                  "confirm must be true or false.");
        return post_orders(req, caller, st, r.endpoint == "confirm");
    }
    if (r.endpoint == "ping") return ping(t, st);
    if (r.endpoint == "me") return me(caller, st);
    if (r.endpoint == "list_orders") return list_orders(t, st);
    if (r.endpoint == "get_order") return get_order(r.id, st);
    if (r.endpoint == "order_history") return order_history(r.id, st);
    if (r.endpoint == "order_shipments") return order_shipments(r.id, st);
    if (r.endpoint == "list_services") return list_services(t, st);
    if (r.endpoint == "get_service") return get_service(r.id, st);
    if (r.endpoint == "properties") return order_properties(t, st);
    if (r.endpoint == "acknowledgements") return acknowledgements(t, st);
    return error_response(st, 404, "404-Resource-Not-Found-error", "No resource at " + t.path + ".");
}

std::string outcome(const Response& r)
{
    switch (r.disposition) {
    case Disposition::reset_before:
    case Disposition::reset_after: return "reset";
    case Disposition::stall: return "stall";
    case Disposition::answer: break;
    }
    return std::to_string(r.status);
}

}  // namespace

Response handle(const Request& req, State& st)
{
    auto target = parse_target(req.target);
    if (!target) {
        Response r = error_response(st, 400, "400-Bad-Request-error", "The request target is malformed.");
        r.endpoint = "invalid_request";
        st.stats.count(r.endpoint, outcome(r));
        return r;
    }
    Route r = route(req.method, *target);
    if (r.endpoint == "sim") {
        // The control endpoint sees no faults and is not counted.
        Response res = dispatch(req, *target, r, st);
        res.endpoint = r.endpoint;
        return res;
    }
    FaultPlan plan = plan_faults(st, r);
    Response res;
    if (plan.inject && plan.action == FaultAction::reset_before) {
        res.disposition = Disposition::reset_before;
    } else if (plan.inject && plan.action == FaultAction::status && !plan.after_processing) {
        res = injected_status(st, plan.status);
    } else {
        res = dispatch(req, *target, r, st);
        if (plan.inject) {
            switch (plan.action) {
            case FaultAction::status: res = injected_status(st, plan.status); break;
            case FaultAction::reset_after: res.disposition = Disposition::reset_after; break;
            case FaultAction::stall: res.disposition = Disposition::stall; break;
            case FaultAction::reset_before: break;
            }
        }
    }
    res.delay = plan.delay;
    res.endpoint = r.endpoint;
    st.stats.count(res.endpoint, outcome(res));
    return res;
}

Response transport_error(int status, State& st)
{
    Response r = status == 413
                     ? error_response(st, 413, "413-Request-Too-Large-error", "The request body is too large.")
                     : error_response(st, status, "400-Bad-Request-error", "The HTTP request is malformed.");
    r.endpoint = "invalid_request";
    st.stats.count(r.endpoint, std::to_string(r.status));
    return r;
}

// --- shared response helpers -------------------------------------------------------------

Response json_response(int status, const json::value& body)
{
    Response r;
    r.status = status;
    r.body = json::serialize(body);
    return r;
}

json::object make_error(State& st, int status, std::string_view code, std::string_view message)
{
    return error_json(status, st.error_id(), code, message);
}

Response error_response(State& st, int status, std::string_view code, std::string_view message)
{
    return json_response(status, make_error(st, status, code, message));
}

Response errors_response(int status, json::array errors)
{
    json::object o;
    o["status"] = "ERROR";
    o["errors"] = std::move(errors);
    return json_response(status, o);
}

}  // namespace xferd::sim
