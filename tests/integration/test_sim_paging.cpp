// Paged collections (docs/mobproc-api.md § Paging links), /orders filters, /assets/services, /orders/properties and
// /acknowledgements, and --generate-services.
#include <boost/test/unit_test.hpp>

#include "sim_fixture.hpp"

#include <boost/json.hpp>

using namespace xferd::test;
namespace json = boost::json;

namespace {

std::string order_body(const std::string& ext)
{
    return R"({"orderRequest":{"externalOrderNumber":")" + ext +
           R"(","serviceId":"38382555","transactionType":"XFER_SERVICE_OUT","properties":[{"groupId":"MISCELLANEOUS","fields":[)"
           R"({"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"},{"id":"PERSONAL_EMAIL","type":"TEXT","text":"p@example.com"},)"
           R"({"id":"SERVICE_NUMBER","type":"TEXT","text":"2035551111"}]}]}})";
}

// The offset a link points at, or -1 when the link is absent.
long link_offset(const json::object& meta, const char* name)
{
    auto* v = meta.if_contains(name);
    if (!v)
        return -1;
    std::string href(v->as_string());
    auto pos = href.find("offset=");
    return std::stol(href.substr(pos + 7));
}

}  // namespace

BOOST_AUTO_TEST_CASE(orders_pages_follow_the_documented_link_rules)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    for (int i = 0; i < 7; ++i)
        BOOST_TEST_REQUIRE(c.post("/mobproc/v1/orders", order_body("P-" + std::to_string(i)), h).status == 200);

    auto page = [&](const std::string& query) {
        auto res = c.get("/mobproc/v1/orders" + query, h);
        BOOST_TEST_REQUIRE(res.status == 200);
        return res.json().at("orders").as_object();
    };
    auto first = page("?limit=3&offset=0");
    auto& m1 = first.at("_meta").as_object();
    BOOST_TEST(m1.at("totalCount") == 7);
    BOOST_TEST(m1.at("limit") == 3);
    BOOST_TEST(m1.at("offset") == 0);
    BOOST_TEST(m1.at("href").as_string() == sim.base_url() + "/orders?limit=3&offset=0");
    BOOST_TEST(link_offset(m1, "hrefStart") == -1);
    BOOST_TEST(link_offset(m1, "hrefPrevious") == -1);
    BOOST_TEST(link_offset(m1, "hrefNext") == 3);
    BOOST_TEST(link_offset(m1, "hrefEnd") == 6);
    BOOST_TEST(first.at("items").as_array().size() == 3u);
    BOOST_TEST(first.at("items").at(0).at("externalOrderNumber") == "P-0");

    auto middle = page("?limit=3&offset=3");
    auto& m2 = middle.at("_meta").as_object();
    BOOST_TEST(link_offset(m2, "hrefStart") == 0);
    BOOST_TEST(link_offset(m2, "hrefPrevious") == 0);
    BOOST_TEST(link_offset(m2, "hrefNext") == 6);
    BOOST_TEST(link_offset(m2, "hrefEnd") == 6);
    BOOST_TEST(middle.at("items").at(0).at("externalOrderNumber") == "P-3");

    auto last = page("?limit=3&offset=6");
    auto& m3 = last.at("_meta").as_object();
    BOOST_TEST(link_offset(m3, "hrefPrevious") == 3);
    BOOST_TEST(link_offset(m3, "hrefNext") == -1);
    BOOST_TEST(link_offset(m3, "hrefEnd") == -1);
    BOOST_TEST(last.at("items").as_array().size() == 1u);

    // Following hrefNext from the first page visits every order exactly once.
    std::vector<std::string> seen;
    std::string next = "/mobproc/v1/orders?limit=2&offset=0";
    while (!next.empty()) {
        auto o = c.get(next, h).json().at("orders").as_object();
        for (auto& item : o.at("items").as_array())
            seen.emplace_back(item.at("externalOrderNumber").as_string());
        auto* n = o.at("_meta").as_object().if_contains("hrefNext");
        next = n ? std::string(n->as_string()).substr(sim.origin().size()) : std::string{};
    }
    BOOST_TEST(seen.size() == 7u);
    BOOST_TEST(seen.back() == "P-6");

    // Filters stay in the links.
    auto filtered = page("?dateTimeUpdatedOnOrAfter=2000-01-01T00:00:00%2B00:00&limit=5");
    BOOST_TEST(filtered.at("_meta").at("hrefNext").as_string().find("dateTimeUpdatedOnOrAfter=2000-01-01T00%3A00%3A00%2B00%3A00") !=
               std::string::npos);
    BOOST_TEST(page("?dateTimeUpdatedOnOrAfter=2199-01-01T00:00:00Z").at("_meta").at("totalCount") == 0);
    BOOST_TEST(page("?companyEmployeeId=peter.edwards").at("_meta").at("totalCount") == 7);
    BOOST_TEST(page("?employee=30000001").at("_meta").at("totalCount") == 0);

