// JSON shapes of the API (field names as in the tutorials), built from fixtures.
#pragma once

#include "xferd/sim/fixtures.hpp"
#include "xferd/sim/state.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace xferd::sim {

boost::json::object employee_json(const Fixtures& fx, const Employee& e, std::string_view base_url);
boost::json::object device_json(const Fixtures& fx, const Device& d, std::string_view base_url);
boost::json::object service_ref_json(const ServiceAsset& s, std::string_view base_url);
boost::json::object service_detail_json(const Fixtures& fx, const ServiceAsset& s,
                                        std::string_view base_url);
boost::json::object region_json(const Named& r, std::string_view base_url);
boost::json::object vendor_json(const Named& v, std::string_view base_url);
// The order as POST /orders and GET /orders/{id} show it, with its status at `now`.
boost::json::object order_json(const State& state, const Order& order, Clock::time_point now);

// docs/mobproc-api.md § Errors and retries error object and the validation wrapper {"status":"ERROR","errors":[...]}.
boost::json::object error_json(int status, std::string_view id, std::string_view code,
                               std::string_view message);

}  // namespace xferd::sim
