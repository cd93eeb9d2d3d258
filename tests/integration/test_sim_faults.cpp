// Every fault knob, observed from a real HTTPS client: latency, fail statuses, 429 with
// Retry-After, resets before and after processing, stalls, token outage, the sequence mode,
// seeded reproducibility, and the /_sim control endpoint that changes them at run time.
#include <boost/test/unit_test.hpp>

#include "sim_fixture.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <thread>

using namespace xferd::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string submit_body =
    R"({"orderRequest":{"externalOrderNumber":"F-1","serviceId":"38382555","transactionType":"XFER_SERVICE_OUT","properties":[{"groupId":"MISCELLANEOUS","fields":[)"
    R"({"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"},{"id":"PERSONAL_EMAIL","type":"TEXT","text":"p@example.com"},)"
    R"({"id":"SERVICE_NUMBER","type":"TEXT","text":"2035551111"}]}]}})";

json::value set_faults(SimFixture& sim, const std::string& patch)
{
    auto c = sim.client();
    auto res = c.post("/_sim/faults", patch);
    BOOST_TEST_REQUIRE(res.status == 200);
    return res.json();
}

std::uint64_t stat(SimFixture& sim, const char* endpoint, const char* outcome)
{
    auto c = sim.client();
    auto s = c.get("/_sim/stats").json();
    auto* e = s.at("requests").as_object().if_contains(endpoint);
    if (!e)
        return 0;
    auto* n = e->as_object().if_contains(outcome);
    return n ? n->to_number<std::uint64_t>() : 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(latency_and_jitter_delay_answers)
{
    xferd::sim::Options o;
    o.faults.latency = 250ms;
    o.faults.jitter = 100ms;
    SimFixture sim(o);
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    auto start = std::chrono::steady_clock::now();
    BOOST_TEST(c.get("/mobproc/v1/ping", h).status == 200);
    auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_TEST((elapsed >= 250ms));
    BOOST_TEST((elapsed < 2s));
    set_faults(sim, R"({"latencyMs":0,"jitterMs":0})");
    start = std::chrono::steady_clock::now();
    BOOST_TEST(c.get("/mobproc/v1/ping", h).status == 200);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 200ms));
}

BOOST_AUTO_TEST_CASE(fail_rate_answers_the_configured_statuses_without_processing)
{
    xferd::sim::Options o;
    o.faults.fail_rate = 1;
    o.faults.fail_statuses = {502};
    SimFixture sim(o);
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());  // the token endpoint is not affected
    auto res = c.post("/mobproc/v1/orders", submit_body, h);
    BOOST_TEST(res.status == 502);
    BOOST_TEST(res.json().at("errorCode") == "502-Bad-Gateway-error");
    set_faults(sim, R"({"failStatuses":[503]})");
    res = c.post("/mobproc/v1/orders", submit_body, h);
    BOOST_TEST(res.status == 503);
    BOOST_TEST(res.header("Retry-After") == "1");
    BOOST_TEST(sim.audit_entries().empty());
    set_faults(sim, R"({"failRate":0})");
    BOOST_TEST(c.post("/mobproc/v1/orders", submit_body, h).status == 200);
    BOOST_TEST(sim.audit_entries().size() == 1u);
}

BOOST_AUTO_TEST_CASE(throttle_answers_429_with_retry_after)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    set_faults(sim, R"({"throttleRate":1,"retryAfter":7})");
    auto res = c.post("/mobproc/v1/orders?confirm=true", submit_body, h);
    BOOST_TEST(res.status == 429);
    BOOST_TEST(res.header("Retry-After") == "7");
    BOOST_TEST(res.json().at("errorCode") == "429-Too-Many-Requests-error");
    BOOST_TEST(stat(sim, "confirm", "429") == 1u);
}

