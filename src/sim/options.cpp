#include "xferd/sim/options.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <functional>

namespace xferd::sim {

namespace json = boost::json;

namespace {

template <class T>
std::optional<T> to_number(std::string_view s)
{
    T v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size())
        return std::nullopt;
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep)
{
    std::vector<std::string_view> out;
    while (true) {
        auto pos = s.find(sep);
        out.push_back(s.substr(0, pos));
        if (pos == std::string_view::npos)
            break;
        s.remove_prefix(pos + 1);
    }
    return out;
}

const char* action_name(FaultAction a)
{
    switch (a) {
    case FaultAction::status: return "status";
    case FaultAction::reset_before: return "reset_before";
    case FaultAction::reset_after: return "reset_after";
    case FaultAction::stall: return "stall";
    }
    return "status";
}

std::optional<FaultAction> action_from(std::string_view s)
{
    if (s == "status") return FaultAction::status;
    if (s == "reset_before") return FaultAction::reset_before;
    if (s == "reset_after") return FaultAction::reset_after;
    if (s == "stall") return FaultAction::stall;
    return std::nullopt;
}

bool valid_status(std::int64_t s) { return s >= 200 && s <= 599; }

// Reads a number member as double; false when present but not a number.
bool read_number(const json::object& o, std::string_view key, std::optional<double>& out)
{
    auto* v = o.if_contains(key);
    if (!v)
        return true;
    if (v->is_int64()) out = double(v->get_int64());
    else if (v->is_uint64()) out = double(v->get_uint64());
    else if (v->is_double()) out = v->get_double();
    else return false;
    return true;
}

}  // namespace

std::optional<ListenAddress> parse_listen(std::string_view text)
{
    ListenAddress out;
    std::string_view port;
    if (text.starts_with('[')) {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return std::nullopt;
        out.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos)
            return std::nullopt;
        out.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    auto p = to_number<unsigned>(port);
    if (out.host.empty() || !p || *p > 65535)
        return std::nullopt;
    out.port = std::uint16_t(*p);
    return out;
}

std::optional<std::vector<StatusStep>> parse_status_after(std::string_view text)
{
    std::vector<StatusStep> steps;
    if (text.empty())
        return steps;
    for (auto part : split(text, ',')) {
        auto eq = part.find('=');
        if (eq == std::string_view::npos || eq == 0)
            return std::nullopt;
        auto secs = to_number<long>(part.substr(eq + 1));
        if (!secs || *secs < 0)
            return std::nullopt;
        steps.push_back({std::string(part.substr(0, eq)), std::chrono::seconds{*secs}});
    }
    if (!std::is_sorted(steps.begin(), steps.end(),
                        [](auto& a, auto& b) { return a.after < b.after; }))
        return std::nullopt;
    return steps;
}

bool parse_token_outage(std::string_view text, Faults& faults)
{
    if (text == "on" || text == "true") {
        faults.token_outage = true;
        return true;
    }
    if (text == "off" || text == "false") {
        faults.token_outage = false;
        faults.token_outage_from.reset();
        return true;
    }
    auto plus = text.find('+');
    if (plus == std::string_view::npos)
        return false;
    auto from = to_number<long>(text.substr(0, plus));
    auto len = to_number<long>(text.substr(plus + 1));
    if (!from || !len || *from < 0 || *len < 0)
        return false;
    faults.token_outage_from = std::chrono::seconds{*from};
    faults.token_outage_for = std::chrono::seconds{*len};
    return true;
}

std::optional<std::vector<int>> parse_statuses(std::string_view text)
{
    std::vector<int> out;
    for (auto part : split(text, ',')) {
        auto v = to_number<int>(part);
        if (!v || !valid_status(*v))
            return std::nullopt;
        out.push_back(*v);
    }
    if (out.empty())
        return std::nullopt;
    return out;
}

json::object faults_to_json(const Faults& f)
{
    json::object o;
    o["latencyMs"] = f.latency.count();
    o["jitterMs"] = f.jitter.count();
    o["failRate"] = f.fail_rate;
    json::array statuses;
    for (int s : f.fail_statuses)
        statuses.push_back(s);
    o["failStatuses"] = std::move(statuses);
    o["throttleRate"] = f.throttle_rate;
    o["retryAfter"] = f.retry_after_s;
    o["resetRate"] = f.reset_rate;
    o["resetBeforeRate"] = f.reset_before_rate;
    o["stallRate"] = f.stall_rate;
    o["tokenOutage"] = f.token_outage;
    if (f.token_outage_from) {
        o["tokenOutageFrom"] = f.token_outage_from->count();
        o["tokenOutageFor"] = f.token_outage_for.count();
    }
    json::array seq;
    for (auto& r : f.sequence) {
        json::object ro;
        ro["endpoint"] = r.endpoint;
        ro["count"] = r.count;
        ro["action"] = action_name(r.action);
        if (r.action == FaultAction::status) {
            ro["status"] = r.status;
            ro["afterProcessing"] = r.after_processing;
        }
        seq.push_back(std::move(ro));
    }
    o["sequence"] = std::move(seq);
    return o;
}

