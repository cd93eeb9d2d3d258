// A value or row over limits.max_field_bytes / max_row_bytes / max_columns is that row's error,
// with the column, the limit and what to do, and the rest of the batch goes on; a file error
// only where the reader cannot tell where the row ends. The same for every chunking.
#include <boost/test/unit_test.hpp>

#include "batch_checks.hpp"
#include "xferd/core/batch_reader.hpp"

#include <string>
#include <vector>

using namespace xferd;
using namespace xferd::test;

namespace {

BatchLimits small_limits()
{
    BatchLimits l;
    l.max_field_bytes = 40;
    l.max_row_bytes = 200;
    l.max_columns = 8;
    return l;
}

std::string tutorial_line(const std::string& eon, const std::string& note)
{
    return eon + ",38382555,2035551111,2035558888,p@example.com," + note + "\r\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(csv_rows)

BOOST_AUTO_TEST_CASE(a_value_over_the_field_limit_is_its_rows_error)
{
    const std::string input = header_line + good_line(1) + tutorial_line("EO-2", std::string(41, 'n')) +
                              tutorial_line("\"" + std::string(60, 'E') + "\"", "note") + good_line(4);
    const auto r = csv(input, {}, small_limits());
    BOOST_REQUIRE_MESSAGE(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 4u);
    BOOST_TEST(r.rows[0].valid());
    BOOST_TEST(r.rows[1].row.row == 2u);
    BOOST_TEST(r.rows[1].error_text() ==
               "column 'additional_instructions': the value starting 'nnnnnnnnnnnnnnnn…' is longer "
               "than 40 bytes, the limit limits.max_field_bytes, and was not read: shorten it; if "
               "values this long are expected, raise limits.max_field_bytes in the config");
    BOOST_TEST(r.rows[1].row.external_order_number == "EO-2");  // the rest of the row is read
    BOOST_TEST(r.rows[1].row.additional_instructions.empty());   // the value is not kept
    BOOST_TEST(r.rows[2].error_text().starts_with(
        "column 'external_order_number': the value starting 'EEEEEEEEEEEEEEEE…' is longer than 40 bytes"));
    BOOST_TEST(r.rows[3].valid(), r.rows[3].error_text());
    BOOST_TEST(r.rows[3].row.row == 4u);
    check_every_split(BatchFormat::csv, input, {}, small_limits());
}

BOOST_AUTO_TEST_CASE(the_config_field_limit_by_default)
{
    const std::string big(64 * 1024 + 1, 'x');
    const auto r = csv(header_line + tutorial_line("EO-1", big) + good_line(2));
    BOOST_REQUIRE(!r.error);
    BOOST_REQUIRE(r.rows.size() == 2u);
    BOOST_TEST(r.rows[0].error_text().find("is longer than 64KiB, the limit limits.max_field_bytes") !=
               std::string::npos);
    BOOST_TEST(r.rows[1].valid());
}

BOOST_AUTO_TEST_CASE(a_row_over_the_row_limit_is_its_error)
{
    BatchLimits l = small_limits();
    l.max_field_bytes = 180;
    const std::string input = header_line + good_line(1) + tutorial_line("EO-2", std::string(170, 'a')) +
                              good_line(3);
    const auto r = csv(input, {}, l);
    BOOST_REQUIRE_MESSAGE(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 3u);
    BOOST_TEST(r.rows[1].error_text() ==
               "the row (from line 3) is longer than 200 bytes, the limit limits.max_row_bytes, and was "
               "not read: a row of a batch is a few hundred bytes; check that row of the file; if rows "
               "this long are expected, raise limits.max_row_bytes in the config");
    BOOST_TEST(r.rows[1].row.external_order_number == "EO-2");  // what came before the cut
    BOOST_TEST(r.rows[2].valid());
    check_every_split(BatchFormat::csv, input, {}, l);
}

BOOST_AUTO_TEST_CASE(a_row_with_too_many_fields_is_its_error)
{
    const std::string input = header_line + "EO-1,38382555,2035551111,2035558888,p@example.com,,,,,,\r\n" + good_line(2);
    const auto r = csv(input, {}, small_limits());
    BOOST_REQUIRE_MESSAGE(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 2u);
    BOOST_TEST(r.rows[0].error_text() ==
               "the row (from line 2) has more than 8 fields, the limit limits.max_columns, and was not "
               "read: a value probably contains the delimiter (',') and is not quoted; fix the row, or "
               "raise limits.max_columns in the config");
    BOOST_TEST(r.rows[1].valid());
    check_every_split(BatchFormat::csv, input, {}, small_limits());
}

// A value that runs on over lines inside quotes past a limit: a quote is probably never closed
// and the rows after it were swallowed; stepping over would lose them silently.
BOOST_AUTO_TEST_CASE(over_a_limit_inside_quotes_over_lines_is_a_file_error)
{
    std::string input = header_line + good_line(1) + tutorial_line("EO-2", "\"Call first");
    for (int i = 3; i < 10; ++i) {
        input += good_line(i);
    }
    auto r = csv(input, {}, small_limits());
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message ==
               "row 2 (line 3) has a value longer than 40 bytes (limits.max_field_bytes) over several "
               "lines; probably the quote that opens a value on line 3 is never closed (a quote inside "
               "a quoted value must be doubled: \"\"): where that row ends cannot be told, so the file "
               "is rejected; close the quote, or shorten the value");
    BOOST_TEST(r.error->line.value() == 3u);
    BOOST_TEST(r.rows.size() == 1u);
    check_every_split(BatchFormat::csv, input, {}, small_limits());

    BatchLimits l = small_limits();
    l.max_field_bytes = 190;
    r = csv(input, {}, l);
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message.starts_with(
        "row 2 (line 3) is longer than 200 bytes (limits.max_row_bytes) and has a value over several "
        "lines; probably the quote that opens a value on line 3 is never closed"));