BOOST_AUTO_TEST_CASE(reset_after_submit_records_the_order_but_never_answers)
{
    xferd::sim::Options o;
    o.faults.reset_rate = 1;
    SimFixture sim(o);
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    // Confirmations are not affected; submits are.
    BOOST_TEST(c.post("/mobproc/v1/orders?confirm=true", submit_body, h).status == 200);
    HttpResult res;
    auto ec = c.try_request(boost::beast::http::verb::post, "/mobproc/v1/orders", submit_body,
                            [&] { auto hh = h; hh.emplace_back("Content-Type", "application/json"); return hh; }(), res);
    BOOST_TEST(ec.failed());
    BOOST_TEST(res.status == 0);
    // The ambiguous case: the order exists.
    auto audit = sim.audit_entries();
    BOOST_TEST_REQUIRE(audit.size() == 1u);
    BOOST_TEST(audit[0].at("externalOrderNumber") == "F-1");
    BOOST_TEST(stat(sim, "submit", "reset") == 1u);
    auto listed = sim.client().get("/mobproc/v1/orders?limit=10", h).json();
    BOOST_TEST(listed.at("orders").at("_meta").at("totalCount") == 1);
}

BOOST_AUTO_TEST_CASE(reset_before_processes_nothing)
{
    xferd::sim::Options o;
    o.faults.reset_before_rate = 1;
    SimFixture sim(o);
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    h.emplace_back("Content-Type", "application/json");
    HttpResult res;
    BOOST_TEST(c.try_request(boost::beast::http::verb::post, "/mobproc/v1/orders", submit_body, h, res).failed());
    BOOST_TEST(sim.audit_entries().empty());
    BOOST_TEST(stat(sim, "submit", "reset") == 1u);
}

BOOST_AUTO_TEST_CASE(stalled_response_sends_headers_and_never_finishes)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    set_faults(sim, R"({"stallRate":1})");
    c.timeout(700ms);
    HttpResult res;
    auto start = std::chrono::steady_clock::now();
    auto ec = c.try_request(boost::beast::http::verb::get, "/mobproc/v1/ping", {}, h, res);
    BOOST_TEST(ec.failed());
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 600ms));
    BOOST_TEST(stat(sim, "ping", "stall") == 1u);
    set_faults(sim, R"({"stallRate":0})");
    c.timeout(5s);
    BOOST_TEST(c.get("/mobproc/v1/ping", h).status == 200);
}

BOOST_AUTO_TEST_CASE(token_endpoint_outage_switch_and_window)
{
    xferd::sim::Options o;
    o.faults.token_outage_from = 0s;
    o.faults.token_outage_for = 1s;
    SimFixture sim(o);
    auto c = sim.client();
    const std::string form = "grant_type=password&client_id=demo-client&client_secret=demo-client-secret-7f3a9c"
                             "&scope=MOBPROC&username=command%3A%2F%2Fsvc-offboarding&password=demo-password-2b81e4";
    const Headers ct = {{"Content-Type", "application/x-www-form-urlencoded"}};
    auto down = c.post("/as/token.oauth2", form, ct);
    BOOST_TEST(down.status == 503);
    BOOST_TEST(!down.header("Retry-After").empty());
    BOOST_TEST(down.body.find("access_token") == std::string::npos);
    std::this_thread::sleep_for(1100ms);
    BOOST_TEST(c.post("/as/token.oauth2", form, ct).status == 200);
    set_faults(sim, R"({"tokenOutage":true})");
    BOOST_TEST(c.post("/as/token.oauth2", form, ct).status == 503);
    set_faults(sim, R"({"tokenOutage":false})");
    BOOST_TEST(c.post("/as/token.oauth2", form, ct).status == 200);
}

