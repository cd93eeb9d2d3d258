// The .xlsx sheet state machine and the batch reading on top of it, fed the XML Excel and
// LibreOffice write, cut at every byte: the rows, values and messages an operator sees.
#include <boost/test/unit_test.hpp>

#include "xferd/core/batch_reader.hpp"
#include "xferd/core/xlsx_parts.hpp"
#include "xferd/core/xlsx_reader.hpp"
#include "xferd/core/xlsx_sheet.hpp"
#include "xferd/core/xlsx_values.hpp"

#include <sstream>
#include <string>
#include <vector>

using namespace xferd;

namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

std::string sheet_xml(const std::string& rows)
{
    return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
           "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
           "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
           "<dimension ref=\"A1:F9\"/><sheetViews><sheetView workbookViewId=\"0\"/></sheetViews>"
           "<cols><col min=\"1\" max=\"6\" width=\"18\"/></cols><sheetData>" +
           rows + "</sheetData><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\"/></worksheet>";
}

// Style 0: General; 1: a date (built-in 14); 2: custom yyyy-mm-dd hh:mm; 3: a number with 2 decimals.
XlsxStyles test_styles(bool date1904 = false)
{
    auto s = parse_styles(
        "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><numFmts count=\"1\">"
        "<numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd\\ hh:mm\"/></numFmts>"
        "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
        "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/>"
        "<xf numFmtId=\"164\"/><xf numFmtId=\"2\"/></cellXfs></styleSheet>");
    BOOST_REQUIRE(s.has_value());
    s->date1904 = date1904;
    return *s;
}

SharedStrings strings_of(const std::vector<std::string>& list)
{
    SharedStrings s;
    for (const auto& x : list) s.add(x);
    return s;
}

std::string render_rows(const std::vector<XlsxRow>& rows, const std::optional<std::string>& error)
{
    std::ostringstream os;
    for (const auto& r : rows) {
        os << r.number << ":";
        for (const auto& c : r.cells) os << " " << cell_name(c.col, r.number) << "=" << static_cast<int>(c.kind) << "[" << c.value << "]";
        if (r.beyond_col) os << " beyond " << *r.beyond_col;
        os << "\n";
    }
    if (error) os << "ERROR " << *error << "\n";
    return os.str();
}

// Cut at `cuts` (ascending), or in chunks of `chunk` bytes.
std::string parse_cut(const std::string& xml, const std::vector<std::size_t>& cuts, const SharedStrings& strings,
                      const XlsxStyles& styles, XlsxSheetLimits limits = {})
{
    XlsxSheetParser p("Leavers", strings, styles, limits);
    std::vector<XlsxRow> rows;
    std::size_t from = 0;
    bool ok = true;
    for (auto cut : cuts) {
        if (ok) ok = p.feed(std::string_view(xml).substr(from, cut - from), rows);
        from = cut;
    }
    if (ok) ok = p.feed(std::string_view(xml).substr(from), rows);
    if (ok) p.finish(rows);
    return render_rows(rows, p.error());
}

std::string parse_sheet(const std::string& xml, const SharedStrings& strings, const XlsxStyles& styles,
                        XlsxSheetLimits limits = {})
{
    return parse_cut(xml, {}, strings, styles, limits);
}

// One feed, byte by byte and every two-piece split give the same rows.
void check_every_split(const std::string& xml, const SharedStrings& strings, const XlsxStyles& styles)
{
    const std::string whole = parse_sheet(xml, strings, styles);
    std::vector<std::size_t> bytes;
    for (std::size_t i = 1; i < xml.size(); ++i) bytes.push_back(i);
    BOOST_TEST(parse_cut(xml, bytes, strings, styles) == whole);
    for (std::size_t cut = 0; cut <= xml.size(); ++cut) {
        const std::string split = parse_cut(xml, {cut}, strings, styles);
        if (split != whole) {
            BOOST_TEST(split == whole, "cut at " << cut);
            return;
        }
    }
}

struct Read {
    std::vector<ParsedRow> rows;
    std::optional<FileError> error;
    std::vector<std::string> header, ignored;
};