    // The same quote left open at the end of the file.
    r = csv(header_line + "EO-1,38382555,2035551111,2035558888,p@example.com,\"" + std::string(300, 'n'), {},
            small_limits());
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message.starts_with("the file ends inside a quoted value that starts on line 2"));
}

BOOST_AUTO_TEST_CASE(a_header_over_a_limit_is_a_file_error)
{
    auto r = csv(header_line + good_line(1), {}, BatchLimits{1 << 20, 40, 50, 8});
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message == "the header row is longer than 50 bytes; is this a CSV file?");
    check_every_split(BatchFormat::csv, header_line + good_line(1), {}, BatchLimits{1 << 20, 40, 50, 8});

    r = csv("external_order_number,service_id,service_number,contact_number,personal_email,a,b,c,d\n" +
                good_line(1),
            {}, small_limits());
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message ==
               "the header row (line 1) has more than 8 columns (limits.max_columns): remove the columns "
               "xferd does not need, or raise limits.max_columns in the config");

    r = csv("external_order_number,service_id,service_number,contact_number,personal_email," +
                std::string(41, 'h') + "\n" + good_line(1),
            {}, small_limits());
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message ==
               "the header row (line 1) has a name longer than 40 bytes (limits.max_field_bytes): is "
               "this a CSV file with a header row?");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(json_items)

BatchLimits json_limits()
{
    BatchLimits l;
    l.max_field_bytes = 40;
    l.max_row_bytes = 1000;
    return l;
}

BOOST_AUTO_TEST_CASE(a_string_over_the_field_limit_is_its_rows_error)
{
    const std::string n41(41, 'n');
    const std::string input =
        "{\"orderRequests\": [" + json_request("L-1") + ",\n" +
        json_request("L-2", "", R"({"id":"ADDITIONAL_INSTRUCTIONS","type":"TEXT","text":")" + n41 + "\"},") + ",\n" +
        "{\"orderRequest\":" + json_request("L-3", R"("comment":")" + std::string(60, 'c') + "\",") + "},\n" +
        json_request("L-4", "", R"({"id":"X_EXT","type":"TEXT","text":")" + std::string(15, 'n') + R"(\u00e9)" + n41 + "\"},") + ",\n" +
        json_request("L-5") + "]}";
    const auto r = read_chunked(BatchFormat::json, input, 0, {}, json_limits());
    BOOST_REQUIRE_MESSAGE(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 5u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[1].error_text() ==
               "column 'properties.ADDITIONAL_INSTRUCTIONS': the value starting 'nnnnnnnnnnnnnnnn…' is "
               "longer than 40 bytes, the limit limits.max_field_bytes, and was not read: shorten it; if "
               "values this long are expected, raise limits.max_field_bytes in the config");
    BOOST_TEST(r.rows[2].error_text().starts_with("column 'comment': the value starting 'cccccccccccccccc…'"));
    BOOST_TEST(r.rows[2].row.external_order_number == "L-3");
    BOOST_TEST(r.rows[3].error_text().starts_with("column 'properties.X_EXT': the value starting 'nnnnnnnnnnnnnnn…'"));
    BOOST_TEST(r.rows[3].row.extra_properties.empty());  // not sent; shown without half an é
    BOOST_TEST(r.rows[4].valid(), r.rows[4].error_text());
    check_every_split(BatchFormat::json, input, {}, json_limits());
}