    BOOST_TEST(c.get("/mobproc/v1/orders?limit=0", h).status == 400);
    BOOST_TEST(c.get("/mobproc/v1/orders?offset=-1", h).status == 400);
    BOOST_TEST(c.get("/mobproc/v1/orders?dateTimeUpdatedOnOrAfter=yesterday", h).status == 400);
}

BOOST_AUTO_TEST_CASE(service_assets_and_generated_services)
{
    xferd::sim::Options o;
    o.generate_services = 5;
    SimFixture sim(o);
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    auto list = c.get("/mobproc/v1/assets/services?limit=2&offset=0", h);
    BOOST_TEST_REQUIRE(list.status == 200);
    auto services = list.json().at("services").as_object();
    std::int64_t total = services.at("_meta").at("totalCount").as_int64();
    BOOST_TEST(total >= 125 + 5);
    auto end = c.get("/mobproc/v1/assets/services?limit=5&offset=" + std::to_string(total - 5), h).json();
    auto& items = end.at("services").at("items").as_array();
    BOOST_TEST(items.at(0).at("id") == "90000001");
    BOOST_TEST(items.at(4).at("id") == "90000005");
    BOOST_TEST(items.at(4).at("status") == "ACTIVE");

    auto detail = c.get("/mobproc/v1/assets/services/38382555", h);
    BOOST_TEST_REQUIRE(detail.status == 200);
    auto d = detail.json();
    BOOST_TEST(d.at("serviceNumber") == "2035551111");
    BOOST_TEST(d.at("employee").at("companyEmployeeId") == "peter.edwards");
    BOOST_TEST(d.at("vendor").at("current").at("id") == "111");
    BOOST_TEST(d.at("device").at("model") == "iPhone 7 Plus (32GB) - Silver");
    BOOST_TEST(c.get("/mobproc/v1/assets/services/1", h).status == 404);

    // A generated service can be ordered like any other.
    auto conf = c.post("/mobproc/v1/orders?confirm=true",
                       R"({"orderRequest":{"serviceId":"90000003","transactionType":"XFER_SERVICE_OUT","properties":[{"groupId":"MISCELLANEOUS","fields":[)"
                       R"({"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"},{"id":"PERSONAL_EMAIL","type":"TEXT","text":"p@example.com"},)"
                       R"({"id":"SERVICE_NUMBER","type":"TEXT","text":"x"}]}]}})",
                       h);
    BOOST_TEST(conf.status == 200);
    BOOST_TEST(c.get("/mobproc/v1/assets/services?companyEmployeeId=peter.edwards", h)
                   .json().at("services").at("_meta").at("totalCount") == 1);
}

BOOST_AUTO_TEST_CASE(order_properties_and_acknowledgements)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    auto props = c.get("/mobproc/v1/orders/properties?transactionType=XFER_SERVICE_OUT&service=38382555", h);
    BOOST_TEST_REQUIRE(props.status == 200);
    auto body = props.json();
    auto& group = body.at("properties").at("items").at(0);
    BOOST_TEST(group.at("groupId") == "MISCELLANEOUS");
    std::map<std::string, std::string> validation;
    for (auto& f : group.at("fields").as_array())
        validation[std::string(f.at("id").as_string())] = std::string(f.at("validation").as_string());
    BOOST_TEST(validation["SERVICE_NUMBER"] == "REQUIRED");
    BOOST_TEST(validation["PERSONAL_EMAIL"] == "REQUIRED");
    BOOST_TEST(validation["CONTACT_NUMBER"] == "REQUIRED");
    BOOST_TEST(validation["ADDITIONAL_INSTRUCTIONS"] == "OPTIONAL");
    BOOST_TEST(c.get("/mobproc/v1/orders/properties?transactionType=XFER_SERVICE_OUT", h).status == 400);
    BOOST_TEST(c.get("/mobproc/v1/orders/properties?transactionType=NOPE&vendor=111", h).status == 400);

    auto att = c.get("/mobproc/v1/acknowledgements?transactionType=XFER_SERVICE_OUT&vendor=111", h).json();
    BOOST_TEST(att.at("acknowledgements").as_array().empty());
    BOOST_TEST(!att.at("infoblocks").as_array().empty());
    auto tmo = c.get("/mobproc/v1/acknowledgements?transactionType=XFER_SERVICE_OUT&vendor=333", h).json();
    BOOST_TEST(tmo.at("acknowledgements").at(0).at("type") == "BOOLEAN");
    BOOST_TEST(c.get("/mobproc/v1/acknowledgements?transactionType=XFER_SERVICE_OUT", h).status == 400);
}
