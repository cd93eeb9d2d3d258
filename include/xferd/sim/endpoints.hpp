// The simulator's endpoints, each a pure function of the request and the state; handle()
// (handler.hpp) routes to them after the fault and header checks.
#pragma once

#include "xferd/sim/http_types.hpp"
#include "xferd/sim/state.hpp"
#include "xferd/sim/url.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <string_view>

namespace xferd::sim {

// Who is calling: the token's grant, its user's employee and the actor (context headers).
struct Caller {
    const TokenGrant* grant = nullptr;
    const Employee* user = nullptr;
    const Employee* actor = nullptr;
};

Response json_response(int status, const boost::json::value& body);
// A bare docs/mobproc-api.md § Errors and retries error object.
Response error_response(State& state, int status, std::string_view code, std::string_view message);
// The order validation wrapper {"status":"ERROR","errors":[...]} with HTTP `status`.
Response errors_response(int status, boost::json::array errors);
boost::json::object make_error(State& state, int status, std::string_view code,
                               std::string_view message);

// Paging: limit (default 25, 1..1000) and offset (default 0); on bad values `error` is set.
struct Page {
    std::size_t limit = 25;
    std::size_t offset = 0;
};
std::optional<Page> parse_page(const Target& target, State& state, Response& error);
// Collection _meta per docs/mobproc-api.md § Paging: href, totalCount, offset, limit and the position links that do not
// point at the current page.
boost::json::object page_meta(const State& state, std::string_view path, const Target& target,
                              std::size_t total, const Page& page);

Response token_endpoint(const Request& request, const Target& target, State& state);
Response ping(const Target& target, State& state);
Response me(const Caller& caller, State& state);
Response post_orders(const Request& request, const Caller& caller, State& state, bool confirm);
Response get_order(std::string_view id, State& state);
Response list_orders(const Target& target, State& state);
Response order_history(std::string_view id, State& state);
Response order_shipments(std::string_view id, State& state);
Response list_services(const Target& target, State& state);
Response get_service(std::string_view id, State& state);
Response order_properties(const Target& target, State& state);
Response acknowledgements(const Target& target, State& state);
Response control(const Request& request, const Target& target, State& state);

}  // namespace xferd::sim
