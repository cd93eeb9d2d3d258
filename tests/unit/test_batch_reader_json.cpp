// The batch reader on JSON and NDJSON batches: the shapes scripts and HR systems write, the
// rows and messages an operator sees, for every chunking.
#include <boost/test/unit_test.hpp>

#include "batch_checks.hpp"
#include "xferd/core/batch_reader.hpp"

#include <string>
#include <vector>

using namespace xferd;
using namespace xferd::test;

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(order_requests_object_with_wrappers)
{
    const std::string input = read_file(batch_path("orders.json"));
    const auto r = read_chunked(BatchFormat::json, input);
    BOOST_TEST(!r.error, render(r));
    BOOST_TEST(r.header.empty());
    BOOST_REQUIRE(r.rows.size() == 2u);
    const auto& a = r.rows[0];  // the API doc's example request
    check_tutorial_row(a);
    const auto& b = r.rows[1];
    BOOST_TEST(b.valid(), b.error_text());
    BOOST_TEST(b.row.row == 2u);
    BOOST_TEST(b.row.service_number == "2035552222");
    BOOST_TEST(b.row.contact_number == "+442079460958");
    BOOST_TEST(b.row.personal_email == "anna@example.org");
    BOOST_TEST(b.row.employee_email == "a.smith@corp.example.com");
    BOOST_TEST(b.row.employee_id == "asmith");
    BOOST_REQUIRE(b.row.extra_properties.size() == 1u);
    BOOST_TEST(b.row.extra_properties[0].id == "CONTACT_NUMBER_EXT");
    BOOST_TEST(b.row.extra_properties[0].text == "12");
    check_every_split(BatchFormat::json, input);
}

BOOST_AUTO_TEST_CASE(top_level_array_of_bare_order_requests)
{
    const std::string input = read_file(batch_path("orders_array.json"));
    const auto r = read_chunked(BatchFormat::json, input);
    BOOST_TEST(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 2u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[0].row.external_order_number == "ARR-1");
    BOOST_TEST(r.rows[1].error_text() ==
               "column 'transactionType': is 'UPGRADE'; xferd places XFER_SERVICE_OUT orders only: "
               "set it to \"XFER_SERVICE_OUT\" or leave it out");
    check_every_split(BatchFormat::json, input);
}

BOOST_AUTO_TEST_CASE(single_order_request_and_array_of_wrappers)
{
    const std::string one =
        R"({"orderRequest":{"externalOrderNumber":"S-1","serviceId":38382555,"properties":[{"groupId":"MISCELLANEOUS","fields":[)"
        R"({"id":"SERVICE_NUMBER","type":"TEXT","text":"2035551111"},{"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"},)"
        R"({"id":"PERSONAL_EMAIL","type":"TEXT","text":"p@example.com"}]}]}})";
    auto r = read_chunked(BatchFormat::json, one);
    BOOST_TEST(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 1u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[0].row.service_id == "38382555");  // a number is taken as its digits

    r = read_chunked(BatchFormat::json, "[" + one + ",\n" + one + "]");
    BOOST_REQUIRE(r.rows.size() == 2u);
    BOOST_TEST(r.rows[1].row.row == 2u);
    BOOST_TEST(contains(r.rows[1].error_text(), "duplicates row 1"));
}

BOOST_AUTO_TEST_CASE(field_errors_use_json_names)
{
    const std::string input =
        R"({"orderRequests":[{"externalOrderNumber":"J-1","serviceId":"38382555","properties":[{"groupId":"MISCELLANEOUS","fields":[)"
        R"({"id":"SERVICE_NUMBER","type":"TEXT","text":"555-1111"},{"id":"PERSONAL_EMAIL","type":"TEXT","text":"p@example.com"},)"
        R"({"id":"URGENCY","type":"CHOICE","choice":{"id":"HIGH"}}]}]},)"
        R"("not an object", {"orderRequest": {"serviceId": ["38382555"]}}]})";
    const auto r = read_chunked(BatchFormat::json, input);
    BOOST_TEST(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 3u);
    const auto& e = r.rows[0].errors;
    BOOST_REQUIRE(e.size() == 3u);
    BOOST_TEST(e[0].column == "properties.URGENCY");
    BOOST_TEST(e[0].message.starts_with("has type CHOICE; xferd sends TEXT properties only"));
    BOOST_TEST(e[1].column == "properties.SERVICE_NUMBER");
    BOOST_TEST(e[1].message.starts_with("'555-1111' has 7 digits"));
    BOOST_TEST(e[2].column == "properties.CONTACT_NUMBER");
    BOOST_TEST(e[2].message.starts_with("required, but missing"));
    BOOST_TEST(r.rows[1].row.row == 2u);
    BOOST_TEST(r.rows[1].error_text().starts_with("the row is a string, not an orderRequest object"));
    BOOST_TEST(contains(r.rows[2].error_text(), "column 'serviceId': must be a string, not an array"));
    BOOST_TEST(contains(r.rows[2].error_text(), "column 'externalOrderNumber': required, but missing"));
}

