// Reconciliation against the simulator's real GET /orders: the query it builds is accepted,
// the pages it reads are the simulator's, and placed orders are found by external order number.
#include <boost/test/unit_test.hpp>

#include "sim_fixture.hpp"

#include "xferd/core/reconcile.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <string>

using namespace xferd;
using namespace xferd::test;
namespace json = boost::json;

namespace xferd {
std::ostream& operator<<(std::ostream& os, ReconcileAnswer::Kind k) { return os << to_string(k); }
}  // namespace xferd

namespace {

std::string order_body(const std::string& ext)
{
    return R"({"orderRequest":{"externalOrderNumber":")" + ext +
           R"(","serviceId":"38382555","transactionType":"XFER_SERVICE_OUT","properties":[{"groupId":"MISCELLANEOUS","fields":[)"
           R"({"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"},{"id":"PERSONAL_EMAIL","type":"TEXT","text":"p@example.com"},)"
           R"({"id":"SERVICE_NUMBER","type":"TEXT","text":"2035551111"}]}]}})";
}

std::string now_iso()
{
    return format_iso8601(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

}  // namespace

BOOST_AUTO_TEST_CASE(orders_placed_by_an_interrupted_submit_are_found_and_others_are_absent)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    const std::string intent = now_iso();
    std::string placed;
    for (int i = 0; i < 23; ++i) {
        const std::string ext = i == 17 ? "HR-1" : "P-" + std::to_string(i);
        auto res = c.post("/mobproc/v1/orders", order_body(ext), h);
        BOOST_TEST_REQUIRE(res.status == 200);
        if (i == 17) placed = std::string(res.json().at("order").at("orderId").as_string());
    }

    ReconcileOptions options;
    options.page_size = 5;
    Reconciler r({{"HR-1", "38382555", "2035551111", "", intent}, {"HR-2", "38382555", "2035551111", "", intent}},
                 options);
    while (!r.finished()) {
        auto res = c.get("/mobproc/v1" + r.next_target(), h);
        if (res.status != 200) {
            r.feed_failure("HTTP " + std::to_string(res.status));
            continue;
        }
        r.feed_page(res.body);
    }
    const auto found = r.answer("HR-1");
    BOOST_TEST(found.kind == ReconcileAnswer::Kind::found);   // the serviceNumber agrees, too
    BOOST_TEST(found.order_id == placed);
    const auto absent = r.answer("HR-2");
    BOOST_TEST(absent.kind == ReconcileAnswer::Kind::absent, absent.reason);
    BOOST_TEST(absent.reason.find("among the 23 orders") != std::string::npos, absent.reason);
    // 23 orders in pages of 5 that overlap by 2 (offsets 0, 3, …, 18): 7 pages, read twice.
    BOOST_TEST(r.pages_read() == 14u);

    // The time filter is applied by the simulator: nothing was updated after a later intent.
    ReconcileOptions later = options;
    later.margin = std::chrono::seconds(0);
    const auto future = format_iso8601(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) +
                                       std::chrono::hours(1));
    Reconciler none({{"HR-1", "38382555", "2035551111", "", future}}, later);
    while (!none.finished()) {
        auto res = c.get("/mobproc/v1" + none.next_target(), h);
        BOOST_TEST_REQUIRE(res.status == 200, res.body);
        none.feed_page(res.body);
    }
    BOOST_TEST(none.answer("HR-1").kind == ReconcileAnswer::Kind::absent);
    BOOST_TEST(none.pages_read() == 2u);
}