Read read_sheet(const std::string& xml, const SharedStrings& strings, const XlsxStyles& styles,
                const ColumnMapping& mapping = {}, std::size_t chunk = 0)
{
    XlsxBatchReader reader("Leavers", strings, styles, mapping);
    Read r;
    bool ok = true;
    const std::size_t step = chunk == 0 ? xml.size() + 1 : chunk;
    for (std::size_t at = 0; ok && at < xml.size(); at += step) ok = reader.feed(std::string_view(xml).substr(at, step), r.rows);
    if (ok) reader.finish(r.rows);
    r.error = reader.error();
    r.header = reader.header();
    r.ignored = reader.ignored_columns();
    return r;
}

std::string render(const Read& r)
{
    std::ostringstream os;
    for (const auto& p : r.rows) {
        const auto& t = p.row;
        os << "row " << t.row << " | " << t.external_order_number << " | " << t.service_id << " | " << t.service_number
           << " | " << t.contact_number << " | " << t.personal_email << " | " << t.additional_instructions;
        for (const auto& e : t.extra_properties) os << " | " << e.group_id << "." << e.id << "=" << e.text;
        os << " || " << p.error_text() << "\n";
    }
    if (r.error) os << "FILE ERROR: " << r.error->message << "\n";
    return os.str();
}

// <c> helpers, as Excel writes them.
std::string s(const std::string& ref, int index, int style = 0)
{
    return "<c r=\"" + ref + "\" t=\"s\"" + (style ? " s=\"" + std::to_string(style) + "\"" : "") + "><v>" +
           std::to_string(index) + "</v></c>";
}
std::string n(const std::string& ref, const std::string& v, int style = 0)
{
    return "<c r=\"" + ref + "\"" + (style ? " s=\"" + std::to_string(style) + "\"" : "") + "><v>" + v + "</v></c>";
}
std::string is(const std::string& ref, const std::string& text)
{
    return "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + text + "</t></is></c>";
}
std::string row(int r, const std::string& cells) { return "<row r=\"" + std::to_string(r) + "\">" + cells + "</row>"; }

const std::vector<std::string> header_strings = {"External Order Number", "Service ID", "Service Number",
                                                 "Contact Number", "Personal Email", "Notes"};

