// What an API answer means for a row (batch/row_outcome.hpp over core/api_failure.hpp): only the
// API's own answer about the row is a decision; an answer about xferd's settings or a server
// failure leaves the row FAILED and asked (or submitted) again.
#include "xferd/batch/row_outcome.hpp"

#include <boost/test/unit_test.hpp>

using namespace xferd;

namespace {

ApiResponse answered(int status, const std::string& code)
{
    ApiResponse a;
    a.kind = ApiResponse::Kind::answered;
    a.status = status;
    a.body = R"({"status":"ERROR","errors":[{"errorCode":")" + code + R"(","message":"said by the API"}]})";
    return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(row_answers)

BOOST_AUTO_TEST_CASE(a_row_error_is_a_decision_a_settings_error_is_not)
{
    RowRecord row;
    row.row = 1;
    apply_confirm_answer(row, answered(400, "400-Service-Not-Found-error"), "2026-12-02T10:00:00Z");
    BOOST_TEST((row.confirm_state == ConfirmState::refused));

    RowRecord other;
    other.row = 2;
    apply_confirm_answer(other, answered(403, "403-Invalid-Tenant-error"), "2026-12-02T10:00:00Z");
    BOOST_TEST((other.confirm_state == ConfirmState::failed));
    BOOST_TEST((other.status == RowStatus::failed));
    BOOST_TEST(other.retry);
    BOOST_TEST(other.message.find("check api.tenant") != std::string::npos, other.message);
}

BOOST_AUTO_TEST_CASE(a_submit_refused_for_a_setting_is_submitted_again)
{
    RowRecord row;
    row.row = 3;
    auto forbidden = submit_result(row, answered(403, "403-Invalid-Client-Id-error"), false, "2026-12-02T10:00:00Z");
    BOOST_TEST((forbidden.status == RowStatus::failed));
    BOOST_TEST(forbidden.retry, "nothing was placed: submitted at the next run");
    BOOST_TEST(forbidden.message.find("api.client_id") != std::string::npos, forbidden.message);

    auto refused = submit_result(row, answered(400, "400-Service-Not-Active-error"), false, "2026-12-02T10:00:00Z");
    BOOST_TEST((refused.status == RowStatus::failed));
    BOOST_TEST(!refused.retry, "the API's answer about the row: final");
}

BOOST_AUTO_TEST_CASE(the_batch_wide_text_names_the_setting)
{
    auto a = answered(404, "404-Resource-Not-Found-error");
    auto f = failure_of(a);
    BOOST_TEST((f.scope == FailureScope::batch));
    BOOST_TEST(f.setting == "api.base_url");
    BOOST_TEST(batch_problem_text(a, f).find("said by the API") != std::string::npos);
    BOOST_TEST(batch_problem_text(a, f).find("check api.base_url") != std::string::npos);

    ApiResponse refused_login;
    refused_login.authentication_failed = true;
    refused_login.message = "authentication failed: the token endpoint refused the password grant: HTTP 400: invalid_grant";
    BOOST_TEST(failure_of(refused_login).setting == "api.username");
}

BOOST_AUTO_TEST_SUITE_END()
