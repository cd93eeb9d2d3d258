// .xlsx batches as RowStream reads them for the pipeline and `xferd validate`: workbooks made by
// LibreOffice (tests/data/xlsx, see make-fixtures.sh) and by libxlsxwriter, and damaged or
// hostile files. Checked for the rows, values and messages an operator sees.
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "xlsx_test_files.hpp"

#include "xferd/batch/row_stream.hpp"
#include "xferd/batch/xlsx_file.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

using namespace xferd;
namespace fs = std::filesystem;

namespace {

struct Read {
    std::vector<ParsedRow> rows;
    std::optional<FileError> error;
    std::vector<std::string> header, ignored;
};

Read read(const fs::path& file, const ColumnMapping& mapping = {}, const std::string& sheet = {})
{
    RowStream stream(file, format_for_path(file), mapping, LimitsConfig{}, sheet);
    Read r;
    while (auto row = stream.next()) r.rows.push_back(std::move(*row));
    r.error = stream.error();
    r.header = stream.header();
    r.ignored = stream.ignored_columns();
    return r;
}

std::string file_error(const fs::path& file)
{
    const Read r = read(file);
    BOOST_TEST(r.rows.empty());
    return r.error ? r.error->message : std::string("(no error)");
}

std::string file_error_of(const fs::path& file, const std::string& sheet)
{
    const Read r = read(file, {}, sheet);
    return r.error ? r.error->message : std::string("(no error)");
}

fs::path fixture(const std::string& name) { return test::source_path("tests/data/xlsx/" + name); }

std::string property(const ParsedRow& r, const std::string& id)
{
    for (const auto& p : r.row.extra_properties)
        if (p.id == id) return p.text;
    return "(none)";
}

const std::vector<std::string> canonical_header = {"external_order_number", "service_id", "service_number",
                                                   "contact_number", "personal_email", "additional_instructions",
                                                   "employee_id", "MISCELLANEOUS.LAST_DAY", "Keep"};

}  // namespace

BOOST_AUTO_TEST_SUITE(made_by_libreoffice)

BOOST_AUTO_TEST_CASE(a_csv_feed_typed_by_a_spreadsheet_reads_as_typed)
{
    const Read r = read(fixture("hr-leavers.xlsx"), {{"Termination Date", "MISCELLANEOUS.TERMINATION_DATE"}});
    BOOST_TEST(!r.error, r.error->message);
    BOOST_TEST(r.header.at(0) == "External Order Number");
    BOOST_REQUIRE(r.rows.size() == 5u);

    const auto& a = r.rows[0];
    BOOST_TEST(a.valid(), a.error_text());
    BOOST_TEST(a.row.row == 1u);
    BOOST_TEST(a.row.service_id == "38391195");       // a number cell: its digits
    BOOST_TEST(a.row.service_number == "3125550196"); // never 3.12555E+09
    BOOST_TEST(a.row.contact_number == "8575550141");
    BOOST_TEST(a.row.employee_id == "E104499");
    BOOST_TEST(property(a, "TERMINATION_DATE") == "2026-12-15");  // a date cell: ISO 8601

    // 0612345678 was typed into a number cell: the zero is gone, and the row says so.
    const auto& b = r.rows[1];
    BOOST_TEST(b.row.row == 2u);
    BOOST_TEST(b.error_text() == "column 'Contact Number': sheet 'hr-leavers', cell D3: '612345678' has 9 digits: use "
                                 "a 10-digit US number (2035558888) or an international number with + and the country "
                                 "code (+44 20 7946 0958, 8 to 15 digits)");
    BOOST_TEST(b.row.additional_instructions == "Keeps the number, call after 5pm");

    // Spreadsheet row 4 is empty: skipped, and it keeps its number.
    BOOST_TEST(r.rows[2].row.row == 4u);
    BOOST_TEST(r.rows[2].valid(), r.rows[2].error_text());
    BOOST_TEST(property(r.rows[2], "TERMINATION_DATE") == "2026-12-31");  // typed 12/31/2026

    BOOST_TEST(r.rows[3].row.row == 5u);
    BOOST_TEST(r.rows[3].error_text() == "column 'Service Number': sheet 'hr-leavers', cell C6: holds the error #N/A "
                                         "(a lookup found nothing): correct the formula, or type the value");
    BOOST_TEST(r.rows[4].valid(), r.rows[4].error_text());
    BOOST_TEST(property(r.rows[4], "TERMINATION_DATE") == "2027-01-08");

    BOOST_TEST(read(fixture("hr-leavers.xlsx")).ignored == std::vector<std::string>{"Termination Date"});
}