BOOST_AUTO_TEST_CASE(an_item_over_the_row_limit_is_its_error)
{
    std::string many;
    for (int i = 0; i < 40; ++i) {
        many += R"({"id":"F_)" + std::to_string(i) + R"(","type":"TEXT","text":"v"},)";
    }
    const std::string input = "[" + json_request("R-1") + ",\n" + json_request("R-2", "", many) + ",\n" +
                              json_request("R-3") + "]";
    const auto r = read_chunked(BatchFormat::json, input, 0, {}, json_limits());
    BOOST_REQUIRE_MESSAGE(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 3u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[1].row.row == 2u);
    BOOST_TEST(r.rows[1].error_text() ==
               "item 2 is longer than 1000 bytes, the limit limits.max_row_bytes, and was not read: an "
               "orderRequest is a few hundred bytes; check item 2 of the file; if rows this long are "
               "expected, raise limits.max_row_bytes in the config");
    BOOST_TEST(r.rows[2].valid(), r.rows[2].error_text());
    check_every_split(BatchFormat::json, input, {}, json_limits());

    // The API doc's single {"orderRequest": {...}} too.
    const auto one = read_chunked(BatchFormat::json, "{\"orderRequest\":" + json_request("R-2", "", many) + "}",
                                  0, {}, json_limits());
    BOOST_REQUIRE(!one.error);
    BOOST_TEST(one.rows.at(0).error_text().starts_with("item 1 is longer than 1000 bytes"));
}

BOOST_AUTO_TEST_CASE(a_key_over_the_field_limit_is_its_rows_error)
{
    const std::string input = "[" + json_request("K-1", "\"" + std::string(50, 'k') + "\":1,") + "]";
    const auto r = read_chunked(BatchFormat::json, input, 0, {}, json_limits());
    BOOST_REQUIRE(!r.error);
    BOOST_TEST(r.rows.at(0).error_text() ==
               "a key starting 'kkkkkkkkkkkkkkkk…' is longer than 40 bytes, the limit "
               "limits.max_field_bytes: a key is a member name such as \"serviceId\"; check item 1 of "
               "the file");
    check_every_split(BatchFormat::json, input, {}, json_limits());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ndjson_lines)

BOOST_AUTO_TEST_CASE(a_line_over_the_row_limit_is_its_error)
{
    BatchLimits l;
    l.max_field_bytes = 40;
    l.max_row_bytes = 600;
    const std::string input = json_request("N-1") + "\n" + json_request("N-2", "", std::string(400, ' ')) + "\r\n" +
                              json_request("N-3", R"("note":")" + std::string(41, 'x') + "\",") + "\n" +
                              json_request("N-4");
    const auto r = read_chunked(BatchFormat::ndjson, input, 0, {}, l);
    BOOST_REQUIRE_MESSAGE(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 4u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[1].row.row == 2u);
    BOOST_TEST(r.rows[1].error_text() ==
               "line 2 is longer than 600 bytes, the limit limits.max_row_bytes, and was not read: an "
               ".ndjson file holds one orderRequest object per line; check that line of the file; if "
               "rows this long are expected, raise limits.max_row_bytes in the config");
    BOOST_TEST(r.rows[2].error_text().starts_with(
        "column 'note': the value starting 'xxxxxxxxxxxxxxxx…' is longer than 40 bytes"));
    BOOST_TEST(r.rows[3].valid(), r.rows[3].error_text());
    BOOST_TEST(r.rows[3].row.row == 4u);
    check_every_split(BatchFormat::ndjson, input, {}, l);
}

BOOST_AUTO_TEST_SUITE_END()
