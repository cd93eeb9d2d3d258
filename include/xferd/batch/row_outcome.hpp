// What an API answer means for a row (pure): the confirm answer, the submit answer and the
// lookup verdict each become the row's new fields. The passes only move bytes and call these.
#pragma once

#include "xferd/core/api_failure.hpp"
#include "xferd/core/reconcile.hpp"
#include "xferd/core/row_state.hpp"
#include "xferd/net/mobproc_client.hpp"
#include "xferd/store/state_store.hpp"

#include <optional>
#include <string>

namespace xferd {

// A confirm answer: confirmed; refused by the API about the row (a decision follows); or the API
// could not be asked (FAILED, asked again at the next run). `at`: ISO-8601 now.
void apply_confirm_answer(RowRecord& row, const ApiResponse& answer, const std::string& at);

// A submit answer. `stopping`: a SIGTERM came while the call waited out an outage; a call that
// provably sent nothing then leaves the row pending for the next run.
SubmitResult submit_result(const RowRecord& row, const ApiResponse& answer, bool stopping, const std::string& at);
// A row whose intent is recorded but whose request was never started (the batch stopped in
// between): pending again, submitted at the next run without a look-up.
SubmitResult not_sent(const RowRecord& row, const std::string& at);

// A lookup verdict for a row whose submit was unanswered: found (SUBMITTED), absent (pending:
// sent again) or impossible (IN_DOUBT, with what to check).
SubmitResult lookup_result(const RowRecord& row, const ReconcileAnswer& answer, const std::string& at);

// Whose problem an answer that is not a success is (core/api_failure.hpp): the row's, a passing
// one, or the batch's (the API unreachable, authentication, a wrong tenant, client id or base
// URL), naming the setting. A 2xx answer is the row's.
ApiFailure failure_of(const ApiResponse& answer);
// For the batch's: what was said and what to check, for the log and the exit message.
std::string batch_problem_text(const ApiResponse& answer, const ApiFailure& failure);

// The API's own words about a row, with what to check ("Service 38391391 was not found." →
// "… check the service_id column: is it the MobProc service asset id of this line?").
std::string explain_row_error(const std::string& api_error);

}  // namespace xferd