BOOST_AUTO_TEST_CASE(the_sheet_is_the_first_visible_one_or_the_one_named)
{
    const fs::path book = fixture("leavers-workbook.xlsx");
    const Read first = read(book);
    BOOST_REQUIRE(first.error.has_value());
    BOOST_TEST(first.error->message.find("sheet 'Instructions', header row 1: the header row has no column for "
                                         "external_order_number, service_id,") == 0u, first.error->message);
    BOOST_TEST(first.error->message.find("The header has: 'December leavers'") != std::string::npos);

    // `sheet: leavers` (tab names compare as Excel does, ignoring case): the header is row 3.
    const Read r = read(book, {}, "leavers");
    BOOST_TEST(!r.error, r.error->message);
    BOOST_TEST(r.ignored == (std::vector<std::string>{"Employee", "Last Day"}));
    BOOST_REQUIRE(r.rows.size() == 3u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_TEST(r.rows[0].row.row == 1u);  // spreadsheet row 4
    BOOST_TEST(r.rows[0].row.external_order_number == "OFF-2026-12-001");  // a formula's text result
    BOOST_TEST(r.rows[0].row.service_id == "38391195");                    // a VLOOKUP's number result
    BOOST_TEST(r.rows[0].row.service_number == "3125550196");
    BOOST_TEST(r.rows[1].valid(), r.rows[1].error_text());
    BOOST_TEST(r.rows[2].error_text() == "column 'Service ID': sheet 'Leavers', cell C6: holds the error #N/A (a lookup "
                                         "found nothing): correct the formula, or type the value; column 'Service "
                                         "Number': sheet 'Leavers', cell D6: holds the error #N/A (a lookup found "
                                         "nothing): correct the formula, or type the value");

    BOOST_TEST(file_error_of(book, "Nope") ==
               "the workbook has no sheet 'Nope' (the `sheet:` setting); it has 'Instructions', 'Leavers', 'Lookup' "
               "(hidden): rename the sheet, or set `sheet:` to the one to read");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(made_by_libxlsxwriter)

void write_rows(test::TestWorkbook& w)
{
    w.row(0, canonical_header);
    w.text(1, 0, "OFF-2026-12-101");
    w.number(1, 1, 38391443);
    w.number(1, 2, 6175550182);
    w.number(1, 3, 2035558888);
    w.text(1, 4, "mary.fitzgerald@example.com");
    w.rich(1, 5, "Call ", "after 5pm");
    w.text(1, 6, "00417");  // a text cell keeps its zeros
    w.date(1, 7, 2026, 12, 31);
    w.boolean(1, 8, true);
    w.text(3, 0, "OFF-2026-12-102");  // row 3 (spreadsheet row 3) left out entirely
    w.text(3, 1, "38391474");
    w.number(3, 2, 5125550192.0);
    w.text(3, 3, "+44 20 7946 0958");
    w.text(3, 4, "richard.miller@example.com");
    w.close();
}

void check_rows(const Read& r)
{
    BOOST_TEST(!r.error, r.error->message);
    BOOST_TEST(r.ignored == std::vector<std::string>{"Keep"});
    BOOST_REQUIRE(r.rows.size() == 2u);
    const auto& a = r.rows[0];
    BOOST_TEST(a.valid(), a.error_text());
    BOOST_TEST(a.row.service_id == "38391443");
    BOOST_TEST(a.row.service_number == "6175550182");
    BOOST_TEST(a.row.additional_instructions == "Call after 5pm");  // rich text runs joined
    BOOST_TEST(a.row.employee_id == "00417");
    BOOST_TEST(property(a, "LAST_DAY") == "2026-12-31");
    const auto& b = r.rows[1];
    BOOST_TEST(b.valid(), b.error_text());
    BOOST_TEST(b.row.row == 3u);
    BOOST_TEST(b.row.contact_number == "+442079460958");
}

BOOST_AUTO_TEST_CASE(inline_strings_of_a_constant_memory_writer)
{
    test::TempDir dir;
    test::TestWorkbook w(dir / "inline.xlsx", true);
    write_rows(w);
    BOOST_TEST(test::read_zip_entry(dir / "inline.xlsx", "xl/worksheets/sheet1.xml").find("t=\"inlineStr\"") !=
               std::string::npos);
    check_rows(read(dir / "inline.xlsx"));
}

BOOST_AUTO_TEST_CASE(shared_strings_with_rich_text)
{
    test::TempDir dir;
    test::TestWorkbook w(dir / "shared.xlsx", false);
    write_rows(w);
    BOOST_TEST(test::read_zip_entry(dir / "shared.xlsx", "xl/sharedStrings.xml").find("<r><rPr><b/>") != std::string::npos);
    check_rows(read(dir / "shared.xlsx"));
}

BOOST_AUTO_TEST_CASE(a_shared_strings_table_past_its_bound_is_a_file_error)
{
    // 2300 unique 32000-character notes (a cell holds at most 32767): 73 MB of text, past the
    // 64 MiB bound, in a zip of a few hundred KB.
    test::TempDir dir;
    {
        test::TestWorkbook w(dir / "huge.xlsx", false);
        w.row(0, {"external_order_number", "service_id", "service_number", "contact_number", "personal_email", "Notes"});
        std::string note(32000, 'n');
        for (lxw_row_t i = 1; i <= 2300; ++i) {
            note.replace(0, 8, std::to_string(10000000 + i));
            w.text(i, 5, note);
        }
    }
    BOOST_TEST(fs::file_size(dir / "huge.xlsx") < 2'000'000u);
    BOOST_TEST(file_error(dir / "huge.xlsx") ==
               "its text cells hold more than 64MiB, more than xferd reads from one batch: split the batch into "
               "smaller files (or save it as CSV UTF-8, which xferd reads without this limit)");
    // The same file within a larger bound reads: it is the bound that refused it.
    XlsxFileLimits roomy;
    roomy.strings.max_total_bytes = 128u << 20;
    auto book = XlsxWorkbookFile::open(dir / "huge.xlsx", roomy);
    BOOST_TEST_REQUIRE(book.has_value(), book.error().message);
    BOOST_TEST((*book)->strings().size() == 2306u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(damaged_and_hostile)

BOOST_AUTO_TEST_CASE(not_a_workbook_says_how_to_save_one)
{
    test::TempDir dir;
    std::ofstream(dir / "renamed.xlsx") << "external_order_number,service_id\nA-1,38390017\n";
    BOOST_TEST(file_error(dir / "renamed.xlsx") ==
               "it is not an Excel workbook: an .xlsx file is a zip archive and this one is not (a CSV or another "
               "file renamed to .xlsx?); open it in Excel or LibreOffice and save it again as Excel Workbook "
               "(.xlsx), or give a CSV file a .csv name");
    std::ofstream(dir / "empty.xlsx");
    BOOST_TEST(file_error(dir / "empty.xlsx") == "it is empty (0 bytes): save the workbook again as Excel Workbook (.xlsx)");

    // Excel's "Encrypt with Password" (and an old .xls) is an OLE2 compound file.
    std::ofstream(dir / "locked.xlsx", std::ios::binary) << std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)
                                                        << std::string(504, '\0');
    BOOST_TEST(file_error(dir / "locked.xlsx").find("it is a password-protected (encrypted) workbook, or an Excel "
                                                    "97-2003 .xls file renamed to .xlsx") == 0u);

    const std::string real = test::read_text(fixture("hr-leavers.xlsx"));
    std::ofstream(dir / "cut.xlsx", std::ios::binary) << real.substr(0, real.size() / 2);
    BOOST_TEST(file_error(dir / "cut.xlsx").find("the workbook is damaged (its zip archive: ") == 0u,
               file_error(dir / "cut.xlsx"));

    test::write_zip(dir / "plain.xlsx", {{"notes.txt", "hello"}});
    BOOST_TEST(file_error(dir / "plain.xlsx") == "it has no part xl/workbook.xml, so it is not an Excel workbook; open it "
                                                 "in Excel or LibreOffice and save it again as Excel Workbook (.xlsx)");

    test::write_zip(dir / "calc.xlsx", {{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"},
                                        {"content.xml", "<office:document-content/>"}});
    BOOST_TEST(file_error(dir / "calc.xlsx") == "it is an OpenDocument spreadsheet (.ods) with an .xlsx name; in "
                                                "LibreOffice use File → Save As → Excel 2007-365 (.xlsx)");
}

BOOST_AUTO_TEST_CASE(formats_xferd_does_not_read)
{
    test::TempDir dir;
    std::ofstream(dir / "leavers.xls") << "anything";
    BOOST_TEST(file_error(dir / "leavers.xls").find("it is an Excel 97-2003 workbook (.xls), which xferd does not "
                                                    "read: open it in Excel, save it as Excel Workbook (.xlsx)") == 0u);
    std::ofstream(dir / "leavers.ods") << "anything";
    BOOST_TEST(file_error(dir / "leavers.ods").find("OpenDocument spreadsheet (.ods)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(encrypted_entries_are_refused)
{
    BOOST_TEST_REQUIRE(zip_encryption_method_supported(ZIP_EM_AES_256, 1) == 1);
    test::TempDir dir;
    test::write_zip(dir / "secret.xlsx",
                    {{"xl/workbook.xml", "<workbook><sheets><sheet name=\"A\" r:id=\"rId1\"/></sheets></workbook>"}},
                    "password");
    BOOST_TEST(file_error(dir / "secret.xlsx") ==
               "its contents are encrypted: remove the password, then save it as Excel Workbook (.xlsx)");
}

BOOST_AUTO_TEST_CASE(zip_bombs_and_entry_floods_stop_at_their_caps)
{
    test::TempDir dir;
    const std::string rels =
        "<Relationships><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
        "relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>";
    const std::string book = "<workbook><sheets><sheet name=\"Bomb\" sheetId=\"1\" r:id=\"rId1\" "
                             "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"/>"
                             "</sheets></workbook>";
    // 8 MiB of whitespace inside the sheet: a few KB zipped.
    const std::string sheet = "<worksheet><sheetData>" + std::string(8u << 20, ' ') + "</sheetData></worksheet>";
    test::write_zip(dir / "bomb.xlsx", {{"xl/workbook.xml", book}, {"xl/_rels/workbook.xml.rels", rels},
                                        {"xl/worksheets/sheet1.xml", sheet}});
    BOOST_TEST(fs::file_size(dir / "bomb.xlsx") < 100'000u);
    XlsxFileLimits limits;
    limits.max_sheet_bytes = 1u << 20;
    auto opened = XlsxWorkbookFile::open(dir / "bomb.xlsx", limits);
    BOOST_TEST_REQUIRE(opened.has_value(), opened.error().message);
    auto sheet_opened = (*opened)->open_sheet(0);
    BOOST_TEST_REQUIRE(!sheet_opened.has_value());
    BOOST_TEST(sheet_opened.error().message == "its part xl/worksheets/sheet1.xml unpacks to 8 MiB, more than the 1 MiB "
                                               "xferd reads: split the batch into smaller files");
    // Within the default caps it streams to its end (and has no rows).
    BOOST_TEST(file_error(dir / "bomb.xlsx").find("sheet 'Bomb' is empty") == 0u);

    std::vector<std::pair<std::string, std::string>> flood{{"xl/workbook.xml", book}};
    for (int i = 0; i < 10'001; ++i) flood.emplace_back("junk/" + std::to_string(i), "");
    test::write_zip(dir / "flood.xlsx", flood);
    BOOST_TEST(file_error(dir / "flood.xlsx") == "its zip archive has 10002 entries, more than the 10000 of any workbook; "
                                                 "open it in Excel or LibreOffice and save it again as Excel Workbook "
                                                 "(.xlsx)");
}

BOOST_AUTO_TEST_CASE(malformed_xml_names_the_part)
{
    test::TempDir dir;
    test::write_zip(dir / "bad.xlsx", {{"xl/workbook.xml", "<workbook><sheets><sheet name=\"A\"></workbook>"}});
    BOOST_TEST(file_error(dir / "bad.xlsx").find("the workbook is damaged: its part xl/workbook.xml is not well-formed "
                                                 "XML (mismatched tag at line 1)") == 0u,
               file_error(dir / "bad.xlsx"));
}

BOOST_AUTO_TEST_SUITE_END()
