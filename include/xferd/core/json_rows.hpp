// JSON orderRequest → RawRow: the shape of mobproc-api.md §7.1/§10, plus the xferd extensions
// `employeeEmail` and `employeeId`. Pure; validation is validate_row()'s job.
#pragma once

#include "xferd/core/row_validation.hpp"

#include <boost/json/value.hpp>

#include <cstddef>

namespace xferd {

// `element` is one item of a batch: {"orderRequest":{…}} or a bare orderRequest object.
// Fields are named the JSON way in errors: "serviceId", "properties.SERVICE_NUMBER".
// A transactionType other than XFER_SERVICE_OUT, a non-TEXT property or a wrongly typed
// member is an error in RawRow::errors.
RawRow raw_row_from_json(const boost::json::value& element, std::size_t row);

}  // namespace xferd
