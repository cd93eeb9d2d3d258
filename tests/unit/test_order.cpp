#include "xferd/core/order.hpp"

#include "test_files.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace xferd;
namespace json = boost::json;

namespace {
TransferRow seed_row()
{
    TransferRow r;
    r.row = 1;
    r.external_order_number = "AZ99087547-001";
    r.service_id = "38382555";
    r.service_number = "2035551111";
    r.contact_number = "2035558888";
    r.personal_email = "peter.edwards@example.com";
    r.additional_instructions = "Please confirm with account holder that service has been successfully transferred";
    return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(order_mapping)

BOOST_AUTO_TEST_CASE(seed_row_maps_to_the_tutorial_request_exactly)
{
    auto expected = test::read_json("tests/data/seed/xfer_out_request.json");
    BOOST_TEST(make_order_request(seed_row()) == expected);
}

BOOST_AUTO_TEST_CASE(empty_instructions_are_left_out_and_extra_properties_keep_their_group)
{
    auto row = seed_row();
    row.additional_instructions.clear();
    row.extra_properties = {{"MISCELLANEOUS", "CONTACT_NUMBER_EXT", "42"}, {"BILLING", "CARRIER_ACCT_NUMBER", "A-1"}};
    auto req = make_order_request(row).at("orderRequest").as_object();
    const auto& groups = req.at("properties").as_array();
    BOOST_TEST_REQUIRE(groups.size() == 2u);
    const auto& misc = groups[0].at("fields").as_array();
    BOOST_TEST(misc.size() == 4u);  // CONTACT_NUMBER, PERSONAL_EMAIL, SERVICE_NUMBER, CONTACT_NUMBER_EXT
    for (const auto& f : misc) BOOST_TEST(f.at("id").as_string() != "ADDITIONAL_INSTRUCTIONS");
    BOOST_TEST(misc[3].at("id").as_string() == "CONTACT_NUMBER_EXT");
    BOOST_TEST(groups[1].at("groupId").as_string() == "BILLING");
    BOOST_TEST(groups[1].at("fields").as_array()[0].at("text").as_string() == "A-1");
}

BOOST_AUTO_TEST_CASE(seed_confirmation_is_summarised_for_a_person)
{
    auto s = summarize_confirmation(test::read_json("tests/data/seed/xfer_out_confirmation.json"));
    BOOST_TEST(s.confirmed);
    BOOST_TEST(s.account_holder == "Peter Edwards");
    BOOST_TEST(s.account_holder_email == "peter.edwards@example.com");
    BOOST_TEST(s.account_holder_id == "peter.edwards");
    BOOST_TEST(s.account_holder_tangoe_id == "28691777");
    BOOST_TEST(s.device == "Apple iPhone 7 Plus (32GB) - Silver");
    BOOST_TEST(s.department == "Development");
    BOOST_TEST(s.imei == "1919191919");
    BOOST_TEST(s.contract_end == "2019-06-07T00:00:00Z");
    BOOST_TEST(s.carrier.empty());  // the documented confirmation names none
    BOOST_TEST(s.service_number == "2035551111");
    BOOST_TEST(s.service_status == "ACTIVE");
    BOOST_TEST(s.error.empty());
}

BOOST_AUTO_TEST_CASE(a_non_success_confirmation_is_not_confirmed)
{
    auto body = test::read_json("tests/data/seed/xfer_out_confirmation.json");
    body.as_object()["status"] = "ERROR";
    auto s = summarize_confirmation(body);
    BOOST_TEST(!s.confirmed);
    BOOST_TEST(s.error.find("ERROR") != std::string::npos);
    BOOST_TEST(!summarize_confirmation(json::parse(R"({"status":"SUCCESS"})")).confirmed);
}

BOOST_AUTO_TEST_CASE(seed_order_yields_its_order_id)
{
    auto o = parse_order(test::read_json("tests/data/seed/xfer_out_order.json"));
    BOOST_TEST_REQUIRE(o.has_value());
    BOOST_TEST(o->order_id == "13298555");
    BOOST_TEST(o->status == "ORDER_SUBMITTED");
    BOOST_TEST(o->external_order_number == "AZ99087547-001");
    BOOST_TEST(o->carrier == "AT Mobility");
    // A bare order (GET /orders/{id}) too; and an answer without orderId is no order.
    auto bare = test::read_json("tests/data/seed/xfer_out_order.json").at("order");
    BOOST_TEST(parse_order(bare)->order_id == "13298555");
    BOOST_TEST(!parse_order(json::parse(R"({"order":{"status":"ORDER_SUBMITTED"}})")).has_value());
}

BOOST_AUTO_TEST_CASE(error_bodies_in_every_documented_form_become_one_sentence)
{
    BOOST_TEST(describe_api_error(400, R"({"status":"ERROR","errors":[
        {"status":400,"id":"a1","errorCode":"400-Invalid-Service-error","message":"Service 1 not found"},
        {"status":400,"id":"a2","errorCode":"400-Missing-Property-error","message":"PERSONAL_EMAIL is required"}]})") ==
               "HTTP 400: 400-Invalid-Service-error: Service 1 not found; 400-Missing-Property-error: "
               "PERSONAL_EMAIL is required");
    BOOST_TEST(describe_api_error(400, R"({"status":400,"id":"k3v9q","errorCode":"400-Missing-Tenant-Header-error",
        "message":"X-TNGO-TENANT header must be passed in."})") ==
               "HTTP 400: 400-Missing-Tenant-Header-error: X-TNGO-TENANT header must be passed in.");
    BOOST_TEST(describe_api_error(401, R"({"error":"invalid_grant","error_description":"bad password"})") ==
               "HTTP 401: invalid_grant: bad password");
    BOOST_TEST(describe_api_error(502, "<html>Bad Gateway</html>") == "HTTP 502: <html>Bad Gateway</html>");
    BOOST_TEST(describe_api_error(500, "") == "HTTP 500");
}

BOOST_AUTO_TEST_CASE(token_errors_are_recognised)
{
    BOOST_TEST(is_token_error(401, ""));
    BOOST_TEST(is_token_error(403, R"({"status":403,"errorCode":"403-Invalid-Token-error","message":"x"})"));
    BOOST_TEST(!is_token_error(403, R"({"status":403,"errorCode":"403-Wrong-Tenant-error","message":"x"})"));
    BOOST_TEST(!is_token_error(400, R"({"errorCode":"400-Token-error"})"));
}

BOOST_AUTO_TEST_SUITE_END()
