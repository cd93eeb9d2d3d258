// The token endpoint (/as/token.oauth2): password and refresh grants, parameters in a form body
// or the query string, OAuth-style errors, refresh-token rotation and access-token expiry.
#include <boost/test/unit_test.hpp>

#include "sim_fixture.hpp"

#include <thread>

using namespace xferd::test;

namespace {

const Headers form = {{"Content-Type", "application/x-www-form-urlencoded"}};

std::string password_form(const std::string& user = demo::username, const std::string& pw = demo::password,
                          const std::string& secret = demo::client_secret, const std::string& scope = "MOBPROC")
{
    return "grant_type=password&client_id=" + demo::client_id + "&client_secret=" + form_encode(secret) +
           "&scope=" + scope + "&username=" + form_encode(user) + "&password=" + form_encode(pw);
}

std::string refresh_form(const std::string& refresh_token)
{
    return "grant_type=refresh_token&client_id=" + demo::client_id + "&client_secret=" + demo::client_secret +
           "&scope=MOBPROC&refresh_token=" + form_encode(refresh_token);
}

void check_oauth_error(const HttpResult& r, int status, const std::string& error)
{
    BOOST_TEST(r.status == status);
    auto body = r.json().as_object();
    BOOST_TEST(body.at("error") == boost::json::value(error));
    BOOST_TEST(!body.at("error_description").as_string().empty());
    BOOST_TEST(!body.contains("access_token"));
    BOOST_TEST(!body.contains("refresh_token"));
}

int ping_status(HttpsTestClient& c, const std::string& token)
{
    return c.get("/mobproc/v1/ping?echoText=hi", SimFixture::api_headers(token)).status;
}

}  // namespace

BOOST_AUTO_TEST_CASE(password_grant_in_form_body)
{
    SimFixture sim;
    auto c = sim.client();
    auto res = c.post("/as/token.oauth2", password_form(), form);
    BOOST_TEST_REQUIRE(res.status == 200);
    auto body = res.json().as_object();
    BOOST_TEST(body.at("token_type") == "Bearer");
    BOOST_TEST(body.at("expires_in") == 7200);
    BOOST_TEST(body.at("access_token").as_string().size() == 28u);
    BOOST_TEST(body.at("refresh_token").as_string().size() == 42u);
    BOOST_TEST(res.header("Cache-Control") == "no-store");
    BOOST_TEST(ping_status(c, std::string(body.at("access_token").as_string())) == 200);
}

BOOST_AUTO_TEST_CASE(password_grant_in_query_string_as_documented)
{
    SimFixture sim;
    auto c = sim.client();
    auto res = c.request(boost::beast::http::verb::post, "/as/token.oauth2?" + password_form());
    BOOST_TEST_REQUIRE(res.status == 200);
    BOOST_TEST(ping_status(c, std::string(res.json().at("access_token").as_string())) == 200);
}

BOOST_AUTO_TEST_CASE(rivermine_user_and_basic_client_credentials)
{
    SimFixture sim;
    auto c = sim.client();
    // client_secret_basic: base64("demo-client:demo-client-secret-7f3a9c")
    Headers h = form;
    h.emplace_back("Authorization", "Basic ZGVtby1jbGllbnQ6ZGVtby1jbGllbnQtc2VjcmV0LTdmM2E5Yw==");
    auto res = c.post("/as/token.oauth2",
                      "grant_type=password&scope=MOBPROC&username=rivermine%3A%2F%2Fit.ops&password=demo-password-rm-90e2aa",
                      h);
    BOOST_TEST(res.status == 200);
}

