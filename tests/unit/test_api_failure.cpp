#include "xferd/core/api_failure.hpp"

#include <boost/test/unit_test.hpp>

using namespace xferd;
using K = CallOutcome::Kind;

namespace {
FailedAnswer answered(int status, std::string code = "") { return {K::answered, status, std::move(code), false}; }
std::string scope(FailureScope s)
{
    return s == FailureScope::row ? "row" : s == FailureScope::transient ? "transient" : "batch";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(api_failure)

BOOST_AUTO_TEST_CASE(each_failure_maps_to_whose_problem_it_is_and_the_setting)
{
    struct Case {
        FailedAnswer answer;
        std::string scope;
        std::string setting;
    };
    const Case table[] = {
        {answered(400, "400-Service-Not-Found-error"), "row", ""},
        {answered(400, "400-Service-Not-Active-error"), "row", ""},
        {answered(400, "400-Invalid-Property-error"), "row", ""},
        {answered(404, "404-Service-Not-Found-error"), "row", ""},
        {answered(409), "row", ""},
        {answered(500), "transient", ""},
        {answered(503), "transient", ""},
        {answered(429), "transient", ""},
        {answered(401, "401-Invalid-Token-error"), "batch", "credentials"},
        {answered(403, "403-Invalid-Tenant-error"), "batch", "api.tenant"},
        {answered(403, "403-Invalid-Client-Id-error"), "batch", "api.client_id"},
        {answered(403), "batch", "api.tenant"},
        {answered(400, "400-Missing-Client-Id-Header-error"), "batch", "api.client_id"},
        {answered(400, "400-Missing-Tenant-Header-error"), "batch", "api.tenant"},
        {answered(404, "404-Resource-Not-Found-error"), "batch", "api.base_url"},
        {answered(404), "batch", "api.base_url"},
        {{K::connect_failed, 0, "", false}, "batch", "api.base_url"},
        {{K::tls_failed, 0, "", false}, "batch", "api.ca_file"},
        {{K::timed_out, 0, "", false}, "transient", ""},
        {{K::connection_lost, 0, "", false}, "transient", ""},
        {{K::answered, 401, "invalid_client", true}, "batch", "api.client_id"},
        {{K::answered, 400, "invalid_grant", true}, "batch", "api.username"},
        {{K::connect_failed, 0, "", true}, "batch", "api.token_url"},
        // The proxy in the way: its setting, whichever call (token or API) met it.
        {{K::proxy_refused, 407, "", true}, "batch", "api.proxy_username"},
        {{K::proxy_refused, 407, "", false}, "batch", "api.proxy_username"},
        {{K::proxy_refused, 403, "", false}, "batch", "api.proxy"},
        {{K::proxy_refused, 502, "", true}, "batch", "api.proxy"},
        {{K::proxy_failed, 0, "", false}, "batch", "api.proxy"},
    };
    for (const auto& c : table) {
        BOOST_TEST_CONTEXT("status " << c.answer.status << " code '" << c.answer.error_code << "' how "
                                     << static_cast<int>(c.answer.how) << " token " << c.answer.token_refused)
        {
            auto f = classify_failure(c.answer);
            BOOST_TEST(scope(f.scope) == c.scope);
            BOOST_TEST(f.setting == c.setting);
            if (f.scope == FailureScope::batch) BOOST_TEST(f.advice.find("check") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_error_code_is_read_from_each_answer_form)
{
    BOOST_TEST(api_error_code(R"({"status":"ERROR","errors":[{"errorCode":"403-Invalid-Tenant-error"}]})") ==
               "403-Invalid-Tenant-error");
    BOOST_TEST(api_error_code(R"({"errorCode":"400-Service-Not-Found-error","message":"x"})") ==
               "400-Service-Not-Found-error");
    BOOST_TEST(api_error_code(R"({"error":"invalid_grant"})") == "invalid_grant");
    BOOST_TEST(api_error_code("<html>nope</html>").empty());
    BOOST_TEST(api_error_code("").empty());
}

BOOST_AUTO_TEST_SUITE_END()
