// Everything the simulator remembers between requests: fixtures, tokens, orders, counters and
// the live fault settings. Touched from the simulator's one io_context thread only.
#pragma once

#include "xferd/sim/fixtures.hpp"
#include "xferd/sim/options.hpp"
#include "xferd/sim/time_util.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace xferd::sim {

struct TokenGrant {
    std::string username;
    std::string client_id;
    std::string employee_id;
    Clock::time_point expires;
};

struct Order {
    std::uint64_t id = 0;
    std::uint64_t segment_id = 0;
    std::string external_order_number;
    std::string service_id;
    std::string service_number;
    std::string transaction_type;
    std::string account_holder_id;
    std::string requested_by_id;
    std::string vendor_id;
    boost::json::array properties;  // echoed with labels
    Clock::time_point submitted;
};

struct Stats {
    // endpoint key -> HTTP status (or "reset", "stall") -> count
    std::map<std::string, std::map<std::string, std::uint64_t>> requests;
    std::map<std::string, std::uint64_t> orders_by_external;
    std::uint64_t duplicate_orders = 0;
    std::uint64_t tokens_issued = 0;
    std::uint64_t tokens_refreshed = 0;
    void count(const std::string& endpoint, const std::string& outcome) { ++requests[endpoint][outcome]; }
};

inline constexpr std::uint64_t first_order_id = 13298555;

struct State {
    State(Fixtures fixtures_in, const Options& options);

    Fixtures fixtures;
    std::string base_url;  // "https://127.0.0.1:PORT/mobproc/v1", set once the port is known
    std::chrono::seconds token_ttl;
    Faults faults;
    std::vector<StatusStep> status_after;
    std::function<Clock::time_point()> clock = [] { return Clock::now(); };
    Clock::time_point started;

    std::mt19937_64 fault_rng;  // seeded by --seed: decides random faults only
    std::mt19937_64 id_rng;     // tokens and error ids; never affects fault decisions

    std::unordered_map<std::string, TokenGrant> access_tokens;
    std::unordered_map<std::string, TokenGrant> refresh_tokens;

    std::vector<Order> orders;  // ascending orderId
    std::uint64_t next_order_id = first_order_id;

    Stats stats;
    // Called with each accepted submit's audit record (the Simulator writes it to --audit).
    std::function<void(const boost::json::object&)> on_audit;

    Clock::time_point now() const { return clock(); }
    const Order* find_order(std::string_view id) const;
    std::string random_token(std::size_t length);
    // Short random id of an error occurrence (the docs/mobproc-api.md § Errors and retries `id` field).
    std::string error_id();
};

// One audit record: externalOrderNumber, serviceId, orderId, time, transactionType.
boost::json::object audit_record(const Order& order);

// The status an order shows at `now` given --status-after (ORDER_SUBMITTED at first), and when
// it last changed.
std::pair<std::string, Clock::time_point> order_status_at(const Order& order,
                                                          const std::vector<StatusStep>& steps,
                                                          Clock::time_point now);

}  // namespace xferd::sim
