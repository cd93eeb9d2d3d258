// The checks every API call passes (docs/mobproc-api.md § Headers, docs/mobproc-api.md § Errors and retries, docs/mobproc-api.md § Gap decisions), routing errors, /ping, /me, TLS.
#include <boost/test/unit_test.hpp>

#include "sim_fixture.hpp"

#include <openssl/ssl.h>

using namespace xferd::test;

namespace {

void check_error(const HttpResult& r, int status, const std::string& code)
{
    BOOST_TEST(r.status == status);
    auto body = r.json().as_object();
    BOOST_TEST(body.at("status") == status);
    BOOST_TEST(body.at("errorCode") == boost::json::value(code));
    BOOST_TEST(!body.at("id").as_string().empty());
    BOOST_TEST(!body.at("message").as_string().empty());
}

Headers without(Headers h, const std::string& name)
{
    std::erase_if(h, [&](auto& kv) { return kv.first == name; });
    return h;
}

Headers with(Headers h, const std::string& name, const std::string& value)
{
    for (auto& kv : h)
        if (kv.first == name)
            kv.second = value;
    return h;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ping_and_me)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    auto ping = c.get("/mobproc/v1/ping?echoText=hello%20there", h);
    BOOST_TEST(ping.status == 200);
    BOOST_TEST(ping.json().at("echoText") == "hello there");
    BOOST_TEST(ping.header("Content-Type") == "application/json");
    auto me = c.get("/mobproc/v1/me", h);
    BOOST_TEST(me.status == 200);
    BOOST_TEST(me.json().at("authenticatedUser").at("companyEmployeeId") == "svc-offboarding");
    BOOST_TEST(me.json().at("actor").at("id") == "30000001");
    auto me_body = me.json();
    auto& types = me_body.at("transactionTypes").as_array();
    BOOST_TEST((std::find(types.begin(), types.end(), boost::json::value("XFER_SERVICE_OUT")) != types.end()));
}

BOOST_AUTO_TEST_CASE(required_headers)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    check_error(c.get("/mobproc/v1/ping", without(h, "X-TNGO-TENANT")), 400, "400-Missing-Tenant-Header-error");
    // Empty or whitespace-only means not sent.
    check_error(c.get("/mobproc/v1/ping", with(h, "X-TNGO-TENANT", "  ")), 400, "400-Missing-Tenant-Header-error");
    check_error(c.get("/mobproc/v1/ping", without(h, "client_id")), 400, "400-Missing-Client-Id-Header-error");
    check_error(c.get("/mobproc/v1/ping", with(h, "client_id", " ")), 400, "400-Missing-Client-Id-Header-error");
    check_error(c.get("/mobproc/v1/ping", without(h, "Authorization")), 401, "401-Invalid-Token-error");
    check_error(c.get("/mobproc/v1/ping", with(h, "Authorization", "Bearer nonsense")), 401,
                "401-Invalid-Token-error");
    check_error(c.get("/mobproc/v1/ping", with(h, "Authorization", "Basic abc")), 401, "401-Invalid-Token-error");
    check_error(c.get("/mobproc/v1/ping", with(h, "X-TNGO-TENANT", "OTHER")), 403, "403-Invalid-Tenant-error");
    check_error(c.get("/mobproc/v1/ping", with(h, "client_id", "someone-else")), 403, "403-Invalid-Client-Id-error");
    // Header names are case-insensitive.
    Headers lower = {{"x-tngo-tenant", "ACME"}, {"CLIENT_ID", "demo-client"}, {"authorization", h[2].second}};
    BOOST_TEST(c.get("/mobproc/v1/ping", lower).status == 200);
    // Same checks on an order submit: nothing is recorded.
    check_error(c.post("/mobproc/v1/orders", R"({"orderRequest":{}})", without(h, "X-TNGO-TENANT")), 400,
                "400-Missing-Tenant-Header-error");
    BOOST_TEST(sim.audit_entries().empty());
}

BOOST_AUTO_TEST_CASE(unknown_paths_and_methods)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    check_error(c.get("/mobproc/v1/teleporters", h), 404, "404-Resource-Not-Found-error");
    check_error(c.get("/elsewhere"), 404, "404-Resource-Not-Found-error");
    auto del = c.request(boost::beast::http::verb::delete_, "/mobproc/v1/orders/13298555", {}, h);
    check_error(del, 405, "405-Method-Not-Allowed-error");
    BOOST_TEST(del.header("Allow") == "GET");
    check_error(c.post("/mobproc/v1/ping", "{}", h), 405, "405-Method-Not-Allowed-error");
    // The connection survives all of that.
    BOOST_TEST(c.get("/mobproc/v1/ping", h).status == 200);
}

BOOST_AUTO_TEST_CASE(oversized_and_malformed_requests)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    auto big = c.post("/mobproc/v1/orders?confirm=true", std::string(2 * 1024 * 1024, 'x'), h);
    check_error(big, 413, "413-Request-Too-Large-error");
    auto c2 = sim.client();
    auto bad_target = c2.get("/mobproc/v1/ping?x=%zz", h);
    check_error(bad_target, 400, "400-Bad-Request-error");
    // Headers beyond 16 KiB: a 400 from the HTTP parser, then the connection closes.
    auto c3 = sim.client();
    auto huge = h;
    huge.emplace_back("X-Filler", std::string(20000, 'a'));
    check_error(c3.get("/mobproc/v1/ping", huge), 400, "400-Bad-Request-error");
    BOOST_TEST(!c3.connected());
    BOOST_TEST(c3.get("/mobproc/v1/ping", h).status == 200);  // a new connection is fine
    auto stats = c3.get("/_sim/stats").json();
    BOOST_TEST(stats.at("requests").at("invalid_request").at("413") == 1);
}

BOOST_AUTO_TEST_CASE(tls_certificate_valid_for_localhost_names_and_tls12_minimum)
{
    SimFixture sim;
    // Verified by name as well as by IP.
    HttpsTestClient by_name("127.0.0.1", sim.port(), sim.ca_file(), "localhost");
    BOOST_TEST(by_name.post("/as/token.oauth2", "grant_type=password",
                            {{"Content-Type", "application/x-www-form-urlencoded"}})
                   .status == 401);
    HttpsTestClient old("127.0.0.1", sim.port(), sim.ca_file());
    old.max_tls_version(TLS1_1_VERSION);
    HttpResult ignored;
    BOOST_TEST(old.try_request(boost::beast::http::verb::get, "/mobproc/v1/ping", {}, {}, ignored).failed());
    // A client that does not trust our CA refuses the connection.
    HttpsTestClient untrusting("127.0.0.1", sim.port(), "");
    BOOST_TEST(untrusting.try_request(boost::beast::http::verb::get, "/mobproc/v1/ping", {}, {}, ignored).failed());
}

BOOST_AUTO_TEST_CASE(listens_on_ipv6_loopback)
{
    xferd::sim::Options o;
    o.listen_host = "::1";
    SimFixture sim(o);
    BOOST_TEST(sim.origin() == "https://[::1]:" + std::to_string(sim.port()));
    HttpsTestClient c("::1", sim.port(), sim.ca_file());
    BOOST_TEST(c.get("/mobproc/v1/ping", SimFixture::api_headers("x")).status == 401);
}