BOOST_AUTO_TEST_CASE(wrong_credentials_get_no_token)
{
    SimFixture sim;
    auto c = sim.client();
    check_oauth_error(c.post("/as/token.oauth2", password_form(demo::username, "wrong"), form), 400, "invalid_grant");
    // The prefix is part of the user name.
    check_oauth_error(c.post("/as/token.oauth2", password_form("svc-offboarding"), form), 400, "invalid_grant");
    check_oauth_error(c.post("/as/token.oauth2", password_form(demo::username, demo::password, "nope"), form),
                      401, "invalid_client");
    check_oauth_error(c.post("/as/token.oauth2", password_form(demo::username, demo::password,
                                                               demo::client_secret, "MOBILE_PROCUREMENT_API"),
                             form),
                      400, "invalid_scope");
    check_oauth_error(c.post("/as/token.oauth2", "grant_type=client_credentials&client_id=demo-client&"
                                                 "client_secret=demo-client-secret-7f3a9c&scope=MOBPROC",
                             form),
                      400, "unsupported_grant_type");
    check_oauth_error(c.post("/as/token.oauth2", "client_id=demo-client", form), 400, "invalid_request");
    check_oauth_error(c.post("/as/token.oauth2", password_form(), {{"Content-Type", "application/json"}}), 400,
                      "invalid_request");
    // The secret never appears in an answer.
    auto res = c.post("/as/token.oauth2", password_form(demo::username, "wrong"), form);
    BOOST_TEST(res.body.find(demo::client_secret) == std::string::npos);
    BOOST_TEST(c.get("/as/token.oauth2").status == 405);
}

BOOST_AUTO_TEST_CASE(refresh_tokens_rotate)
{
    SimFixture sim;
    auto c = sim.client();
    auto first = c.post("/as/token.oauth2", password_form(), form).json().as_object();
    std::string refresh1(first.at("refresh_token").as_string());

    auto second_res = c.post("/as/token.oauth2", refresh_form(refresh1), form);
    BOOST_TEST_REQUIRE(second_res.status == 200);
    auto second = second_res.json().as_object();
    std::string refresh2(second.at("refresh_token").as_string());
    std::string access2(second.at("access_token").as_string());
    BOOST_TEST(refresh2 != refresh1);
    BOOST_TEST(access2 != std::string(first.at("access_token").as_string()));
    BOOST_TEST(ping_status(c, access2) == 200);

    // The used refresh token is dead; the new one works once.
    check_oauth_error(c.post("/as/token.oauth2", refresh_form(refresh1), form), 400, "invalid_grant");
    BOOST_TEST(c.post("/as/token.oauth2", refresh_form(refresh2), form).status == 200);
    check_oauth_error(c.post("/as/token.oauth2", refresh_form(refresh2), form), 400, "invalid_grant");
    check_oauth_error(c.post("/as/token.oauth2", refresh_form("made-up"), form), 400, "invalid_grant");

    auto stats = c.get("/_sim/stats").json();
    BOOST_TEST(stats.at("tokens").at("refreshed") == 2);
}

BOOST_AUTO_TEST_CASE(access_tokens_expire_after_token_ttl)
{
    xferd::sim::Options o;
    o.token_ttl = std::chrono::seconds{1};
    SimFixture sim(o);
    auto c = sim.client();
    auto res = c.post("/as/token.oauth2", password_form(), form).json().as_object();
    BOOST_TEST(res.at("expires_in") == 1);
    std::string access(res.at("access_token").as_string());
    BOOST_TEST(ping_status(c, access) == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    auto expired = c.get("/mobproc/v1/ping", SimFixture::api_headers(access));
    BOOST_TEST(expired.status == 401);
    BOOST_TEST(expired.json().at("errorCode") == "401-Invalid-Token-error");
    // The refresh token still gets a new access token.
    auto refreshed = c.post("/as/token.oauth2", refresh_form(std::string(res.at("refresh_token").as_string())), form);
    BOOST_TEST(refreshed.status == 200);
}

BOOST_AUTO_TEST_CASE(control_endpoint_expires_tokens_on_demand)
{
    SimFixture sim;
    auto c = sim.client();
    auto access = sim.token();
    BOOST_TEST(ping_status(c, access) == 200);
    BOOST_TEST(c.post("/_sim/tokens/expire", "").status == 200);
    BOOST_TEST(ping_status(c, access) == 401);
}