BOOST_AUTO_TEST_CASE(syntax_error_gives_offset_and_line)
{
    const std::string input = "{\"orderRequests\": [\n  {\"externalOrderNumber\": \"J-1\",}\n]}";
    const auto r = read_chunked(BatchFormat::json, input);
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->line.value() == 2u);
    BOOST_TEST(r.error->byte_offset.value() == input.find(",}") + 1);
    BOOST_TEST(r.error->message.starts_with("the JSON is not valid (syntax error): look for a missing comma"));
    BOOST_TEST(contains(r.error->message, "(byte " + std::to_string(input.find(",}") + 1) + ", line 2)"));
    check_every_split(BatchFormat::json, input);
}

BOOST_AUTO_TEST_CASE(error_offset_and_line_far_into_the_file)
{
    // Past the reader's internal 16 KiB blocks: offsets and lines still count from the file start.
    std::string input = "\xEF\xBB\xBF[\n";
    for (int i = 0; i < 400; ++i) {
        input += R"(  {"externalOrderNumber": "R-)" + std::to_string(i) + R"(", "serviceId": "38382555"},)" + "\n";
    }
    const std::size_t at = input.size() + 2;
    input += "  {\"x\" 1}\n]";
    const auto r = read_chunked(BatchFormat::json, input, 1000);
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.rows.size() == 400u);
    BOOST_TEST(r.error->byte_offset.value() == at + 5);  // the 1 where a ':' belongs
    BOOST_TEST(r.error->line.value() == 402u);
    BOOST_TEST(render(read_chunked(BatchFormat::json, input)) == render(r));
}

BOOST_AUTO_TEST_CASE(truncated_json)
{
    const std::string full = read_file(batch_path("orders.json"));
    const std::string input = full.substr(0, full.size() / 2);
    const auto r = read_chunked(BatchFormat::json, input);
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message.starts_with("the JSON ends before the document is complete: the file is truncated"));
    BOOST_TEST(r.error->byte_offset.value() == input.size());
    check_every_split(BatchFormat::json, input);
}

BOOST_AUTO_TEST_CASE(empty_wrong_shape_and_extra_data)
{
    auto r = read_chunked(BatchFormat::json, " \n");
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message.starts_with("the file is empty"));
    r = read_chunked(BatchFormat::json, R"({"orderRequests": []})");
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message == "the file holds no orderRequests: the array is empty");
    r = read_chunked(BatchFormat::json, R"({"orders": [{"externalOrderNumber": "x"}]})");
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message.starts_with("the JSON object has no \"orderRequests\" array"));
    r = read_chunked(BatchFormat::json, R"("orderRequests")");
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message.starts_with("a JSON batch must be {\"orderRequests\": […]}"));
    r = read_chunked(BatchFormat::json, read_file(batch_path("orders.ndjson")));
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message.starts_with("there is more after the end of the JSON document"));
    BOOST_TEST(contains(r.error->message, "name the file .ndjson"));
    BOOST_TEST(r.error->line.value() == 3u);
}

