// The batch reader as the pipeline uses it: whole files as Excel, HR systems and scripts write
// them, fed in chunks of every size, checked for the rows and messages an operator sees.
#include <boost/test/unit_test.hpp>

#include "batch_checks.hpp"
#include "xferd/core/batch_reader.hpp"
#include "xferd/core/csv_columns.hpp"

#include <string>
#include <vector>

using namespace xferd;
using namespace xferd::test;


BOOST_AUTO_TEST_SUITE(paths)

BOOST_AUTO_TEST_CASE(format_from_extension)
{
    BOOST_TEST((format_for_path("in/batch.csv") == BatchFormat::csv));
    BOOST_TEST((format_for_path("in/batch.CSV") == BatchFormat::csv));
    BOOST_TEST((format_for_path("in/batch.txt") == BatchFormat::csv));
    BOOST_TEST((format_for_path("in/batch.JSON") == BatchFormat::json));
    BOOST_TEST((format_for_path("in/batch.ndjson") == BatchFormat::ndjson));
    BOOST_TEST((format_for_path("in/batch.jsonl") == BatchFormat::ndjson));
    BOOST_TEST((format_for_path("in/batch.xlsx") == BatchFormat::xlsx));
    BOOST_TEST((format_for_path("in/Leavers.XLSX") == BatchFormat::xlsx));
}

