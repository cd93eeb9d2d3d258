// JSON orderRequest → RawRow: the shape of docs/mobproc-api.md § The order body, plus the xferd extensions
// `employeeEmail` and `employeeId`. Pure; validation is validate_row()'s job.
#pragma once

#include "xferd/core/json_item.hpp"
#include "xferd/core/limits.hpp"
#include "xferd/core/row_validation.hpp"

#include <string_view>

namespace xferd {

// `item.value` is one item of a batch: {"orderRequest":{…}} or a bare orderRequest object.
// Fields are named the JSON way in errors: "serviceId", "properties.SERVICE_NUMBER".
// A transactionType other than XFER_SERVICE_OUT, a non-TEXT property, a wrongly typed member,
// a property field id twice, and each of the item's problems (a key twice, a value over the
// field limit, the item over the row limit) is an error in RawRow::errors. `what` names the
// item in messages: "item 3", "line 3".
RawRow raw_row_from_json(const JsonItem& item, std::string_view what, const BatchLimits& limits);

}  // namespace xferd
