// POST /orders (confirm and submit) and GET /orders/{id} against the in-process simulator,
// including the tutorial's XFER_SERVICE_OUT example reproduced field for field.
#include <boost/test/unit_test.hpp>

#include "sim_fixture.hpp"
#include "test_files.hpp"

#include <boost/json.hpp>

using namespace xferd::test;
namespace json = boost::json;

namespace {

// The XFER_SERVICE_OUT tutorial's example request, confirmation and order, verbatim
// (tests/data/seed/, the API tutorial's sample data).
const std::string seed_request = read_text(source_path("tests/data/seed/xfer_out_request.json"));
const std::string seed_confirmation = read_text(source_path("tests/data/seed/xfer_out_confirmation.json"));
const std::string seed_order = read_text(source_path("tests/data/seed/xfer_out_order.json"));

// Replaces every href* value by its path and query, so hosts do not matter.
void hrefs_to_paths(json::value& v)
{
    if (auto* o = v.if_object()) {
        for (auto& kv : *o) {
            if (kv.key().starts_with("href") && kv.value().is_string()) {
                std::string s(kv.value().as_string());
                auto scheme = s.find("://");
                auto slash = s.find('/', scheme == std::string::npos ? 0 : scheme + 3);
                kv.value() = slash == std::string::npos ? std::string{} : s.substr(slash);
            } else {
                hrefs_to_paths(kv.value());
            }
        }
    } else if (auto* a = v.if_array()) {
        for (auto& e : *a)
            hrefs_to_paths(e);
    }
}

json::value normalized(json::value v)
{
    hrefs_to_paths(v);
    return v;
}

json::object order_request(const std::string& service_id, const std::string& number,
                           const std::string& email, const std::string& ext = "T-1")
{
    json::object req = json::parse(seed_request).as_object();
    auto& o = req["orderRequest"].as_object();
    o["serviceId"] = service_id;
    o["externalOrderNumber"] = ext;
    for (auto& f : o["properties"].as_array()[0].as_object()["fields"].as_array()) {
        auto& field = f.as_object();
        if (field["id"] == "SERVICE_NUMBER")
            field["text"] = number;
        if (field["id"] == "PERSONAL_EMAIL")
            field["text"] = email;
    }
    return req;
}

void remove_field(json::object& req, std::string_view id)
{
    auto& fields = req["orderRequest"].as_object()["properties"].as_array()[0].as_object()["fields"].as_array();
    for (auto it = fields.begin(); it != fields.end(); ++it)
        if (it->as_object()["id"].as_string() == id) {
            fields.erase(it);
            return;
        }
}

std::vector<std::string> error_codes(const HttpResult& r)
{
    std::vector<std::string> out;
    auto body = r.json().as_object();
    BOOST_TEST(body.at("status") == "ERROR");
    for (auto& e : body.at("errors").as_array()) {
        BOOST_TEST(e.at("status") == r.status);
        BOOST_TEST(!e.at("id").as_string().empty());
        BOOST_TEST(!e.at("message").as_string().empty());
        out.emplace_back(e.at("errorCode").as_string());
    }
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& s)
{
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

BOOST_AUTO_TEST_CASE(seed_request_yields_seed_confirmation_field_for_field)
{
    SimFixture sim;
    auto c = sim.client();
    auto res = c.post("/mobproc/v1/orders?confirm=true", seed_request,
                      SimFixture::api_headers(sim.token(demo::seed_username, demo::seed_password)));
    BOOST_TEST_REQUIRE(res.status == 200);
    auto got = res.json();
    // Our own base URL in every href...
    BOOST_TEST(got.at("orderConfirmation").at("accountHolder").at("_meta").at("href").as_string() ==
               sim.base_url() + "/employees/28691777");
    // ...and otherwise exactly the tutorial's confirmation.
    BOOST_TEST(normalized(got) == normalized(json::parse(seed_confirmation)));
    BOOST_TEST(sim.audit_entries().empty());  // a confirmation records nothing
}

BOOST_AUTO_TEST_CASE(seed_request_submitted_yields_seed_order_and_audit_line)
{
    SimFixture sim;
    auto c = sim.client();
    auto headers = SimFixture::api_headers(sim.token(demo::seed_username, demo::seed_password));
    auto res = c.post("/mobproc/v1/orders", seed_request, headers);
    BOOST_TEST_REQUIRE(res.status == 200);
    auto got = res.json().as_object();
    auto expected = json::parse(seed_order).as_object();
    // Timestamps are now; everything else, ids included, is the tutorial's order.
    auto& order = got["order"].as_object();
    auto submitted = std::string(order["dateSubmitted"].as_string());
    BOOST_TEST(submitted == std::string(order["updated"].as_string()));
    BOOST_TEST(submitted.size() == 20u);
    BOOST_TEST(submitted.back() == 'Z');
    order.erase("dateSubmitted");
    order.erase("updated");
    expected["order"].as_object().erase("dateSubmitted");
    expected["order"].as_object().erase("updated");
    BOOST_TEST(normalized(got) == normalized(expected));
    BOOST_TEST(order["orderId"] == "13298555");

    auto audit = sim.audit_entries();
    BOOST_TEST_REQUIRE(audit.size() == 1u);
    BOOST_TEST(audit[0].at("externalOrderNumber") == "AZ99087547-001");
    BOOST_TEST(audit[0].at("serviceId") == "38382555");
    BOOST_TEST(audit[0].at("orderId") == "13298555");
    BOOST_TEST(audit[0].at("transactionType") == "XFER_SERVICE_OUT");
    BOOST_TEST(audit[0].at("time").as_string().starts_with(submitted.substr(0, 10)));

    // GET /orders/{id} shows the same order.
    auto again = c.get("/mobproc/v1/orders/13298555", headers);
    BOOST_TEST_REQUIRE(again.status == 200);
    auto fetched = again.json().as_object();
    BOOST_TEST(fetched.at("orderId") == "13298555");
    BOOST_TEST(fetched.at("dateSubmitted") == json::value(submitted));
    fetched.erase("dateSubmitted");
    fetched.erase("updated");
    BOOST_TEST(json::value(fetched) == json::value(order));
}

BOOST_AUTO_TEST_CASE(order_ids_advance_by_two_and_external_numbers_are_not_deduplicated)
{
    SimFixture sim;
    auto c = sim.client();
    auto headers = SimFixture::api_headers(sim.token());
    for (int i = 0; i < 3; ++i) {
        auto res = c.post("/mobproc/v1/orders", seed_request, headers);
        BOOST_TEST_REQUIRE(res.status == 200);
        auto body = res.json();
        auto& order = body.at("order");
        BOOST_TEST(order.at("orderId") == json::value(std::to_string(13298555 + 2 * i)));
        BOOST_TEST(order.at("orderSegments").at("items").at(0).at("orderSegmentId") ==
                   json::value(std::to_string(13298556 + 2 * i)));
        BOOST_TEST(order.at("status") == "ORDER_SUBMITTED");
        // requestedBy is the authenticated user's employee: the IT service account.
        BOOST_TEST(order.at("requestedBy").at("id") == "30000001");
        BOOST_TEST(order.at("accountHolder").at("id") == "28691777");
    }
    auto audit = sim.audit_entries();
    BOOST_TEST_REQUIRE(audit.size() == 3u);
    for (auto& a : audit)
        BOOST_TEST(a.at("externalOrderNumber") == "AZ99087547-001");
    auto stats = c.get("/_sim/stats").json();
    BOOST_TEST(stats.at("orders").at("total") == 3);
    BOOST_TEST(stats.at("orders").at("duplicates") == 2);
    BOOST_TEST(stats.at("orders").at("byExternalOrderNumber").at("AZ99087547-001") == 3);
    BOOST_TEST(stats.at("requests").at("submit").at("200") == 3);
}

BOOST_AUTO_TEST_CASE(service_number_mismatch_is_confirmed_with_the_real_number)
{
    SimFixture sim;
    auto c = sim.client();
    auto res = c.post("/mobproc/v1/orders?confirm=true",
                      json::serialize(order_request("38382555", "2035559999", "p@example.com")),
                      SimFixture::api_headers(sim.token()));
    BOOST_TEST_REQUIRE(res.status == 200);
    auto body = res.json();
    auto& conf = body.at("orderConfirmation");
    BOOST_TEST(conf.at("service").at("serviceNumber") == "2035551111");
    BOOST_TEST(conf.at("properties").at(0).at("fields").at(3).at("text") == "2035559999");
    BOOST_TEST(conf.at("requestedBy").at("companyEmployeeId") == "svc-offboarding");
}

BOOST_AUTO_TEST_CASE(validation_errors_use_the_error_wrapper)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    auto post = [&](const json::object& body, const char* confirm = "true") {
        return c.post(std::string("/mobproc/v1/orders?confirm=") + confirm, json::serialize(body), h);
    };

    auto unknown = post(order_request("99999999", "2035551111", "p@example.com"));
    BOOST_TEST(unknown.status == 400);
    BOOST_TEST(has(error_codes(unknown), "400-Service-Not-Found-error"));

    // 38393737 is SUSPENDED in the fixtures: confirm and submit both refuse it.
    auto inactive = post(order_request("38393737", "4155550100", "p@example.com"));
    BOOST_TEST(inactive.status == 400);
    BOOST_TEST(has(error_codes(inactive), "400-Service-Not-Active-error"));
    BOOST_TEST(post(order_request("38393737", "4155550100", "p@example.com"), "false").status == 400);

    auto missing = order_request("38382555", "2035551111", "p@example.com");
    remove_field(missing, "PERSONAL_EMAIL");
    remove_field(missing, "CONTACT_NUMBER");
    auto missing_res = post(missing);
    BOOST_TEST(missing_res.status == 400);
    auto codes = error_codes(missing_res);
    BOOST_TEST(codes.size() == 2u);
    BOOST_TEST(has(codes, "400-Missing-Required-Property-error"));

    auto blank = post(order_request("38382555", "   ", "p@example.com"));
    BOOST_TEST(blank.status == 400);
    BOOST_TEST(has(error_codes(blank), "400-Missing-Required-Property-error"));

    // ADDITIONAL_INSTRUCTIONS is optional.
    auto optional = order_request("38382555", "2035551111", "p@example.com");
    remove_field(optional, "ADDITIONAL_INSTRUCTIONS");
    BOOST_TEST(post(optional).status == 200);

    auto bad_email = post(order_request("38382555", "2035551111", "not-an-email"));
    BOOST_TEST(bad_email.status == 400);
    BOOST_TEST(has(error_codes(bad_email), "400-Invalid-Property-Value-error"));

    auto bad_type = json::parse(R"({"orderRequest":{"serviceId":"38382555","transactionType":"TELEPORT"}})");
    BOOST_TEST(has(error_codes(post(bad_type.as_object())), "400-Invalid-Transaction-Type-error"));

    auto malformed = c.post("/mobproc/v1/orders?confirm=true", "{\"orderRequest\": ", h);
    BOOST_TEST(malformed.status == 400);
    BOOST_TEST(has(error_codes(malformed), "400-Malformed-JSON-error"));

    auto no_wrapper = c.post("/mobproc/v1/orders?confirm=true", R"({"serviceId":"38382555"})", h);
    BOOST_TEST(has(error_codes(no_wrapper), "400-Missing-Order-Request-error"));

    auto h_text = h;
    h_text.emplace_back("Content-Type", "text/plain");
    auto wrong_ct = c.post("/mobproc/v1/orders?confirm=true", seed_request, h_text);
    BOOST_TEST(wrong_ct.status == 400);
    BOOST_TEST(has(error_codes(wrong_ct), "400-Invalid-Content-Type-error"));

    auto bad_confirm = c.post("/mobproc/v1/orders?confirm=maybe", seed_request, h);
    BOOST_TEST(bad_confirm.status == 400);
    BOOST_TEST(bad_confirm.json().at("errorCode") == "400-Invalid-Query-Parameter-error");

    BOOST_TEST(sim.audit_entries().empty());
}

BOOST_AUTO_TEST_CASE(unknown_order_is_404)
{
    SimFixture sim;
    auto c = sim.client();
    auto res = c.get("/mobproc/v1/orders/13298555", SimFixture::api_headers(sim.token()));
    BOOST_TEST(res.status == 404);
    BOOST_TEST(res.json().at("errorCode") == "404-Order-Not-Found-error");
    BOOST_TEST(res.json().at("status") == 404);
}

BOOST_AUTO_TEST_CASE(context_header_changes_requested_by)
{
    SimFixture sim;
    auto c = sim.client();
    auto h = SimFixture::api_headers(sim.token());
    h.emplace_back("X-TNGO-CONTEXT-COMPANYEMPLOYEEID", "peter.edwards");
    auto res = c.post("/mobproc/v1/orders?confirm=true", seed_request, h);
    BOOST_TEST_REQUIRE(res.status == 200);
    BOOST_TEST(res.json().at("orderConfirmation").at("requestedBy").at("id") == "28691777");
    h.back().second = "nobody";
    BOOST_TEST(c.post("/mobproc/v1/orders?confirm=true", seed_request, h).status == 400);
}