std::string header_row(int r)
{
    return row(r, s("A" + std::to_string(r), 0) + s("B" + std::to_string(r), 1) + s("C" + std::to_string(r), 2) +
                      s("D" + std::to_string(r), 3) + s("E" + std::to_string(r), 4) + s("F" + std::to_string(r), 5));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(values)

BOOST_AUTO_TEST_CASE(numbers_print_their_exact_digits_never_scientific)
{
    BOOST_TEST(format_number("2035551111").value() == "2035551111");
    BOOST_TEST(format_number("2.035551111E9").value() == "2035551111");  // how some writers store it
    BOOST_TEST(format_number("38382555").value() == "38382555");
    BOOST_TEST(format_number("0.1").value() == "0.1");
    BOOST_TEST(format_number("12.5").value() == "12.5");
    BOOST_TEST(format_number("-0").value() == "0");
    BOOST_TEST(format_number("1E+20").value() == "100000000000000000000");
    BOOST_TEST(!format_number("abc"));
    BOOST_TEST(!format_number(""));
}

BOOST_AUTO_TEST_CASE(date_serials_become_iso_8601)
{
    BOOST_TEST(excel_date("45000", false).value() == "2023-03-15");
    BOOST_TEST(excel_date("46371", false).value() == "2026-12-15");
    BOOST_TEST(excel_date("46371.75", false).value() == "2026-12-15T18:00:00");
    BOOST_TEST(excel_date("0.5", false).value() == "12:00:00");
    BOOST_TEST(excel_date("1", false).value() == "1900-01-01");
    BOOST_TEST(excel_date("59", false).value() == "1900-02-28");
    BOOST_TEST(excel_date("60", false).value() == "1900-02-29");  // Excel's fictitious leap day
    BOOST_TEST(excel_date("61", false).value() == "1900-03-01");
    BOOST_TEST(excel_date("0", true).value() == "1904-01-01");
    BOOST_TEST(excel_date("43538", true).value() == "2023-03-15");
    BOOST_TEST(!excel_date("-1", false));
    BOOST_TEST(!excel_date("x", false));
}

BOOST_AUTO_TEST_CASE(date_formats)
{
    for (std::uint32_t id : {14u, 15u, 17u, 22u, 45u, 47u}) BOOST_TEST(is_date_format(id, ""), id);
    for (std::uint32_t id : {0u, 1u, 2u, 10u, 23u, 44u, 48u, 49u}) BOOST_TEST(!is_date_format(id, ""), id);
    BOOST_TEST(is_date_format(164, "yyyy\\-mm\\-dd"));
    BOOST_TEST(is_date_format(165, "DD/MM/YYYY"));
    BOOST_TEST(is_date_format(166, "[h]:mm:ss"));
    BOOST_TEST(is_date_format(167, "[$-409]mmmm d, yyyy;@"));
    BOOST_TEST(!is_date_format(168, "0.00;[Red]\\-0.00"));
    BOOST_TEST(!is_date_format(169, "#,##0 \"days\""));
    BOOST_TEST(!is_date_format(170, "[Red]0"));
    BOOST_TEST(!is_date_format(171, "@"));
    BOOST_TEST(!is_date_format(172, "General"));
    BOOST_TEST(!is_date_format(173, "0000000000"));
}

BOOST_AUTO_TEST_CASE(cell_references)
{
    BOOST_TEST(parse_cell_ref("A1")->col == 0u);
    BOOST_TEST(parse_cell_ref("B7")->row == 7u);
    BOOST_TEST(parse_cell_ref("XFD1048576")->col == 16383u);
    BOOST_TEST(!parse_cell_ref("XFE1"));
    BOOST_TEST(!parse_cell_ref("A0"));
    BOOST_TEST(!parse_cell_ref("A1048577"));
    BOOST_TEST(!parse_cell_ref("a1"));
    BOOST_TEST(!parse_cell_ref("7"));
    BOOST_TEST(column_letters(0) == "A");
    BOOST_TEST(column_letters(25) == "Z");
    BOOST_TEST(column_letters(26) == "AA");
    BOOST_TEST(column_letters(16383) == "XFD");
    BOOST_TEST(cell_name(2, 5) == "C5");
}

BOOST_AUTO_TEST_CASE(ooxml_escapes)
{
    BOOST_TEST(decode_ooxml_escapes("line_x000D_\nnext") == "line\r\nnext");
    BOOST_TEST(decode_ooxml_escapes("a_x005F_b") == "a_b");
    BOOST_TEST(decode_ooxml_escapes("caf_x00E9_") == "caf\xC3\xA9");
    BOOST_TEST(decode_ooxml_escapes("_x00_ and MISC_NOTE") == "_x00_ and MISC_NOTE");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cells)

BOOST_AUTO_TEST_CASE(every_cell_type_as_typed_at_every_split)
{
    const auto strings = strings_of({"OFF-2026-12-001", "plain"});
    const auto styles = test_styles();
    const std::string xml = sheet_xml(
        row(2, s("A2", 0) + n("B2", "38390017") + n("C2", "2.035551111E9") + n("D2", "46371", 1) +
                   n("E2", "46371.5", 2) + "<c r=\"F2\" t=\"b\"><v>1</v></c><c r=\"G2\" t=\"b\"><v>0</v></c>") +
        row(3, "<c r=\"A3\" t=\"e\"><f>VLOOKUP(B3,Staff!A:C,3,0)</f><v>#N/A</v></c>"
               "<c r=\"B3\" t=\"str\"><f>CONCATENATE(\"EO-\",C3)</f><v>EO-7 &amp; &lt;8&gt;</v></c>"
               "<c r=\"C3\" t=\"inlineStr\"><is><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space=\"preserve\"> and plain</t></r>"
               "<rPh sb=\"0\" eb=\"1\"><t>phonetic</t></rPh></is></c>" +
               n("D3", "12.5", 3) + "<c r=\"E3\" s=\"1\"/>" + "<c r=\"F3\" t=\"d\"><v>2026-12-15T00:00:00</v></c>"));
    const std::string got = parse_sheet(xml, strings, styles);
    BOOST_TEST(got == "2: A2=0[OFF-2026-12-001] B2=1[38390017] C2=1[2035551111] D2=2[2026-12-15] "
                      "E2=2[2026-12-15T12:00:00] F2=3[TRUE] G2=3[FALSE]\n"
                      "3: A3=4[#N/A] B3=0[EO-7 & <8>] C3=0[Bold and plain] D3=1[12.5] F3=2[2026-12-15T00:00:00]\n");
    check_every_split(xml, strings, styles);
}

BOOST_AUTO_TEST_CASE(cells_and_rows_without_references_follow_on)
{
    // Some writers (the OpenXML SDK, pandas' openpyxl in write-only mode) leave r out.
    const std::string xml = sheet_xml("<row><c t=\"inlineStr\"><is><t>a</t></is></c><c><v>2</v></c></row>"
                                      "<row><c r=\"C2\"><v>3</v></c><c><v>4</v></c></row>");
    BOOST_TEST(parse_sheet(xml, {}, test_styles()) == "1: A1=0[a] B1=1[2]\n2: C2=1[3] D2=1[4]\n");
}

BOOST_AUTO_TEST_CASE(prefixed_elements_as_the_openxml_sdk_writes_them)
{
    const std::string xml = "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                            "<x:sheetData><x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>id</x:t></x:is></x:c>"
                            "</x:row></x:sheetData></x:worksheet>";
    BOOST_TEST(parse_sheet(xml, {}, test_styles()) == "1: A1=0[id]\n");
}

BOOST_AUTO_TEST_CASE(the_1904_date_system)
{
    const std::string xml = sheet_xml(row(1, n("A1", "43538", 1)));
    BOOST_TEST(parse_sheet(xml, {}, test_styles(true)) == "1: A1=2[2023-03-15]\n");
}

BOOST_AUTO_TEST_CASE(damaged_sheets_name_the_sheet_and_cell)
{
    const auto st = test_styles();
    BOOST_TEST(parse_sheet(sheet_xml(row(1, s("B1", 7))), strings_of({"x"}), st) ==
               "ERROR sheet 'Leavers', cell B1 refers to shared string 7, which the workbook does not have: the "
               "file is damaged; open it in Excel or LibreOffice and save it again\n");
    BOOST_TEST(contains(parse_sheet(sheet_xml(row(3, n("A3", "1")) + row(2, n("A2", "1"))), {}, st),
                        "ERROR sheet 'Leavers' lists row 2 after row 3"));
    BOOST_TEST(contains(parse_sheet(sheet_xml(row(1, n("A0", "1"))), {}, st), "a cell named 'A0', which is not a cell"));
    const std::string truncated = sheet_xml(row(1, n("A1", "1"))).substr(0, 300);
    const std::string got = parse_sheet(truncated, {}, st);
    BOOST_TEST(contains(got, "ERROR the workbook is damaged: its part for sheet 'Leavers' is not well-formed XML ("), got);
    BOOST_TEST(contains(got, "save it again as Excel Workbook (.xlsx)"), got);
}

BOOST_AUTO_TEST_CASE(a_doctype_is_refused_so_no_entity_can_expand)
{
    const std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
                             "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><worksheet><sheetData><row r=\"1\">"
                             "<c r=\"A1\" t=\"inlineStr\"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>";
    const std::string got = parse_sheet(bomb, {}, test_styles());
    BOOST_TEST(got == "ERROR the workbook is damaged: its part for sheet 'Leavers' is XML with a DOCTYPE, which no "
                      "spreadsheet part has; open it in Excel or LibreOffice and save it again as Excel Workbook "
                      "(.xlsx)\n");
}

BOOST_AUTO_TEST_CASE(limits_bound_a_cell_a_row_and_the_columns_kept)
{
    XlsxSheetLimits limits;
    limits.max_cell_bytes = 10;
    limits.max_row_bytes = 25;
    limits.max_columns = 3;
    const auto st = test_styles();
    BOOST_TEST(parse_sheet(sheet_xml(row(4, is("B4", std::string(11, 'x')))), {}, st, limits) ==
               "ERROR sheet 'Leavers', cell B4 holds more than 10 bytes; shorten it\n");
    BOOST_TEST(parse_sheet(sheet_xml(row(4, s("B4", 0))), strings_of({std::string(11, 'y')}), st, limits) ==
               "ERROR sheet 'Leavers', cell B4 holds more than 10 bytes; shorten it\n");
    BOOST_TEST(parse_sheet(sheet_xml(row(4, is("A4", "123456789") + is("B4", "123456789") + is("C4", "123456789"))),
                           {}, st, limits) == "ERROR sheet 'Leavers', row 4 holds more than 25 bytes; shorten its cells\n");
    // Columns past the limit are not kept; the row says where the first one with a value is.
    BOOST_TEST(parse_sheet(sheet_xml(row(4, is("A4", "a") + "<c r=\"D4\" s=\"1\"/>" + is("E4", "e"))), {}, st, limits) ==
               "4: A4=0[a] beyond 4\n");
}

BOOST_AUTO_TEST_CASE(shared_strings_with_rich_runs_phonetics_and_escapes)
{
    SharedStringsReader reader;
    const std::string xml =
        "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"3\" uniqueCount=\"3\">"
        "<si><t>Service ID</t></si><si><r><rPr><b/><sz val=\"11\"/></rPr><t>Call </t></r><r><t>after 5pm</t></r>"
        "<rPh sb=\"0\" eb=\"1\"><t>skip</t></rPh></si><si><t>two_x000D_\nlines</t></si><si/></sst>";
    for (char c : xml) BOOST_REQUIRE(reader.feed(std::string_view(&c, 1)));  // byte by byte
    BOOST_REQUIRE(reader.finish());
    const auto table = reader.take();
    BOOST_REQUIRE(table.size() == 4u);
    BOOST_TEST(*table.at(0) == "Service ID");
    BOOST_TEST(*table.at(1) == "Call after 5pm");
    BOOST_TEST(*table.at(2) == "two\r\nlines");
    BOOST_TEST(table.at(3)->empty());
    BOOST_TEST(!table.at(4));
}

BOOST_AUTO_TEST_CASE(the_shared_strings_table_is_bounded)
{
    XlsxStringLimits limits;
    limits.max_total_bytes = 100;
    std::string xml = "<sst>";
    for (int i = 0; i < 20; ++i) xml += "<si><t>string number " + std::to_string(i) + "</t></si>";
    xml += "</sst>";
    SharedStringsReader reader(limits);
    BOOST_TEST(!(reader.feed(xml) && reader.finish()));
    BOOST_TEST(!reader.malformed());
    BOOST_TEST(reader.error().value() ==
               "its text cells hold more than 100 bytes, more than xferd reads from one batch: split the batch into "
               "smaller files (or save it as CSV UTF-8, which xferd reads without this limit)");
    XlsxStringLimits few;
    few.max_count = 3;
    SharedStringsReader counted(few);
    BOOST_TEST(!(counted.feed(xml) && counted.finish()));
    BOOST_TEST(contains(counted.error().value(), "more than 3 entries"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(batch_rows)

// Numbers typed as numbers, a date property, an empty row, a formatted empty row.
std::string leavers_sheet(int header_at)
{
    const auto r = [&](int k) { return header_at + k; };
    const auto ref = [&](const char* col, int k) { return std::string(col) + std::to_string(r(k)); };
    return sheet_xml(
        header_row(header_at) +
        row(r(1), is(ref("A", 1), "OFF-2026-12-001") + n(ref("B", 1), "38390017") + n(ref("C", 1), "3035550190") +
                      n(ref("D", 1), "8575550141") + is(ref("E", 1), "emily.howard@example.com")) +
        row(r(2), "<c r=\"" + ref("A", 2) + "\" s=\"3\"/>") +
        row(r(3), is(ref("A", 3), "OFF-2026-12-002") + n(ref("B", 3), "38390048") + n(ref("C", 3), "4805550186") +
                      n(ref("D", 3), "612345678") + is(ref("E", 3), "joshua.castillo@example.com") +
                      is(ref("F", 3), "Line 1&#10;Line 2")) +
        row(r(5), is(ref("A", 5), "OFF-2026-12-001") + n(ref("B", 5), "38390079") + "<c r=\"" + ref("C", 5) +
                      "\" t=\"e\"><v>#N/A</v></c>" + n(ref("D", 5), "8575550160") + is(ref("E", 5), "jerry.adams@example.org")));
}

BOOST_AUTO_TEST_CASE(rows_values_and_numbers_as_an_operator_sees_them_at_every_split)
{
    const auto strings = strings_of(header_strings);
    const auto styles = test_styles();
    const std::string xml = leavers_sheet(1);
    const Read r = read_sheet(xml, strings, styles);
    BOOST_TEST(!r.error, render(r));
    BOOST_TEST(r.header == header_strings);
    BOOST_TEST(r.ignored == std::vector<std::string>{"Notes"});
    BOOST_REQUIRE(r.rows.size() == 3u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[0].row.row == 1u);  // spreadsheet row 2
    BOOST_TEST(r.rows[0].row.service_id == "38390017");
    BOOST_TEST(r.rows[0].row.service_number == "3035550190");
    BOOST_TEST(r.rows[0].row.contact_number == "8575550141");

    // Spreadsheet row 3 is empty, row 4 is data row 3; 612345678 lost its leading zero.
    BOOST_TEST(r.rows[1].row.row == 3u);
    BOOST_TEST(r.rows[1].error_text() ==
               "column 'Contact Number': sheet 'Leavers', cell D4: '612345678' has 9 digits: use a 10-digit US "
               "number (2035558888) or an international number with + and the country code (+44 20 7946 0958, 8 "
               "to 15 digits)");

    // Row 5 is empty (no <row> at all); spreadsheet row 6 is data row 5: an error cell and a duplicate.
    BOOST_TEST(r.rows[2].row.row == 5u);
    BOOST_TEST(r.rows[2].error_text() ==
               "column 'Service Number': sheet 'Leavers', cell C6: holds the error #N/A (a lookup found nothing): "
               "correct the formula, or type the value; column 'External Order Number': sheet 'Leavers', cell A6: "
               "duplicates row 1: external order number 'OFF-2026-12-001' is used twice in this file; give each row "
               "its own number");

    const std::string whole = render(r);
    for (std::size_t cut = 1; cut <= xml.size(); ++cut) {
        XlsxBatchReader reader("Leavers", strings, styles, {});
        Read s;
        if (reader.feed(std::string_view(xml).substr(0, cut), s.rows) && reader.feed(std::string_view(xml).substr(cut), s.rows))
            reader.finish(s.rows);
        s.error = reader.error();
        if (render(s) != whole) {
            BOOST_TEST(render(s) == whole, "cut at " << cut);
            break;
        }
    }
    BOOST_TEST(render(read_sheet(xml, strings, styles, {}, 1)) == whole);
}

BOOST_AUTO_TEST_CASE(a_lost_leading_zero_gets_the_csv_message)
{
    // The same value read from a CSV and from a number cell: one rule, one message.
    const std::string csv = "external_order_number,service_id,service_number,contact_number,personal_email\n"
                            "A-1,38390017,303555019,8575550141,a@example.com\n";
    BatchReader text(BatchFormat::csv, {});
    std::vector<ParsedRow> from_csv;
    BOOST_REQUIRE(text.feed(csv, from_csv) && text.finish(from_csv));
    BOOST_REQUIRE(from_csv.size() == 1u);
    const std::string csv_message = from_csv[0].errors.at(0).message;

    const auto strings = strings_of({"external_order_number", "service_id", "service_number", "contact_number",
                                     "personal_email"});
    const std::string xml = sheet_xml(row(1, s("A1", 0) + s("B1", 1) + s("C1", 2) + s("D1", 3) + s("E1", 4)) +
                                      row(2, is("A2", "A-1") + n("B2", "38390017") + n("C2", "303555019") +
                                                 n("D2", "8575550141") + is("E2", "a@example.com")));
    const Read r = read_sheet(xml, strings, test_styles());
    BOOST_REQUIRE(r.rows.size() == 1u);
    BOOST_TEST(r.rows[0].errors.at(0).message == "sheet 'Leavers', cell C2: " + csv_message);
    BOOST_TEST(contains(csv_message, "'303555019' has 9 digits"));
}

BOOST_AUTO_TEST_CASE(a_header_lower_down_counts_rows_from_the_header)
{
    const auto strings = strings_of(header_strings);
    const Read r = read_sheet(leavers_sheet(3), strings, test_styles());
    BOOST_TEST(!r.error, render(r));
    BOOST_REQUIRE(r.rows.size() == 3u);
    BOOST_TEST(r.rows[0].row.row == 1u);  // spreadsheet row 4
    BOOST_TEST(r.rows[1].row.row == 3u);  // spreadsheet row 6
    BOOST_TEST(contains(r.rows[1].error_text(), "sheet 'Leavers', cell D6: '612345678'"));
    BOOST_TEST(contains(r.rows[2].error_text(), "cell C8: holds the error #N/A"));
}

BOOST_AUTO_TEST_CASE(text_that_excel_already_mangled_is_flagged_as_in_a_csv)
{
    const auto strings = strings_of({"external_order_number", "service_id", "service_number", "contact_number",
                                     "personal_email", "2.03556E+09"});
    const std::string xml = sheet_xml(row(1, s("A1", 0) + s("B1", 1) + s("C1", 2) + s("D1", 3) + s("E1", 4)) +
                                      row(2, is("A2", "A-1") + n("B2", "38390017") + n("C2", "3035550190") +
                                                 s("D2", 5) + is("E2", "a@example.com")));
    const Read r = read_sheet(xml, strings, test_styles());
    BOOST_REQUIRE(r.rows.size() == 1u);
    BOOST_TEST(contains(r.rows[0].error_text(), "column 'contact_number': sheet 'Leavers', cell D2: '2.03556E+09' is a "
                                                "number in scientific notation"));
}

BOOST_AUTO_TEST_CASE(mapped_headers_property_columns_dates_and_booleans)
{
    const auto strings = strings_of({"Case Number", "Asset ID", "Mobile Number", "Personal Mobile", "Personal Email",
                                     "MISCELLANEOUS.LAST_DAY", "MISCELLANEOUS.KEEP_NUMBER", "Termination Date"});
    const std::string xml = sheet_xml(
        row(1, s("A1", 0) + s("B1", 1) + s("C1", 2) + s("D1", 3) + s("E1", 4) + s("F1", 5) + s("G1", 6) + s("H1", 7)) +
        row(2, is("A2", "HRC-1") + n("B2", "38391071") + n("C2", "2125550146") + n("D2", "6505550199") +
                   is("E2", "mary@example.net") + n("F2", "46387", 1) + "<c r=\"G2\" t=\"b\"><v>1</v></c>" +
                   "<c r=\"H2\" t=\"e\"><v>#REF!</v></c>"));
    const ColumnMapping mapping{{"Case Number", "external_order_number"}, {"Asset ID", "service_id"},
                                {"Mobile Number", "service_number"}, {"Personal Mobile", "contact_number"}};
    const Read r = read_sheet(xml, strings, test_styles(), mapping);
    BOOST_TEST(!r.error, render(r));
    BOOST_TEST(r.ignored == std::vector<std::string>{"Termination Date"});
    BOOST_REQUIRE(r.rows.size() == 1u);
    // An error in a column xferd does not read (Termination Date) does not matter.
    BOOST_TEST(render(r) == "row 1 | HRC-1 | 38391071 | 2125550146 | 6505550199 | mary@example.net |  | "
                            "MISCELLANEOUS.LAST_DAY=2026-12-31 | MISCELLANEOUS.KEEP_NUMBER=TRUE || \n");
}

BOOST_AUTO_TEST_CASE(header_problems_are_file_errors_naming_sheet_and_row)
{
    const auto strings = strings_of({"External Order Number", "Service ID", "Phone"});
    const std::string xml = sheet_xml(row(2, s("A2", 0) + s("B2", 1) + s("C2", 2)) + row(3, is("A3", "x")));
    const Read r = read_sheet(xml, strings, test_styles());
    BOOST_REQUIRE(r.error.has_value());
    BOOST_TEST(r.error->message ==
               "sheet 'Leavers', header row 2: the header row has no column for service_number, contact_number, "
               "personal_email: add the column(s) to the file, or map the file's own column names with `columns:` in "
               "the config (e.g. columns: {\"Mobile Number\": service_number}). The header has: 'External Order "
               "Number', 'Service ID', 'Phone'");
    BOOST_TEST(!r.error->line.has_value());

    const Read err = read_sheet(sheet_xml(row(1, "<c r=\"C1\" t=\"e\"><v>#REF!</v></c>")), {}, test_styles());
    BOOST_TEST(err.error->message == "sheet 'Leavers', cell C1 (the header row) holds the error #REF!: type the column "
                                     "name into it");
}

BOOST_AUTO_TEST_CASE(empty_and_header_only_sheets)
{
    const Read empty = read_sheet(sheet_xml(row(1, "<c r=\"A1\" s=\"1\"/>")), {}, test_styles());
    BOOST_TEST(empty.error->message == "sheet 'Leavers' is empty: expected a header row (external_order_number, "
                                       "service_id, service_number, contact_number, personal_email, …) and one row "
                                       "per line to transfer");
    const auto strings = strings_of(header_strings);
    const Read header_only = read_sheet(sheet_xml(header_row(4) + row(5, is("A5", "  "))), strings, test_styles());
    BOOST_TEST(header_only.error->message == "sheet 'Leavers' has a header row (row 4) but no data rows");
}

BOOST_AUTO_TEST_SUITE_END()