BOOST_AUTO_TEST_CASE(rows_stream_out_before_the_document_ends)
{
    // 3000 rows (~600 KB): rows are handed out while the array is still open, so a big batch
    // never sits in memory as one document.
    std::string input = "\xEF\xBB\xBF{\"orderRequests\":[";
    for (int i = 1; i <= 3000; ++i) {
        input += std::string(i > 1 ? "," : "") + R"({"orderRequest":{"externalOrderNumber":"B-)" +
                 std::to_string(i) +
                 R"(","serviceId":"38382555","properties":[{"groupId":"MISCELLANEOUS","fields":[)"
                 R"({"id":"SERVICE_NUMBER","type":"TEXT","text":"2035551111"},{"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"},)"
                 R"({"id":"PERSONAL_EMAIL","type":"TEXT","text":"p@example.com"}]}]}})";
    }
    BatchReader reader(BatchFormat::json, {});
    std::vector<ParsedRow> rows;
    BOOST_TEST(reader.feed(std::string_view(input).substr(0, input.size() / 2), rows));
    BOOST_TEST(rows.size() > 1000u);
    BOOST_TEST(reader.feed(std::string_view(input).substr(input.size() / 2), rows));
    input += "]}";
    BOOST_TEST(reader.feed("]}", rows));
    BOOST_TEST(reader.finish(rows));
    BOOST_REQUIRE(rows.size() == 3000u);
    BOOST_TEST(rows[2999].row.row == 3000u);
    BOOST_TEST(rows[2999].valid());
    // Same outcome for other chunk sizes, across the internal block boundaries.
    const std::string whole = render(read_chunked(BatchFormat::json, input));
    BOOST_TEST(render(read_chunked(BatchFormat::json, input, 4093)) == whole);
    BOOST_TEST(render(read_chunked(BatchFormat::json, input, 1)) == whole);
}

// boost::json keeps the last of two equal keys: the row would be placed with a value the
// operator may not have meant, so it is the row's error.
BOOST_AUTO_TEST_CASE(a_key_twice_is_the_rows_error)
{
    const std::string input =
        "{\"orderRequests\": [" + json_request("D-1") + ",\n" +
        "{\"orderRequest\":" + json_request("D-2", R"("serviceId":"38382556",)") + "},\n" +
        json_request("D-3", R"("serviceId":"38382557",)") + ",\n" +
        json_request("D-4", "", R"({"id":"X_EXT","type":"TEXT","text":"a","text":"b"},)") + ",\n" +
        json_request("D-5", "", R"({"id":"CONTACT_NUMBER","type":"TEXT","text":"2035550000"},)") + ",\n" +
        json_request("D-6", "", R"({"id":"X_EXT","text":"1"},{"id":"X_EXT","text":"2"},)") + ",\n" +
        json_request("D-7") + "]}";
    const auto r = read_chunked(BatchFormat::json, input);
    BOOST_REQUIRE_MESSAGE(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 7u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[1].error_text() == "column 'serviceId': key 'serviceId' appears twice in item 2; keep one");
    BOOST_TEST(r.rows[2].error_text() == "column 'serviceId': key 'serviceId' appears twice in item 3; keep one");
    BOOST_TEST(r.rows[2].row.external_order_number == "D-3");  // the rest of the row is read
    BOOST_TEST(r.rows[3].error_text() == "column 'properties.X_EXT': key 'text' appears twice in item 4; keep one");
    BOOST_TEST(r.rows[4].error_text() == "column 'properties.CONTACT_NUMBER': field id 'CONTACT_NUMBER' "
                                         "appears twice in the properties of item 5; keep one");
    BOOST_TEST(r.rows[5].error_text() == "column 'properties.X_EXT': field id 'X_EXT' appears twice in "
                                         "the properties of item 6; keep one");
    BOOST_TEST(r.rows[6].valid(), r.rows[6].error_text());
    check_every_split(BatchFormat::json, input);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ndjson)

BOOST_AUTO_TEST_CASE(one_bad_line_is_one_invalid_row)
{
    const std::string input = read_file(batch_path("orders.ndjson"));
    const auto r = read_chunked(BatchFormat::ndjson, input);
    BOOST_TEST(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 3u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[0].row.row == 1u);
    BOOST_TEST(r.rows[0].row.external_order_number == "ND-1");
    // Line 2 is blank; line 3 was cut short.
    BOOST_TEST(r.rows[1].row.row == 3u);
    BOOST_TEST(!r.rows[1].valid());
    BOOST_TEST(r.rows[1].error_text().starts_with("line 3 is not valid JSON (incomplete JSON at character"));
    BOOST_TEST(r.rows[2].row.row == 4u);
    BOOST_TEST(r.rows[2].valid(), r.rows[2].error_text());
    BOOST_TEST(r.rows[2].row.service_number == "2035553333");
    check_every_split(BatchFormat::ndjson, input);
}

BOOST_AUTO_TEST_CASE(empty)
{
    auto r = read_chunked(BatchFormat::ndjson, "\n\r\n  \n");
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message.starts_with("the file is empty"));
}

BOOST_AUTO_TEST_CASE(a_key_twice_is_the_rows_error)
{
    const std::string input = json_request("N-1") + "\n" +
                              json_request("N-2", R"("externalOrderNumber":"N-2b",)") + "\r\n" +
                              R"({"orderRequest":{"a":1},"orderRequest":)" + json_request("N-3") + "}\n" +
                              json_request("N-4") + "\n";
    const auto r = read_chunked(BatchFormat::ndjson, input);
    BOOST_REQUIRE_MESSAGE(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 4u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[1].error_text() ==
               "column 'externalOrderNumber': key 'externalOrderNumber' appears twice in line 2; keep one");
    BOOST_TEST(r.rows[2].error_text() == "key 'orderRequest' appears twice in line 3; keep one");
    BOOST_TEST(r.rows[3].valid(), r.rows[3].error_text());
    check_every_split(BatchFormat::ndjson, input);
}

BOOST_AUTO_TEST_SUITE_END()
