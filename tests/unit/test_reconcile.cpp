// Reconciliation of in-doubt submits: the GET /orders query, page parsing, matching, paging.
#include <boost/test/unit_test.hpp>

#include "xferd/core/reconcile.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

using namespace xferd;
namespace json = boost::json;
using namespace std::chrono;

namespace xferd {
std::ostream& operator<<(std::ostream& os, ReconcileAnswer::Kind k) { return os << to_string(k); }
std::ostream& operator<<(std::ostream& os, OrderMatch m)
{
    static const char* names[] = {"no", "yes", "conflict"};
    return os << names[static_cast<int>(m)];
}
}  // namespace xferd

namespace {

struct FakeOrder {
    std::string order_id;
    std::string eon;
    std::string service_number = "2035550000";
};

// n orders numbered from 13290000, external order numbers OTHER-i.
std::vector<FakeOrder> orders(std::size_t n)
{
    std::vector<FakeOrder> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back({std::to_string(13290000 + i), "OTHER-" + std::to_string(i)});
    return out;
}

struct PageStyle {
    bool meta = true;
    bool total = true;
    bool href_next = true;
};

std::size_t param(const std::string& target, const std::string& name)
{
    auto at = target.find(name + "=");
    BOOST_TEST_REQUIRE(at != std::string::npos, target);
    return std::stoul(target.substr(at + name.size() + 1));
}

// A GET /orders answer in the docs/mobproc-api.md § Gap decisions envelope, like the simulator's.
std::string page_body(const std::vector<FakeOrder>& all, const std::string& target, PageStyle style = {})
{
    const std::size_t limit = param(target, "limit"), offset = param(target, "offset");
    json::array items;
    for (std::size_t i = offset; i < all.size() && i < offset + limit; ++i)
        items.push_back(json::object{{"orderId", all[i].order_id},
                                     {"externalOrderNumber", all[i].eon},
                                     {"serviceNumber", all[i].service_number},
                                     {"transactionType", "XFER_SERVICE_OUT"},
                                     {"status", "ORDER_SUBMITTED"}});
    json::object coll;
    if (style.meta) {
        json::object meta{{"offset", offset}, {"limit", limit}};
        if (style.total) meta["totalCount"] = all.size();
        if (style.href_next && offset + limit < all.size())
            meta["hrefNext"] = "https://sim/mobproc/v1/orders?limit=" + std::to_string(limit) +
                               "&offset=" + std::to_string(offset + limit);
        coll["_meta"] = meta;
    }
    coll["items"] = std::move(items);
    return json::serialize(json::object{{"orders", coll}});
}

ReconcileTarget target(const std::string& eon, const std::string& at = "2026-11-30T13:00:00Z")
{
    return {eon, "41000017", "2035550000", "", at};
}

ReconcileOptions options(std::size_t page_size, std::size_t overlap = 0)
{
    ReconcileOptions o;
    o.page_size = page_size;
    o.overlap = overlap;
    return o;
}

// Feeds the reconciler from `serve` until it is finished (or 1000 pages, a test bug).
void drive(Reconciler& r, const std::function<std::string(const std::string&)>& serve)
{
    for (int guard = 0; !r.finished() && guard < 1000; ++guard) r.feed_page(serve(r.next_target()));
    BOOST_TEST_REQUIRE(r.finished());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(query)

BOOST_AUTO_TEST_CASE(z_and_plus_zero_are_the_same_instant_and_the_query_never_holds_a_raw_plus)
{
    auto z = parse_iso8601("2026-11-30T13:00:00Z");
    auto plus = parse_iso8601("2026-11-30T13:00:00+00:00");
    auto compact = parse_iso8601("2026-11-30T13:00:00+0000");
    auto frac = parse_iso8601("2026-11-30T13:00:00.999Z");
    auto cest = parse_iso8601("2026-11-30T15:00:00+02:00");
    auto west = parse_iso8601("2026-11-30T08:30:00-04:30");
    BOOST_TEST_REQUIRE(z.has_value());
    BOOST_TEST((plus == z && compact == z && frac == z && cest == z && west == z));
    BOOST_TEST(format_iso8601(*z) == "2026-11-30T13:00:00Z");

    BOOST_TEST(query_encode("2026-11-30T13:00:00+00:00") == "2026-11-30T13%3A00%3A00%2B00%3A00");
    BOOST_TEST(query_encode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");

    const std::string t = orders_query_target(*plus - minutes(5), 100, 200);
    BOOST_TEST(t == "/orders?dateTimeUpdatedOnOrAfter=2026-11-30T12%3A55%3A00Z&limit=100&offset=200");
    BOOST_TEST(t.find('+') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_scan_starts_at_the_earliest_intent_minus_the_margin)
{
    ReconcileOptions o;
    o.margin = minutes(15);
    o.page_size = 50;
    Reconciler r({target("HR-1", "2026-11-30T13:00:00.120Z"), target("HR-2", "2026-11-30T14:00:00+01:00")}, o);
    // HR-2's intent is 13:00Z too; the earlier of the two, minus 15 minutes.
    BOOST_TEST(r.next_target() == "/orders?dateTimeUpdatedOnOrAfter=2026-11-30T12%3A45%3A00Z&limit=50&offset=0");
}

BOOST_AUTO_TEST_CASE(timestamps_that_are_not_iso8601_with_a_zone_are_refused)
{
    for (const char* bad : {"", "2026-11-30", "2026-11-30T13:00:00", "2026-13-30T13:00:00Z", "2026-02-30T13:00:00Z",
                            "2026-11-30T24:00:00Z", "2026-11-30 13:00:00Z", "2026-11-30T13:00:00ZZ",
                            "2026-11-30T13:00:00.Z", "2026-11-30T13:00:00+2", "yesterday"})
        BOOST_TEST(!parse_iso8601(bad).has_value(), bad);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pages)

BOOST_AUTO_TEST_CASE(a_simulator_page_reads_with_its_meta)
{
    auto all = orders(31);
    std::string error;
    auto page = parse_orders_page(page_body(all, "/orders?limit=3&offset=3"), error);
    BOOST_TEST_REQUIRE(page.has_value(), error);
    BOOST_TEST(page->total_count.value_or(0) == 31u);
    BOOST_TEST(page->offset.value_or(0) == 3u);
    BOOST_TEST(page->limit.value_or(0) == 3u);
    BOOST_TEST(page->has_href_next);
    BOOST_TEST_REQUIRE(page->items.size() == 3u);
    BOOST_TEST(page->items[0].order_id == "13290003");
    BOOST_TEST(page->items[0].external_order_number == "OTHER-3");
    BOOST_TEST(page->items[0].transaction_type == "XFER_SERVICE_OUT");
}

BOOST_AUTO_TEST_CASE(missing_meta_is_tolerated_and_odd_shapes_are_refused_with_a_reason)
{
    std::string error;
    auto bare = parse_orders_page(R"({"orders":{"items":[{"orderId":13298555,"externalOrderNumber":"HR-1"}]}})", error);
    BOOST_TEST_REQUIRE(bare.has_value(), error);
    BOOST_TEST(!bare->total_count.has_value());
    BOOST_TEST(!bare->has_href_next);
    BOOST_TEST(bare->items.at(0).order_id == "13298555");   // a numeric id is read as text

    auto empty = parse_orders_page(R"({"orders":{"_meta":{"totalCount":0,"offset":0,"limit":100}}})", error);
    BOOST_TEST_REQUIRE(empty.has_value(), error);
    BOOST_TEST(empty->items.empty());

    auto check = [](const char* body, const std::string& expect) {
        std::string e;
        BOOST_TEST(!parse_orders_page(body, e).has_value(), body);
        BOOST_TEST(e.find(expect) != std::string::npos, e);
    };
    check("<html>502 Bad Gateway</html>", "not JSON");
    check(R"({"order":{}})", "no \"orders\" collection");
    check(R"({"orders":{"_meta":{"totalCount":4}}})", "no \"items\" array");
    check(R"({"orders":{"items":[1,2]}})", "not an object");
    check(R"({"orders":"none"})", "neither");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(matching)

BOOST_AUTO_TEST_CASE(match_table)
{
    ReconcileTarget t{"HR-1", "41000017", "203-555-1111", "2035551111", "2026-11-30T13:00:00Z"};
    struct Case {
        OrderSummary order;
        OrderMatch expect;
    };
    const std::vector<Case> cases = {
        {{"1", "HR-1", "", "", ""}, OrderMatch::yes},                              // no service fields
        {{"1", "HR-1", "41000017", "(203) 555-1111", "XFER_SERVICE_OUT"}, OrderMatch::yes},
        {{"1", "HR-2", "41000017", "2035551111", "XFER_SERVICE_OUT"}, OrderMatch::no},
        {{"1", "hr-1", "", "", ""}, OrderMatch::no},                               // numbers are exact
        {{"1", "", "", "", ""}, OrderMatch::no},
        {{"1", "HR-1", "41000099", "", ""}, OrderMatch::conflict},                 // another service
        {{"1", "HR-1", "", "2035559999", ""}, OrderMatch::conflict},
        {{"1", "HR-1", "", "", "DEACTIVATE"}, OrderMatch::conflict},
    };
    for (const auto& c : cases)
        BOOST_TEST(match_order(c.order, t) == c.expect,
                   c.order.external_order_number << "/" << c.order.service_id << "/" << c.order.service_number);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(paging)

BOOST_AUTO_TEST_CASE(found_on_page_3_of_5_stops_there)
{
    auto all = orders(50);
    all[25].eon = "HR-1";
    Reconciler r({target("HR-1")}, options(10));
    BOOST_TEST(r.answer("HR-1").kind == ReconcileAnswer::Kind::keep_paging);
    BOOST_TEST(r.answer("HR-1").next_target == r.next_target());
    drive(r, [&](const std::string& t) { return page_body(all, t); });
    BOOST_TEST(r.pages_read() == 3u);
    const auto a = r.answer("HR-1");
    BOOST_TEST(a.kind == ReconcileAnswer::Kind::found);
    BOOST_TEST(a.order_id == "13290025");
    BOOST_TEST(a.reason.find("found by reconciliation") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(absent_after_every_page_read_twice_then_safe_to_resubmit)
{
    auto all = orders(50);
    Reconciler r({target("HR-1")}, options(10));
    std::vector<std::size_t> offsets;
    drive(r, [&](const std::string& t) {
        offsets.push_back(param(t, "offset"));
        return page_body(all, t);
    });
    BOOST_TEST(offsets == (std::vector<std::size_t>{0, 10, 20, 30, 40, 0, 10, 20, 30, 40}),
               boost::test_tools::per_element());
    const auto a = r.answer("HR-1");
    BOOST_TEST(a.kind == ReconcileAnswer::Kind::absent);
    BOOST_TEST(a.reason == "no order with external order number HR-1 among the 50 orders updated since "
                           "2026-11-30T12:45:00Z (2 full reads)");
}

BOOST_AUTO_TEST_CASE(the_last_page_is_known_without_href_next_or_without_total)
{
    auto all = orders(25);
    for (PageStyle style : {PageStyle{true, true, false}, PageStyle{true, false, true}, PageStyle{false, false, false}}) {
        Reconciler r({target("HR-1")}, options(10));
        drive(r, [&](const std::string& t) { return page_body(all, t, style); });
        BOOST_TEST(r.pages_read() == 6u, "meta " << style.meta << " total " << style.total << " next " << style.href_next);
        BOOST_TEST(r.answer("HR-1").kind == ReconcileAnswer::Kind::absent);
    }
    // Without any _meta, a full last page needs one more (empty) page to be sure.
    auto thirty = orders(30);
    Reconciler r({target("HR-1")}, options(10));
    drive(r, [&](const std::string& t) { return page_body(thirty, t, {false, false, false}); });
    BOOST_TEST(r.pages_read() == 8u);
    BOOST_TEST(r.answer("HR-1").kind == ReconcileAnswer::Kind::absent);
}

BOOST_AUTO_TEST_CASE(a_malformed_page_makes_it_impossible_never_absent)
{
    auto all = orders(50);
    Reconciler r({target("HR-1"), target("HR-2")}, options(10));
    all[3].eon = "HR-2";
    drive(r, [&](const std::string& t) {
        return param(t, "offset") == 10 ? std::string(R"({"orders":{"items":"oops"}})") : page_body(all, t);
    });
    BOOST_TEST(r.pages_read() == 2u);
    const auto a = r.answer("HR-1");
    BOOST_TEST(a.kind == ReconcileAnswer::Kind::impossible);
    BOOST_TEST(a.reason.find("GET /orders at offset 10") != std::string::npos, a.reason);
    BOOST_TEST(a.reason.find("look up external order number HR-1 in MobProc") != std::string::npos, a.reason);
    // What was found before the bad page stays found.
    BOOST_TEST(r.answer("HR-2").kind == ReconcileAnswer::Kind::found);
    BOOST_TEST(r.answer("HR-2").order_id == "13290003");
}

BOOST_AUTO_TEST_CASE(a_lookup_that_fails_leaves_the_row_in_doubt)
{
    Reconciler r({target("HR-1")}, options(10));
    r.feed_failure("HTTP 503 after 5 attempts");
    BOOST_TEST(r.finished());
    const auto a = r.answer("HR-1");
    BOOST_TEST(a.kind == ReconcileAnswer::Kind::impossible);
    BOOST_TEST(a.reason.find("the order lookup failed (HTTP 503 after 5 attempts)") != std::string::npos, a.reason);
}

BOOST_AUTO_TEST_CASE(too_many_pages_and_empty_pages_that_claim_more_give_up)
{
    auto all = orders(100);
    ReconcileOptions o = options(10);
    o.max_pages = 4;
    Reconciler capped({target("HR-1")}, o);
    drive(capped, [&](const std::string& t) { return page_body(all, t); });
    BOOST_TEST(capped.pages_read() == 4u);
    BOOST_TEST(capped.answer("HR-1").reason.find("more than 4 pages of orders since 2026-11-30T12:45:00Z") !=
               std::string::npos);

    Reconciler empty({target("HR-1")}, options(10));
    drive(empty, [](const std::string&) {
        return std::string(R"({"orders":{"_meta":{"totalCount":40,"offset":0,"limit":10},"items":[]}})");
    });
    BOOST_TEST(empty.answer("HR-1").kind == ReconcileAnswer::Kind::impossible);
    BOOST_TEST(empty.answer("HR-1").reason.find("empty page") != std::string::npos);

    Reconciler ignored({target("HR-1")}, options(10));
    drive(ignored, [&](const std::string&) { return page_body(all, "/orders?limit=10&offset=0"); });
    BOOST_TEST(ignored.answer("HR-1").kind == ReconcileAnswer::Kind::impossible);
    BOOST_TEST(ignored.answer("HR-1").reason.find("answered with offset 0") != std::string::npos,
               ignored.answer("HR-1").reason);
}

BOOST_AUTO_TEST_CASE(our_number_on_another_service_is_not_called_absent)
{
    auto all = orders(30);
    all[12].eon = "HR-1";
    all[12].service_number = "2035559999";
    Reconciler r({target("HR-1")}, options(10));
    drive(r, [&](const std::string& t) { return page_body(all, t); });
    const auto a = r.answer("HR-1");
    BOOST_TEST(a.kind == ReconcileAnswer::Kind::impossible);
    BOOST_TEST(a.reason.find("order 13290012 carries this external order number but is for service 2035559999") !=
                   std::string::npos,
               a.reason);

    // If our own order is there too, it is found.
    all[20].eon = "HR-1";
    Reconciler r2({target("HR-1")}, options(10));
    drive(r2, [&](const std::string& t) { return page_body(all, t); });
    BOOST_TEST(r2.answer("HR-1").kind == ReconcileAnswer::Kind::found);
    BOOST_TEST(r2.answer("HR-1").order_id == "13290020");
}

BOOST_AUTO_TEST_CASE(one_scan_settles_several_rows)
{
    auto all = orders(45);
    all[2].eon = "HR-1";
    all[37].eon = "HR-2";
    Reconciler r({target("HR-1"), target("HR-2"), target("HR-3"), target("HR-4", "not a time")}, options(10));
    BOOST_TEST(r.answer("HR-4").kind == ReconcileAnswer::Kind::impossible);
    drive(r, [&](const std::string& t) { return page_body(all, t); });
    BOOST_TEST(r.answer("HR-1").order_id == "13290002");
    BOOST_TEST(r.answer("HR-2").order_id == "13290037");
    BOOST_TEST(r.answer("HR-3").kind == ReconcileAnswer::Kind::absent);
    BOOST_TEST(r.answer("HR-4").kind == ReconcileAnswer::Kind::impossible);
    BOOST_TEST(r.answer("HR-4").reason.find("\"not a time\"") != std::string::npos);
    BOOST_TEST(r.answer("HR-9").kind == ReconcileAnswer::Kind::impossible);
}

BOOST_AUTO_TEST_CASE(a_double_submit_already_made_is_reported)
{
    auto all = orders(20);
    all[4].eon = "HR-1";
    all[5].eon = "HR-1";
    Reconciler r({target("HR-1"), target("HR-2")}, options(10));
    drive(r, [&](const std::string& t) { return page_body(all, t); });
    const auto a = r.answer("HR-1");
    BOOST_TEST(a.order_id == "13290004");
    BOOST_TEST(a.reason.find("WARNING: so do orders 13290005") != std::string::npos, a.reason);
}

BOOST_AUTO_TEST_CASE(an_order_that_moves_back_onto_a_read_page_is_still_found)
{
    // The API sorts by `updated`, oldest first: when an early order is updated between two
    // GETs it moves to the end, and everything after it moves one place forward.
    for (std::size_t overlap : {0u, 2u}) {
        auto all = orders(30);
        all[10].eon = "HR-1";   // first item of page 2, until the list moves
        int served = 0;
        Reconciler r({target("HR-1")}, options(10, overlap));
        drive(r, [&](const std::string& t) {
            if (served++ == 1) {   // after page 1 was read
                auto moved = all[3];
                all.erase(all.begin() + 3);
                all.push_back(moved);
            }
            return page_body(all, t);
        });
        BOOST_TEST(r.answer("HR-1").kind == ReconcileAnswer::Kind::found, "overlap " << overlap);
        // With the overlap the first read catches it; without, the second read does.
        BOOST_TEST(r.pages_read() == (overlap ? 2u : 4u), "overlap " << overlap);
    }
}

BOOST_AUTO_TEST_CASE(a_list_that_shrinks_is_read_again_then_given_up)
{
    auto all = orders(30);
    Reconciler r({target("HR-1")}, options(10));
    drive(r, [&](const std::string& t) {
        if (param(t, "offset") == 10) all.pop_back();   // shrinks on every second page
        return page_body(all, t);
    });
    const auto a = r.answer("HR-1");
    BOOST_TEST(a.kind == ReconcileAnswer::Kind::impossible);
    BOOST_TEST(a.reason.find("kept shrinking") != std::string::npos, a.reason);
}

BOOST_AUTO_TEST_SUITE_END()
