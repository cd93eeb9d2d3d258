// Whose problem a failed API answer is (pure): the row's (the API's own answer about it: a
// decision), a passing one (server errors, throttling, timeouts: the row is FAILED and asked
// again), or the whole batch's (a setting is wrong or the API cannot be reached: every row would
// fail the same way). For the batch's, the setting to check.
#pragma once

#include "xferd/core/retry.hpp"

#include <string>
#include <string_view>

namespace xferd {

enum class FailureScope { row, transient, batch };

struct FailedAnswer {
    CallOutcome::Kind how = CallOutcome::Kind::answered;  // answered: see status / error_code
    int status = 0;
    std::string error_code;           // the API's errorCode (or the OAuth "error"), if any
    bool token_refused = false;       // no token could be had (the token endpoint refused or is away)
};

struct ApiFailure {
    FailureScope scope = FailureScope::row;
    std::string setting;  // batch: the setting(s) most likely wrong, e.g. "api.tenant"
    std::string advice;   // batch and transient: what to check, for a person
};

ApiFailure classify_failure(const FailedAnswer& answer);

// The first errorCode of an error answer ({"errors":[{"errorCode":…}]}, a bare {"errorCode":…}
// or an OAuth {"error":…}); "" when there is none.
std::string api_error_code(std::string_view body);

}  // namespace xferd
