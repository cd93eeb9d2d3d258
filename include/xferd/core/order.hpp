// Mapping between rows and MobProc JSON bodies (docs/mobproc-api.md § The order body, § Confirmations, § Submit answers). Pure.
#pragma once

#include "xferd/core/row.hpp"
#include "xferd/core/row_state.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace xferd {

inline constexpr std::string_view transaction_type_xfer_out = "XFER_SERVICE_OUT";

// {"orderRequest":{externalOrderNumber, serviceId, transactionType, properties:[MISCELLANEOUS…]}}
// in the shape of the XFER_SERVICE_OUT tutorial; extra GROUP.FIELD properties are grouped.
boost::json::value make_order_request(const TransferRow& row, boost::json::storage_ptr sp = {});
// make_order_request() serialized, built in a buffer of its own (a request body a row).
std::string order_request_body(const TransferRow& row);

// The parts of a confirm=true answer a person checks. A body that is not a SUCCESS
// orderConfirmation yields confirmed=false with the reason in `error`.
ConfirmationSummary summarize_confirmation(const boost::json::value& body);

struct SubmittedOrder {
    std::string order_id;
    std::string status;                 // ORDER_SUBMITTED, or any status string (unknown = in progress)
    std::string external_order_number;
    std::string service_number;
    std::string carrier;                // orderSegments.items[0].vendor.name, when present
};
// From a submit answer {"order":{…},"status":"SUCCESS"} or a bare order (GET /orders/{id}).
std::optional<SubmittedOrder> parse_order(const boost::json::value& body);

// One sentence from an error answer: the docs/mobproc-api.md § Gap decisions {"status":"ERROR","errors":[…]} form, a bare docs/mobproc-api.md § Errors and retries
// error object, an OAuth error, or anything else (then the HTTP status and a short excerpt).
std::string describe_api_error(int http_status, std::string_view body);

// True when the answer's errorCode says the token is bad (401, or 403 naming the token).
bool is_token_error(int http_status, std::string_view body);

}  // namespace xferd
