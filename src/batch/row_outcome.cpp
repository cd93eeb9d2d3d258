#include "xferd/batch/row_outcome.hpp"

#include "xferd/core/order.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <array>
#include <utility>

namespace xferd {

namespace {

// An answer's document lives only while it is read: its parts come from a buffer on the stack
// (a confirmation is 2-3 KB of JSON; only a bigger one takes more from malloc).
constexpr std::size_t parse_buffer_bytes = 8192;

bool contains(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

std::optional<SubmittedOrder> order_in(const ApiResponse& answer)
{
    if (!answer.ok()) return std::nullopt;
    boost::system::error_code ec;
    unsigned char buffer[parse_buffer_bytes];
    boost::json::monotonic_resource arena(buffer, sizeof buffer);
    auto doc = boost::json::parse(answer.body, ec, &arena);
    if (ec) return std::nullopt;
    return parse_order(doc);
}

}  // namespace

ApiFailure failure_of(const ApiResponse& answer)
{
    if (answer.ok() || answer.kind == ApiResponse::Kind::in_doubt) return {};
    FailedAnswer f;
    f.how = answer.last_outcome;
    f.status = answer.status;
    f.error_code = api_error_code(answer.body);
    f.token_refused = answer.authentication_failed;
    if (f.token_refused) f.error_code = contains(answer.message, "invalid_client") ? "invalid_client"
                                        : contains(answer.message, "invalid_grant") ? "invalid_grant"
                                                                                    : "";
    return classify_failure(f);
}

std::string batch_problem_text(const ApiResponse& answer, const ApiFailure& failure)
{
    const std::string said = answer.kind == ApiResponse::Kind::answered ? describe_api_error(answer.status, answer.body)
                                                                        : answer.message;
    return said + " — " + failure.advice;
}

std::string explain_row_error(const std::string& api_error)
{
    // Keyed by the docs/mobproc-api.md § Errors and retries errorCode the API sends (and, for older backends, its wording).
    static const std::array<std::pair<std::string_view, std::string_view>, 6> advice{{
        {"Service-Not-Found",
         "check the service_id column: it must be the MobProc service asset id of this line (MobProc → Assets → "
         "Services), not the phone number or an employee id"},
        {"Service-Not-Active",
         "the line is not active in MobProc (suspended or already deactivated): check its status there before "
         "transferring it"},
        {"Invalid-Service-Status", "the line's status in MobProc does not allow a transfer: check it there"},
        {"Missing-Required-Property",
         "a value MobProc requires for this carrier is missing: fill that column (or add it as a GROUP.FIELD column)"},
        {"Invalid-Property", "a value is not in the form MobProc expects: check that column against the message"},
        {"External-Order-Number", "check the external_order_number column (at most 64 characters)"},
    }};
    for (const auto& [code, text] : advice)
        if (contains(api_error, code)) return api_error + " — " + std::string(text) + ".";
    if (contains(api_error, "was not found"))
        return api_error + " — check the service_id column against MobProc (Assets → Services).";
    return api_error;
}

void apply_confirm_answer(RowRecord& row, const ApiResponse& answer, const std::string& at)
{
    row.confirmed_at = at;
    if (answer.kind != ApiResponse::Kind::answered) {
        // Not the row's fault: the API could not be asked. Not a decision; asked again next run.
        row.confirm_state = ConfirmState::failed;
        row.confirmation = {};
        row.confirmation.error = "the confirm call failed: " + answer.message;
        row.status = RowStatus::failed;
        row.retry = true;
        row.message = row.confirmation.error + "; it is asked again at the next run";
        return;
    }
    if (answer.ok()) {
        boost::system::error_code ec;
        unsigned char buffer[parse_buffer_bytes];
        boost::json::monotonic_resource arena(buffer, sizeof buffer);
        auto body = boost::json::parse(answer.body, ec, &arena);
        if (ec) {
            row.confirmation = {};
            row.confirmation.error = "the confirmation answer is not JSON";
        } else {
            row.confirmation = summarize_confirmation(body);
        }
    } else if (auto failure = failure_of(answer); failure.scope != FailureScope::row) {
        // An answer that is not about the row (a server error, a wrong setting): not a decision.
        row.confirm_state = ConfirmState::failed;
        row.confirmation = {};
        row.confirmation.error = "the confirm call failed: " + describe_api_error(answer.status, answer.body) +
                                 " — " + failure.advice;
        row.status = RowStatus::failed;
        row.retry = true;
        row.message = row.confirmation.error + "; it is asked again at the next run";
        return;
    } else {
        row.confirmation = {};
        row.confirmation.error = explain_row_error(describe_api_error(answer.status, answer.body));
    }
    row.confirm_state = row.confirmation.confirmed ? ConfirmState::confirmed : ConfirmState::refused;
    if (row.status == RowStatus::failed && row.retry) {   // a retried row that got through
        row.status = RowStatus::pending;
        row.retry = false;
        row.message.clear();
    }
}

SubmitResult submit_result(const RowRecord& row, const ApiResponse& answer, bool stopping, const std::string& at)
{
    SubmitResult r;
    r.row = row.row;
    r.at = at;
    if (auto order = order_in(answer)) {
        r.status = RowStatus::submitted;
        r.order_id = order->order_id;
        r.carrier = order->carrier;
        r.message = "order " + order->order_id + " placed (" + order->status + ")";
        return r;
    }
    if (answer.ok() || answer.kind == ApiResponse::Kind::in_doubt) {
        // Maybe placed: never resend blindly; it is looked up (GET /orders) before anything else.
        r.status = RowStatus::in_doubt;
        r.message = answer.ok() ? "the API accepted the submit but its answer holds no orderId" : answer.message;
        return r;
    }
    if (answer.kind == ApiResponse::Kind::failed) {
        // Provably not sent (the client retries only such calls).
        r.status = stopping ? RowStatus::pending : RowStatus::failed;
        r.retry = true;
        r.message = "not submitted: " + answer.message + "; it is submitted at the next run";
        return r;
    }
    r.status = RowStatus::failed;
    if (auto failure = failure_of(answer); failure.scope != FailureScope::row) {
        // Refused for a reason that is not the row's (nothing was placed): submitted next run.
        r.retry = true;
        r.message = "not submitted: " + describe_api_error(answer.status, answer.body) + " — " + failure.advice +
                    "; it is submitted at the next run";
        return r;
    }
    r.message = "submit refused: " + explain_row_error(describe_api_error(answer.status, answer.body));
    return r;
}

SubmitResult not_sent(const RowRecord& row, const std::string& at)
{
    SubmitResult r;
    r.row = row.row;
    r.at = at;
    r.status = RowStatus::pending;
    r.retry = true;
    r.message = "not submitted: the batch stopped before it was sent; it is submitted at the next run";
    return r;
}

SubmitResult lookup_result(const RowRecord& row, const ReconcileAnswer& answer, const std::string& at)
{
    SubmitResult r;
    r.row = row.row;
    r.at = at;
    switch (answer.kind) {
    case ReconcileAnswer::Kind::found:
        r.status = RowStatus::submitted;
        r.order_id = answer.order_id;
        r.message = "order " + answer.order_id + " placed (found by lookup after an unanswered submit)";
        break;
    case ReconcileAnswer::Kind::absent:
        r.status = RowStatus::pending;   // provably not placed: sent again
        r.message.clear();
        break;
    case ReconcileAnswer::Kind::impossible:
    case ReconcileAnswer::Kind::keep_paging:
        r.status = RowStatus::in_doubt;
        r.message = "IN DOUBT: the submit may or may not have been placed and the lookup failed (" + answer.reason +
                    "); check MobProc for external order number " + row.external_order_number +
                    " before resubmitting. xferd looks again on its next run.";
        break;
    }
    return r;
}

}  // namespace xferd