BOOST_AUTO_TEST_CASE(sequence_mode_fails_exactly_the_next_n_calls)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    auto faults = set_faults(sim, R"({"sequence":[
        {"endpoint":"submit","count":2,"status":503},
        {"endpoint":"confirm","action":"reset_before"},
        {"endpoint":"submit","status":504,"afterProcessing":true}]})");
    BOOST_TEST(faults.at("sequence").as_array().size() == 3u);

    BOOST_TEST(c.get("/mobproc/v1/ping", h).status == 200);  // not a matching endpoint
    BOOST_TEST(c.post("/mobproc/v1/orders", submit_body, h).status == 503);
    BOOST_TEST(c.post("/mobproc/v1/orders", submit_body, h).status == 503);
    BOOST_TEST(sim.audit_entries().empty());
    HttpResult res;
    auto hc = h;
    hc.emplace_back("Content-Type", "application/json");
    BOOST_TEST(c.try_request(boost::beast::http::verb::post, "/mobproc/v1/orders?confirm=true", submit_body, hc, res)
                   .failed());
    // 504 after processing: the order was recorded although the client saw a gateway timeout.
    auto gw = c.post("/mobproc/v1/orders", submit_body, h);
    BOOST_TEST(gw.status == 504);
    BOOST_TEST(sim.audit_entries().size() == 1u);
    // The sequence is used up.
    BOOST_TEST(c.post("/mobproc/v1/orders", submit_body, h).status == 200);
    BOOST_TEST(sim.audit_entries().size() == 2u);
    BOOST_TEST(c.get("/_sim/faults").json().at("sequence").as_array().empty());

    auto stats = c.get("/_sim/stats").json();
    BOOST_TEST(stats.at("requests").at("submit").at("503") == 2);
    BOOST_TEST(stats.at("requests").at("submit").at("504") == 1);
    BOOST_TEST(stats.at("requests").at("submit").at("200") == 1);
    BOOST_TEST(stats.at("requests").at("confirm").at("reset") == 1);
    BOOST_TEST(stats.at("orders").at("duplicates") == 1);

    auto audit = c.get("/_sim/audit").json().at("entries").as_array();
    BOOST_TEST(audit.size() == 2u);
    BOOST_TEST(audit.at(1).at("orderId") == "13298557");
}

BOOST_AUTO_TEST_CASE(token_endpoint_in_sequence_mode)
{
    SimFixture sim;
    auto c = sim.client();
    set_faults(sim, R"({"appendSequence":[{"endpoint":"token","count":1,"status":500}]})");
    const std::string form = "grant_type=password&client_id=demo-client&client_secret=demo-client-secret-7f3a9c"
                             "&scope=MOBPROC&username=command%3A%2F%2Fsvc-offboarding&password=demo-password-2b81e4";
    const Headers ct = {{"Content-Type", "application/x-www-form-urlencoded"}};
    BOOST_TEST(c.post("/as/token.oauth2", form, ct).status == 500);
    BOOST_TEST(c.post("/as/token.oauth2", form, ct).status == 200);
}

BOOST_AUTO_TEST_CASE(seed_makes_random_faults_reproducible)
{
    auto run = [](std::uint64_t seed) {
        xferd::sim::Options o;
        o.seed = seed;
        o.faults.fail_rate = 0.3;
        o.faults.throttle_rate = 0.3;
        SimFixture sim(o);
        auto c = sim.client();
        auto h = SimFixture::api_headers(sim.token());
        std::vector<int> statuses;
        for (int i = 0; i < 40; ++i)
            statuses.push_back(c.get("/mobproc/v1/ping", h).status);
        return statuses;
    };
    auto a = run(42), b = run(42), other = run(43);
    BOOST_TEST((a == b));
    BOOST_TEST((a != other));
    BOOST_TEST(std::count(a.begin(), a.end(), 200) > 5);
    BOOST_TEST(std::count(a.begin(), a.end(), 429) > 2);
    BOOST_TEST(std::count(a.begin(), a.end(), 503) > 2);
}

BOOST_AUTO_TEST_CASE(invalid_fault_changes_are_refused)
{
    SimFixture sim;
    auto c = sim.client();
    BOOST_TEST(c.post("/_sim/faults", R"({"failRate":2})").status == 400);
    BOOST_TEST(c.post("/_sim/faults", R"({"bogus":1})").status == 400);
    BOOST_TEST(c.post("/_sim/faults", R"({"sequence":[{"count":1}]})").status == 400);
    BOOST_TEST(c.post("/_sim/faults", "not json").status == 400);
    BOOST_TEST(c.get("/_sim/faults").json().at("failRate") == 0.0);
    BOOST_TEST(c.get("/_sim/nothing").status == 404);
}
