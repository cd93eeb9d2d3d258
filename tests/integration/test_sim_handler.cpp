// The pure request handler, without sockets: a controllable clock for --status-after, the
// loopback-only control endpoint, SUSPEND / UNSUSPEND / DEACTIVATE orders.
#include <boost/test/unit_test.hpp>

#include "xferd/sim/fixtures.hpp"
#include "xferd/sim/handler.hpp"
#include "xferd/sim/state.hpp"

#include <boost/json.hpp>

namespace sim = xferd::sim;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

struct Harness {
    sim::State state;
    sim::Clock::time_point now = sim::Clock::time_point{} + 24h * 20000;  // 2024-10-04
    std::string token;

    explicit Harness(sim::Options options = {})
        : state(sim::load_fixtures(XFERD_SOURCE_DIR "/samples/sim/fixtures.yaml"), options)
    {
        state.base_url = "https://127.0.0.1:1/mobproc/v1";
        state.clock = [this] { return now; };
        state.started = now;
        auto res = call("POST", "/as/token.oauth2",
                        "grant_type=password&client_id=demo-client&client_secret=demo-client-secret-7f3a9c&"
                        "scope=MOBPROC&username=command%3A%2F%2Fsvc-offboarding&password=demo-password-2b81e4",
                        "application/x-www-form-urlencoded");
        token = std::string(json::parse(res.body).at("access_token").as_string());
    }

    sim::Response call(std::string method, std::string target, std::string body = {},
                       std::string content_type = "application/json", bool loopback = true)
    {
        sim::Request r;
        r.method = std::move(method);
        r.target = std::move(target);
        r.body = std::move(body);
        r.from_loopback = loopback;
        r.headers = {{"x-tngo-tenant", "ACME"}, {"client_id", "demo-client"}, {"content-type", content_type}};
        if (!token.empty())
            r.headers.emplace_back("authorization", "Bearer " + token);
        return sim::handle(r, state);
    }

    json::value order(const std::string& type, const std::string& service, bool confirm)
    {
        auto res = call("POST", std::string("/mobproc/v1/orders?confirm=") + (confirm ? "true" : "false"),
                        R"({"orderRequest":{"externalOrderNumber":"H-1","serviceId":")" + service +
                            R"(","transactionType":")" + type +
                            R"(","properties":[{"groupId":"MISCELLANEOUS","fields":[{"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"}]}]}})");
        json::object out;
        out["http"] = res.status;
        out["body"] = json::parse(res.body);
        return out;
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(orders_change_status_over_time_with_status_after)
{
    sim::Options o;
    o.status_after = *sim::parse_status_after("AWAITING_APPROVAL=5,IN_FULFILLMENT=20,COMPLETED=60");
    Harness h(o);
    auto submitted = h.call("POST", "/mobproc/v1/orders",
                            R"({"orderRequest":{"externalOrderNumber":"S-1","serviceId":"38382555","transactionType":"XFER_SERVICE_OUT","properties":[{"groupId":"MISCELLANEOUS","fields":[)"
                            R"({"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"},{"id":"PERSONAL_EMAIL","type":"TEXT","text":"p@example.com"},)"
                            R"({"id":"SERVICE_NUMBER","type":"TEXT","text":"2035551111"}]}]}})");
    BOOST_TEST_REQUIRE(submitted.status == 200);
    auto t0 = h.now;
    auto status_at = [&](std::chrono::seconds dt) {
        h.now = t0 + dt;
        auto o = json::parse(h.call("GET", "/mobproc/v1/orders/13298555").body);
        return std::pair{std::string(o.at("status").as_string()), std::string(o.at("updated").as_string())};
    };
    BOOST_TEST(status_at(0s).first == "ORDER_SUBMITTED");
    BOOST_TEST(status_at(4s).first == "ORDER_SUBMITTED");
    auto awaiting = status_at(6s);
    BOOST_TEST(awaiting.first == "AWAITING_APPROVAL");
    BOOST_TEST(awaiting.second == sim::format_utc(t0 + 5s));
    BOOST_TEST(status_at(30s).first == "IN_FULFILLMENT");
    BOOST_TEST(status_at(3600s).first == "COMPLETED");
    // The segment follows, and the history lists each step.
    auto order = json::parse(h.call("GET", "/mobproc/v1/orders/13298555").body);
    BOOST_TEST(order.at("orderSegments").at("items").at(0).at("status") == "COMPLETED");
    auto history = json::parse(h.call("GET", "/mobproc/v1/orders/13298555/history").body);
    BOOST_TEST(history.at("history").at("items").as_array().size() == 4u);
    // dateTimeUpdatedOnOrAfter sees the latest change.
    auto since = sim::format_utc(t0 + 61s);
    auto listed = json::parse(h.call("GET", "/mobproc/v1/orders?dateTimeUpdatedOnOrAfter=" + since).body);
    BOOST_TEST(listed.at("orders").at("_meta").at("totalCount") == 0);
    since = sim::format_utc(t0 + 59s);
    listed = json::parse(h.call("GET", "/mobproc/v1/orders?dateTimeUpdatedOnOrAfter=" + since).body);
    BOOST_TEST(listed.at("orders").at("_meta").at("totalCount") == 1);
}

BOOST_AUTO_TEST_CASE(control_endpoint_refuses_non_loopback_clients)
{
    Harness h;
    BOOST_TEST(h.call("GET", "/_sim/stats", {}, "application/json", true).status == 200);
    BOOST_TEST(h.call("GET", "/_sim/stats", {}, "application/json", false).status == 403);
    BOOST_TEST(h.call("POST", "/_sim/faults", R"({"failRate":1})", "application/json", false).status == 403);
}

BOOST_AUTO_TEST_CASE(suspend_unsuspend_deactivate_follow_service_status)
{
    Harness h;
    // 38390017 is ACTIVE, 38393737 SUSPENDED, 38393768 INACTIVE.
    BOOST_TEST(h.order("SUSPEND", "38390017", true).at("http") == 200);
    BOOST_TEST(h.order("SUSPEND", "38393737", true).at("http") == 400);
    BOOST_TEST(h.order("UNSUSPEND", "38393737", true).at("http") == 200);
    auto wrong = h.order("UNSUSPEND", "38390017", true);
    BOOST_TEST(wrong.at("http") == 400);
    BOOST_TEST(wrong.at("body").at("errors").at(0).at("errorCode") == "400-Invalid-Service-Status-error");
    BOOST_TEST(h.order("DEACTIVATE", "38393737", true).at("http") == 200);
    BOOST_TEST(h.order("DEACTIVATE", "38393768", true).at("http") == 400);
    auto submitted = h.order("DEACTIVATE", "38390017", false);
    BOOST_TEST(submitted.at("http") == 200);
    BOOST_TEST(submitted.at("body").at("order").at("transactionType") == "DEACTIVATE");
    // XFER_SERVICE_OUT requires PERSONAL_EMAIL and SERVICE_NUMBER; SUSPEND does not.
    auto xfer = h.order("XFER_SERVICE_OUT", "38390017", true);
    BOOST_TEST(xfer.at("body").at("errors").as_array().size() == 2u);
}

BOOST_AUTO_TEST_CASE(faults_never_touch_the_control_endpoint)
{
    sim::Options o;
    o.faults.fail_rate = 1;
    Harness h(o);
    BOOST_TEST(h.call("GET", "/mobproc/v1/ping").status == 503);
    BOOST_TEST(h.call("GET", "/_sim/stats").status == 200);
}