// Over 80 lines by design: one table of fault fields, each a line.
std::string apply_faults_json(Faults& faults, const json::object& patch)
{
    Faults f = patch.contains("reset") && patch.at("reset").is_bool() && patch.at("reset").get_bool()
                   ? Faults{}
                   : faults;
    static constexpr std::string_view known[] = {
        "reset",           "latencyMs",   "jitterMs",        "failRate",       "failStatuses",
        "throttleRate",    "retryAfter",  "resetRate",       "resetBeforeRate", "stallRate",
        "tokenOutage",     "tokenOutageFrom", "tokenOutageFor", "sequence",     "appendSequence"};
    for (auto& kv : patch) {
        if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known))
            return "unknown member '" + std::string(kv.key()) + "'";
    }
    struct Rate {
        std::string_view key;
        double* target;
    };
    for (Rate r : {Rate{"failRate", &f.fail_rate}, Rate{"throttleRate", &f.throttle_rate},
                   Rate{"resetRate", &f.reset_rate}, Rate{"resetBeforeRate", &f.reset_before_rate},
                   Rate{"stallRate", &f.stall_rate}}) {
        std::optional<double> v;
        if (!read_number(patch, r.key, v) || (v && (*v < 0 || *v > 1)))
            return std::string(r.key) + " must be a number in [0, 1]";
        if (v)
            *r.target = *v;
    }
    struct Whole {
        std::string_view key;
        std::function<void(long)> set;
    };
    for (const Whole& w :
         {Whole{"latencyMs", [&](long v) { f.latency = std::chrono::milliseconds{v}; }},
          Whole{"jitterMs", [&](long v) { f.jitter = std::chrono::milliseconds{v}; }},
          Whole{"retryAfter", [&](long v) { f.retry_after_s = int(v); }},
          Whole{"tokenOutageFrom", [&](long v) { f.token_outage_from = std::chrono::seconds{v}; }},
          Whole{"tokenOutageFor", [&](long v) { f.token_outage_for = std::chrono::seconds{v}; }}}) {
        std::optional<double> v;
        if (!read_number(patch, w.key, v) || (v && (*v < 0 || *v > 86400000)))
            return std::string(w.key) + " must be a non-negative number";
        if (v)
            w.set(long(*v));
    }
    if (auto* v = patch.if_contains("failStatuses")) {
        if (!v->is_array() || v->as_array().empty())
            return "failStatuses must be a non-empty array of HTTP statuses";
        std::vector<int> statuses;
        for (auto& s : v->as_array()) {
            if (!s.is_int64() || !valid_status(s.get_int64()))
                return "failStatuses must be a non-empty array of HTTP statuses";
            statuses.push_back(int(s.get_int64()));
        }
        f.fail_statuses = std::move(statuses);
    }
    if (auto* v = patch.if_contains("tokenOutage")) {
        if (!v->is_bool())
            return "tokenOutage must be a boolean";
        f.token_outage = v->get_bool();
        if (!f.token_outage && !patch.contains("tokenOutageFrom"))
            f.token_outage_from.reset();
    }
    for (std::string_view key : {"sequence", "appendSequence"}) {
        auto* v = patch.if_contains(key);
        if (!v)
            continue;
        if (!v->is_array())
            return std::string(key) + " must be an array of rules";
        std::vector<SequenceRule> rules;
        for (auto& item : v->as_array()) {
            if (!item.is_object())
                return "a sequence rule must be an object";
            auto& ro = item.as_object();
            SequenceRule r;
            auto* ep = ro.if_contains("endpoint");
            if (!ep || !ep->is_string() || ep->as_string().empty())
                return "a sequence rule needs an endpoint";
            r.endpoint = std::string(ep->as_string());
            if (auto* c = ro.if_contains("count")) {
                if (!c->is_int64() || c->get_int64() < 1)
                    return "a sequence rule's count must be a positive integer";
                r.count = int(c->get_int64());
            }
            if (auto* a = ro.if_contains("action")) {
                auto act = a->is_string() ? action_from(a->as_string()) : std::nullopt;
                if (!act)
                    return "a sequence rule's action must be status, reset_before, reset_after or stall";
                r.action = *act;
            }
            if (auto* s = ro.if_contains("status")) {
                if (!s->is_int64() || !valid_status(s->get_int64()))
                    return "a sequence rule's status must be an HTTP status";
                r.status = int(s->get_int64());
            }
            if (auto* ap = ro.if_contains("afterProcessing")) {
                if (!ap->is_bool())
                    return "afterProcessing must be a boolean";
                r.after_processing = ap->get_bool();
            }
            rules.push_back(std::move(r));
        }
        if (key == "sequence")
            f.sequence = std::move(rules);
        else
            f.sequence.insert(f.sequence.end(), rules.begin(), rules.end());
    }
    faults = std::move(f);
    return {};
}

}  // namespace xferd::sim