BOOST_AUTO_TEST_CASE(spreadsheet_formats_xferd_does_not_read_say_how_to_save_them)
{
    BOOST_TEST(unsupported_format("in/leavers.xls").value() ==
               "it is an Excel 97-2003 workbook (.xls), which xferd does not read: open it in Excel, save it as Excel "
               "Workbook (.xlsx) or as CSV UTF-8 (Comma delimited) (*.csv) and drop that file instead");
    BOOST_TEST(unsupported_format("in/leavers.XLSB").value().find("binary workbook (.xlsb)") != std::string::npos);
    BOOST_TEST(unsupported_format("in/leavers.ods").value().find("open it in LibreOffice, save it as Excel Workbook") !=
               std::string::npos);
    BOOST_TEST(!unsupported_format("in/leavers.xlsx"));
    BOOST_TEST(!unsupported_format("in/leavers.csv"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(excel)

BOOST_AUTO_TEST_CASE(csv_utf8_export_with_bom_crlf_and_multiline_notes)
{
    const std::string input = read_file(batch_path("excel_utf8.csv"));
    const auto r = csv(input);
    BOOST_TEST(!r.error, render(r));
    BOOST_TEST(r.delimiter == ',');
    BOOST_REQUIRE(r.header.size() == 6u);
    BOOST_TEST(r.header[0] == "External Order Number");  // the BOM is gone
    BOOST_TEST(r.ignored.empty());
    BOOST_REQUIRE(r.rows.size() == 3u);

    const auto& a = r.rows[0];
    check_tutorial_row(a);

    const auto& b = r.rows[1];
    BOOST_TEST(b.valid(), b.error_text());
    BOOST_TEST(b.row.row == 2u);
    BOOST_TEST(b.row.contact_number == "+442079460958");
    BOOST_TEST(b.row.personal_email == "Zoë.Müller@example.com");
    BOOST_TEST(b.row.additional_instructions ==
               "Line 1 of the note\nLine 2, with a comma\nand a \"quoted\" word");

    // The emptied row 3 (",,,,,") is skipped but keeps its number: the next is row 4.
    BOOST_TEST(r.rows[2].row.row == 4u);
    BOOST_TEST(r.rows[2].valid());
    check_every_split(BatchFormat::csv, input);
}

BOOST_AUTO_TEST_CASE(european_semicolon_export_with_scientific_number)
{
    const std::string input = read_file(batch_path("excel_semicolon.csv"));
    const auto r = csv(input);
    BOOST_TEST(!r.error, render(r));
    BOOST_TEST(r.delimiter == ';');
    BOOST_REQUIRE(r.rows.size() == 2u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[0].row.additional_instructions == "Übergabe bitte bestätigen");

    const auto& bad = r.rows[1];
    BOOST_TEST(bad.row.row == 2u);
    BOOST_REQUIRE(bad.errors.size() == 1u);
    BOOST_TEST(bad.errors[0].column == "service_number");
    BOOST_TEST(bad.errors[0].message ==
               "'2,03556E+09' is a number in scientific notation: the spreadsheet shortened it and "
               "the last digits are lost. Fix the spreadsheet: format the column as Text before "
               "pasting the values (Home → Number → Text), or re-export the file from the source "
               "system");
    BOOST_TEST(bad.row.service_number == "2,03556E+09");
    check_every_split(BatchFormat::csv, input);
}

BOOST_AUTO_TEST_CASE(tab_delimited_and_lone_cr_line_ends)
{
    const std::string input =
        "External Order Number\tService ID\tService Number\tContact Number\tPersonal Email\r"
        "T-1\t38382555\t2035551111\t2035558888\tp@example.com\r"
        "T-2\t38382556\t2035552222\t2035558888\tq@example.com";
    const auto r = csv(input);
    BOOST_TEST(!r.error, render(r));
    BOOST_TEST(r.delimiter == '\t');
    BOOST_REQUIRE(r.rows.size() == 2u);
    BOOST_TEST(r.rows[1].row.external_order_number == "T-2");
    BOOST_TEST(r.rows[1].valid(), r.rows[1].error_text());
    check_every_split(BatchFormat::csv, input);
}

BOOST_AUTO_TEST_CASE(sixteen_digit_number_and_decimal_tail_in_numeric_columns)
{
    const std::string input = header_line +
                              "EO-1,38382555.0,2035551111,2035558888,p@example.com,\r\n"
                              "EO-2,8901260123456780000,2035551111,2035558888,q@example.com,\r\n";
    const auto r = csv(input);
    BOOST_REQUIRE(r.rows.size() == 2u);
    BOOST_TEST(r.rows[0].error_text() ==
               "column 'service_id': '38382555.0' has a decimal part: the column was saved as a "
               "decimal number. Fix the spreadsheet: format the column as Text before pasting the "
               "values (Home → Number → Text), or re-export the file from the source system");
    BOOST_TEST(contains(r.rows[1].error_text(),
                        "column 'service_id': '8901260123456780000' has 19 digits ending in 0"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(headers)

BOOST_AUTO_TEST_CASE(names_match_ignoring_case_spaces_underscores_dashes)
{
    const std::string input =
        "EXTERNAL-ORDER-NUMBER,Service ID,service-number,Contact_Number,PERSONAL EMAIL,Additional  Instructions,Employee-Email,EMPLOYEE_ID\n"
        "EO-1,38382555,2035551111,2035558888,p@example.com,note,P@Corp.Example.com,pe001\n";
    const auto r = csv(input);
    BOOST_TEST(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 1u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[0].row.additional_instructions == "note");
    BOOST_TEST(r.rows[0].row.employee_email == "P@corp.example.com");
    BOOST_TEST(r.rows[0].row.employee_id == "pe001");
    BOOST_TEST(normalise_column_name("Service ID") == normalise_column_name("SERVICE_ID"));
    BOOST_TEST((canonical_column("service-id") == CanonicalColumn::service_id));
}

BOOST_AUTO_TEST_CASE(hr_export_with_column_mapping)
{
    const ColumnMapping mapping = {
        {"Req #", "external_order_number"}, {"asset", "Service ID"},
        {"MOBILE NUMBER", "service_number"}, {"Alt Phone", "contact_number"},
        {"Private E-Mail", "personal_email"}, {"Comments", "additional_instructions"},
    };
    const std::string input = read_file(batch_path("hr_export.csv"));
    const auto r = csv(input, mapping);
    BOOST_TEST(!r.error, render(r));
    BOOST_TEST((r.ignored == std::vector<std::string>{"Employee Name", "Cost Center"}));
    BOOST_REQUIRE(r.rows.size() == 2u);
    const auto& a = r.rows[0];
    BOOST_TEST(a.valid(), a.error_text());
    BOOST_TEST(a.row.external_order_number == "OFF-1001");
    BOOST_TEST(a.row.service_id == "38382555");
    BOOST_TEST(a.row.service_number == "2035551111");
    BOOST_TEST(a.row.contact_number == "2035558888");
    BOOST_TEST(a.row.personal_email == "peter.edwards@example.com");
    BOOST_TEST(a.row.additional_instructions == "Leaving 2024-11-30");
    BOOST_TEST(a.row.employee_email == "p.edwards@corp.example.com");
    BOOST_REQUIRE(a.row.extra_properties.size() == 1u);
    BOOST_TEST(a.row.extra_properties[0].group_id == "MISCELLANEOUS");
    BOOST_TEST(a.row.extra_properties[0].id == "CONTACT_NUMBER_EXT");
    BOOST_TEST(a.row.extra_properties[0].text == "12");
    // An empty property cell sends nothing.
    BOOST_TEST(r.rows[1].row.extra_properties.empty());
    BOOST_TEST(r.rows[1].valid(), r.rows[1].error_text());

    // Errors name the column the way the file spells it.
    const std::string bad = "Req #,Asset,Mobile Number,Alt Phone,Private E-Mail\nOFF-9,38382555,555-1111,2035558888,x@example.com\n";
    const auto rb = csv(bad, mapping);
    BOOST_REQUIRE(rb.rows.size() == 1u);
    BOOST_TEST(contains(rb.rows[0].error_text(), "column 'Mobile Number': '555-1111' has 7 digits"));
}

BOOST_AUTO_TEST_CASE(missing_required_columns_is_a_file_error)
{
    const auto r = csv("Req #,Asset,Mobile,Personal Email\nA,1,2,p@example.com\n");
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message ==
               "the header row has no column for external_order_number, service_id, "
               "service_number, contact_number: add the column(s) to the file, or map the file's "
               "own column names with `columns:` in the config (e.g. columns: {\"Mobile Number\": "
               "service_number}). The header has: 'Req #', 'Asset', 'Mobile', 'Personal Email'");
    BOOST_TEST(r.error->line.value() == 1u);
    BOOST_TEST(r.rows.empty());
}

BOOST_AUTO_TEST_CASE(additional_instructions_column_is_optional)
{
    const auto r = csv("external_order_number,service_id,service_number,contact_number,personal_email\n"
                       "EO-1,38382555,2035551111,2035558888,p@example.com\n");
    BOOST_TEST(!r.error);
    BOOST_REQUIRE(r.rows.size() == 1u);
    BOOST_TEST(r.rows[0].valid());
}

BOOST_AUTO_TEST_CASE(two_columns_for_one_field_is_a_file_error)
{
    auto r = csv("external_order_number,Service ID,service_id,service_number,contact_number,personal_email\n");
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message ==
               "the header has 'Service ID', 'service_id', which all mean service_id: remove or "
               "rename all but one");

    r = csv("Ref,Order,service_id,service_number,contact_number,personal_email\n",
            {{"Ref", "external_order_number"}, {"Order", "external_order_number"}});
    BOOST_REQUIRE(r.error);
    BOOST_TEST(contains(r.error->message, "'Ref', 'Order' are all mapped to external_order_number"));
}

BOOST_AUTO_TEST_CASE(mapped_header_wins_over_a_direct_name)
{
    // The file has a stale "Service Number" column and the real one under "Mobile".
    const auto r = csv(
        "external_order_number,service_id,Service Number,Mobile,contact_number,personal_email\n"
        "EO-1,38382555,0000000000,2035551111,2035558888,p@example.com\n",
        {{"Mobile", "service_number"}});
    BOOST_TEST(!r.error, render(r));
    BOOST_TEST((r.ignored == std::vector<std::string>{"Service Number"}));
    BOOST_REQUIRE(r.rows.size() == 1u);
    BOOST_TEST(r.rows[0].row.service_number == "2035551111");
}

BOOST_AUTO_TEST_CASE(mapping_to_an_unknown_column_is_a_file_error)
{
    const auto r = csv(header_line, {{"Mobile", "mobile_phone"}});
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message.starts_with(
        "`columns:` maps 'Mobile' to 'mobile_phone', which is not a column xferd knows; map it to "
        "one of external_order_number, service_id,"));
}

BOOST_AUTO_TEST_CASE(group_field_columns_and_canonical_properties)
{
    const auto r = csv(
        "external_order_number,service_id,MISCELLANEOUS.SERVICE_NUMBER,contact_number,personal_email,Miscellaneous.Reason,Misc. Notes\n"
        "EO-1,38382555,2035551111,2035558888,p@example.com, Leaver ,ignored\n");
    BOOST_TEST(!r.error, render(r));
    BOOST_TEST((r.ignored == std::vector<std::string>{"Misc. Notes"}));
    BOOST_REQUIRE(r.rows.size() == 1u);
    BOOST_TEST(r.rows[0].row.service_number == "2035551111");
    BOOST_REQUIRE(r.rows[0].row.extra_properties.size() == 1u);
    BOOST_TEST(r.rows[0].row.extra_properties[0].group_id == "Miscellaneous");  // as written
    BOOST_TEST(r.rows[0].row.extra_properties[0].id == "Reason");
    BOOST_TEST(r.rows[0].row.extra_properties[0].text == "Leaver");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rows)

// Row N is spreadsheet row N+1: every record after the header counts, blank ones too, and a
// quoted value spanning lines is still one row.
BOOST_AUTO_TEST_CASE(row_numbers_are_spreadsheet_rows_minus_one)
{
    const std::string input = header_line + good_line(1) + "\r\n" + ",,,,,\r\n" +
                              "EO-4,38382555,2035551111,2035558888,p4@example.com,\"two\r\nlines\"\r\n" +
                              good_line(5) + "\r\n\r\n";
    const auto r = csv(input);
    BOOST_TEST(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 3u);
    BOOST_TEST(r.rows[0].row.row == 1u);
    BOOST_TEST(r.rows[1].row.row == 4u);  // line 5 of the file: row 4 + 1
    BOOST_TEST(r.rows[1].row.additional_instructions == "two\r\nlines");
    BOOST_TEST(r.rows[2].row.row == 5u);  // line 7 of the file, but spreadsheet row 6
}

BOOST_AUTO_TEST_CASE(field_count_mismatch_is_a_row_error)
{
    const std::string input = header_line +
                              "EO-1,38382555,2035551111,2035558888,p@example.com\r\n"             // 5 fields
                              "EO-2,38382555,2035551111,2035558888,p@example.com,note,extra\r\n"  // 7
                              "EO-3,38382556,2035551111,2035558888,p@example.com,note,,\r\n"      // empty extras: fine
                              + good_line(4);
    const auto r = csv(input);
    BOOST_TEST(!r.error);
    BOOST_REQUIRE(r.rows.size() == 4u);
    BOOST_TEST(r.rows[0].error_text() ==
               "row has 5 fields, header has 6: a value is missing, or one contains the delimiter "
               "(',') and is not quoted");
    BOOST_TEST(r.rows[0].row.external_order_number == "EO-1");  // what could be read is kept
    BOOST_TEST(contains(r.rows[1].error_text(), "row has 7 fields, header has 6"));
    BOOST_TEST(r.rows[2].valid(), r.rows[2].error_text());
    BOOST_TEST(r.rows[3].valid(), r.rows[3].error_text());
}

BOOST_AUTO_TEST_CASE(duplicate_order_number_marks_the_later_rows)
{
    const std::string input = header_line +
                              "EO-1,38382555,2035551111,2035558888,p@example.com,\r\n"
                              "EO-2,38382556,2035552222,2035558888,q@example.com,\r\n"
                              " EO-1 ,38382557,2035553333,2035558888,r@example.com,\r\n"
                              "EO-1,38382558,2035554444,2035558888,s@example.com,\r\n";
    const auto r = csv(input);
    BOOST_REQUIRE(r.rows.size() == 4u);
    BOOST_TEST(r.rows[0].valid());
    BOOST_TEST(r.rows[1].valid());
    BOOST_TEST(r.rows[2].error_text() ==
               "column 'external_order_number': duplicates row 1: external order number 'EO-1' is "
               "used twice in this file; give each row its own number");
    BOOST_TEST(contains(r.rows[3].error_text(), "duplicates row 1"));

    // A caller that finds duplicates itself (in the state store) leaves them to itself: the
    // reader then keeps no set of numbers, and the rows are read as they are.
    for (const auto format : {BatchFormat::csv, BatchFormat::ndjson}) {
        const std::string text = format == BatchFormat::csv
                                     ? input
                                     : json_request("EO-1") + "\n" + json_request("EO-1") + "\n";
        BatchReader reader(format, {}, {}, DuplicateOrders::leave_to_caller);
        std::vector<ParsedRow> rows;
        BOOST_REQUIRE(reader.feed(text, rows));
        BOOST_REQUIRE(reader.finish(rows));
        BOOST_REQUIRE(rows.size() == (format == BatchFormat::csv ? 4u : 2u));
        for (const auto& row : rows) {
            BOOST_TEST(row.valid(), row.error_text());
        }
        BOOST_TEST(rows.back().row.external_order_number == "EO-1");
    }
}

BOOST_AUTO_TEST_CASE(stray_quote_is_kept_like_excel)
{
    const auto r = csv(header_line + "EO-1,38382555,2035551111,2035558888,p@example.com,Apple 5\" screen\r\n");
    BOOST_TEST(!r.error);
    BOOST_REQUIRE(r.rows.size() == 1u);
    BOOST_TEST(r.rows[0].row.additional_instructions == "Apple 5\" screen");
}

BOOST_AUTO_TEST_CASE(a_bad_row_does_not_stop_the_others)
{
    const auto r = csv(header_line + "EO-1,,2035551111,2035558888,not-an-address,\r\n" + good_line(2));
    BOOST_TEST(!r.error);
    BOOST_REQUIRE(r.rows.size() == 2u);
    BOOST_REQUIRE(r.rows[0].errors.size() == 2u);
    BOOST_TEST(r.rows[0].errors[0].column == "service_id");
    BOOST_TEST(r.rows[0].errors[1].column == "personal_email");
    BOOST_TEST(r.rows[1].valid());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(file_errors)

BOOST_AUTO_TEST_CASE(windows_1252_file_names_byte_offset_and_line)
{
    // "Zoë" saved as Windows-1252: ë is the single byte 0xEB.
    const std::string input = header_line + good_line(1) +
                              "EO-2,38382556,2035552222,2035558888,zo\xEB@example.com,\r\n";
    const auto r = csv(input);
    BOOST_REQUIRE(r.error);
    const std::uint64_t at = header_line.size() + good_line(1).size() + 38;
    BOOST_TEST(input[at] == '\xEB');
    BOOST_TEST(r.error->byte_offset.value() == at);
    BOOST_TEST(r.error->line.value() == 3u);
    BOOST_TEST(r.error->message ==
               "the file is not UTF-8 text: byte 0xEB at offset " + std::to_string(at) +
                   " (line 3) is not valid UTF-8; it was probably saved in a legacy encoding "
                   "(Windows-1252 / Latin-1): in Excel use File → Save As → \"CSV UTF-8 (Comma "
                   "delimited) (*.csv)\", or export the file as UTF-8 from the source system");
    BOOST_TEST(r.rows.size() == 1u);  // rows before the bad byte were read; the file is refused anyway
    check_every_split(BatchFormat::csv, input);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_forms)
{
    // Overlong '/', a UTF-16 surrogate, a lone continuation byte, a 4-byte character whose
    // last byte is wrong (found by the fuzzer when split after its first byte), a character
    // cut off at the end.
    for (const char* bad : {"\xC0\xAF", "\xED\xA0\x80", "\x80", "\xF0\x9F\x98_", "\xE2\x82"}) {
        const std::string input = header_line + "EO-1,x" + bad;
        const auto r = csv(input);
        BOOST_REQUIRE(r.error);
        BOOST_TEST(r.error->byte_offset.value() == header_line.size() + 6);
        check_every_split(BatchFormat::csv, input);
    }
    BOOST_TEST(contains(csv(header_line + "EO-1,x\xE2\x82").error->message,
                        "ends in the middle of a UTF-8 character"));
}

BOOST_AUTO_TEST_CASE(nul_bytes_mean_binary)
{
    const std::string input = header_line + std::string("EO-1,\0\0", 7);
    const auto r = csv(input);
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->byte_offset.value() == header_line.size() + 5);
    BOOST_TEST(r.error->message.starts_with("the file is not text: it has a NUL byte at offset " +
                                            std::to_string(header_line.size() + 5) + " (line 2)"));
}

BOOST_AUTO_TEST_CASE(utf16_and_xlsx_are_recognised)
{
    const auto u16 = csv(std::string("\xFF\xFE" "e\0x\0", 6));
    BOOST_REQUIRE(u16.error);
    BOOST_TEST(u16.error->message.starts_with("the file is UTF-16 (Excel \"Unicode Text\"), not UTF-8"));
    const auto zip = csv(std::string("PK\x03\x04\x14\0\x06\0", 8));
    BOOST_REQUIRE(zip.error);
    BOOST_TEST(zip.error->message.starts_with("the file is a ZIP archive (an Excel .xlsx workbook?)"));
}

BOOST_AUTO_TEST_CASE(empty_and_header_only_files)
{
    for (const char* empty : {"", "\xEF\xBB\xBF", "\r\n", "\r\n,,,\r\n"}) {
        const auto r = csv(empty);
        BOOST_REQUIRE(r.error);
        BOOST_TEST(r.error->message.starts_with("the file is empty: expected a header row"));
    }
    for (const std::string& header_only : {header_line, header_line + ",,,,,\r\n\r\n", header_line.substr(0, header_line.size() - 2)}) {
        const auto r = csv(header_only);
        BOOST_REQUIRE(r.error);
        BOOST_TEST(r.error->message == "the file has a header row but no data rows");
    }
    const auto late = csv("\r\n" + header_line + good_line(1));
    BOOST_REQUIRE(late.error);
    BOOST_TEST(late.error->message.starts_with("line 1 is empty: the header row"));
}

BOOST_AUTO_TEST_CASE(unterminated_quote_names_the_line)
{
    const std::string input = header_line + good_line(1) +
                              "EO-2,38382556,2035552222,2035558888,q@example.com,\"Call first\r\n" +
                              good_line(3);
    const auto r = csv(input);
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message ==
               "the file ends inside a quoted value that starts on line 3, row 2 (line 3): add the "
               "closing quote (a quote inside a quoted value must be doubled: \"\")");
    BOOST_TEST(r.error->line.value() == 3u);
    BOOST_TEST(r.rows.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chunking)

// Splits inside the BOM, a CRLF, a multi-byte character and a quoted value, for all formats.
BOOST_AUTO_TEST_CASE(every_split_point_of_tricky_inputs)
{
    check_every_split(BatchFormat::csv, "\xEF\xBB\xBF" + header_line +
                                            "EO-1,38382555,2035551111,2035558888,zoë@example.com,\"a,\r\nb\"\"c\"\r\n"
                                            ",,,,,\r\n" + good_line(3) + "EO-4,1,2,3\r\n");
    check_every_split(BatchFormat::csv, "\xEF\xBB");  // a cut-off BOM is not UTF-8
    check_every_split(BatchFormat::csv, header_line + "EO-1,\"open\r\n");
    check_every_split(BatchFormat::csv, std::string("Ref;Service ID\r\n\0", 17));
    check_every_split(BatchFormat::json, "\xEF\xBB\xBF[{\"orderRequest\": {\"externalOrderNumber\": \"Zoë-1\"}}, 5, tru]");
    check_every_split(BatchFormat::ndjson, "{\"externalOrderNumber\": \"€1\"}\r\n\r\n[1,\n{}");
    const ColumnMapping mapping = {{"Req #", "external_order_number"}, {"asset", "Service ID"},
                                   {"MOBILE NUMBER", "service_number"}, {"Alt Phone", "contact_number"},
                                   {"Private E-Mail", "personal_email"}};
    check_every_split(BatchFormat::csv, read_file(batch_path("hr_export.csv")), mapping);
}

BOOST_AUTO_TEST_CASE(csv_rows_stream_out_and_memory_stays_per_record)
{
    std::string input = header_line;
    for (int i = 1; i <= 20000; ++i) {
        input += good_line(i);
    }
    BatchReader reader(BatchFormat::csv, {});
    std::vector<ParsedRow> rows;
    std::size_t max_batch = 0;
    for (std::size_t at = 0; at < input.size(); at += 65536) {
        std::vector<ParsedRow> chunk_rows;
        BOOST_REQUIRE(reader.feed(std::string_view(input).substr(at, 65536), chunk_rows));
        max_batch = std::max(max_batch, chunk_rows.size());
        rows.insert(rows.end(), chunk_rows.begin(), chunk_rows.end());
    }
    BOOST_REQUIRE(reader.finish(rows));
    BOOST_TEST(rows.size() == 20000u);
    BOOST_TEST(reader.rows_seen() == 20000u);
    BOOST_TEST(max_batch < 2000u);  // rows come out as their chunk arrives
    BOOST_TEST(rows.back().row.row == 20000u);
    BOOST_TEST(rows.back().valid(), rows.back().error_text());
}

BOOST_AUTO_TEST_SUITE_END()
