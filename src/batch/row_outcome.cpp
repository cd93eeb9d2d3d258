#include "xferd/batch/row_outcome.hpp"

#include "xferd/core/order.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <utility>

namespace xferd {

namespace {

bool contains(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

std::optional<SubmittedOrder> order_in(const ApiResponse& answer)
{
    if (!answer.ok()) return std::nullopt;
    boost::system::error_code ec;
    auto doc = boost::json::parse(answer.body, ec);
    if (ec) return std::nullopt;
    return parse_order(doc);
}

}  // namespace

std::optional<std::string> batch_wide_problem(const ApiResponse& answer)
{
    if (answer.kind == ApiResponse::Kind::failed) return answer.message;
    if (answer.kind != ApiResponse::Kind::answered) return std::nullopt;
    const std::string said = describe_api_error(answer.status, answer.body);
    if (answer.status == 401)
        return said + " — the API refused xferd's credentials even after a fresh token: check api.client_id, "
                      "client_secret, username and password";
    if (answer.status == 403)
        return said + " — the API refuses this client: check api.tenant (X-TNGO-TENANT) and api.client_id (a proxy "
                      "that drops headers with '_' loses client_id)";
    if (answer.status == 404 && !contains(said, "Service") && !contains(said, "-error"))
        return said + " — nothing answers at that path: check api.base_url (it must end in /mobproc/v1 or your "
                      "tenant's equivalent)";
    if (answer.status == 400 && (contains(said, "Tenant") || contains(said, "client_id") || contains(said, "Header")))
        return said + " — check api.tenant and api.client_id";
    return std::nullopt;
}

std::string explain_row_error(const std::string& api_error)
{
    // Keyed by the §4 errorCode the API sends (and, for older backends, its wording).
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
        auto body = boost::json::parse(answer.body, ec);
        if (ec) {
            row.confirmation = {};
            row.confirmation.error = "the confirmation answer is not JSON";
        } else {
            row.confirmation = summarize_confirmation(body);
        }
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
    r.message = "submit refused: " + explain_row_error(describe_api_error(answer.status, answer.body));
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
