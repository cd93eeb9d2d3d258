// NAME.confirmation.xlsx as the operator opens it, and NAME.approved.xlsx as it comes back:
// the writer's columns, text cells, header, list and atomic publication; the approval read by
// the same rules as the CSV, from libxlsxwriter- and LibreOffice-made workbooks.
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "xlsx_test_files.hpp"

#include "xferd/batch/approved_xlsx.hpp"
#include "xferd/batch/confirmation_xlsx.hpp"
#include "xferd/batch/operator_approval.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/batch/xlsx_file.hpp"
#include "xferd/core/xlsx_sheet.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>
#include <thread>

using namespace xferd;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::vector<RowRecord> records()
{
    RowRecord a;
    a.row = 1;
    a.external_order_number = "00417";
    a.service_id = "0038390110";
    a.service_number = "2035551111";
    a.confirmation = {true, "Zoë Müller", "zoe.mueller@acme-corp.example", "E104233", "", "", "Apple iPhone 13 (128GB)",
                      "", "", "", "2035551111", "ACTIVE", ""};
    a.decision = Decision::approved;
    a.reason = "all checks passed";
    RowRecord b;
    b.row = 3;  // row 2 of the input was blank
    b.external_order_number = "=HYPERLINK(\"x\")";
    b.service_id = "38393737";
    b.service_number = "6145550102";
    b.confirmation.error = "400-Service-Not-Active-error: service 38393737 is SUSPENDED";
    b.decision = Decision::rejected;
    return {a, b};
}

fs::path write_confirmation(const fs::path& target, const std::vector<RowRecord>& rows)
{
    auto w = ConfirmationXlsxWriter::create(target);
    BOOST_TEST_REQUIRE(w.has_value(), w.error().message);
    for (const auto& r : rows) BOOST_TEST_REQUIRE(w->add(r).has_value());
    auto c = w->commit();
    BOOST_TEST_REQUIRE(c.has_value(), c.error().message);
    return target;
}

// The sheet as cells: "A1=text[row]" per cell, a line per row.
std::string cells_of(const fs::path& file)
{
    auto book = XlsxWorkbookFile::open(file);
    BOOST_TEST_REQUIRE(book.has_value(), book.error().message);
    BOOST_TEST_REQUIRE((*book)->open_sheet(0).has_value());
    XlsxSheetParser parser((*book)->sheets()[0].name, (*book)->strings(), (*book)->styles());
    std::vector<XlsxRow> rows;
    for (;;) {
        auto chunk = (*book)->next_chunk();
        BOOST_TEST_REQUIRE(chunk.has_value());
        if (chunk->empty()) break;
        BOOST_TEST_REQUIRE(parser.feed(*chunk, rows));
    }
    BOOST_TEST_REQUIRE(parser.finish(rows));
    std::string out;
    for (const auto& r : rows) {
        for (const auto& c : r.cells)
            out += char('A' + c.col) + std::to_string(r.number) + (c.kind == XlsxCell::Kind::number ? "#" : "=") + c.value + " ";
        out += "\n";
    }
    return out;
}

std::vector<std::string> names_in(const fs::path& dir)
{
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

ConfirmedBatch confirmed(std::chrono::system_clock::time_point at)
{
    return ConfirmedBatch{std::string(64, 'a'), at,
                          {{1, "HR-1001", "38390017", Decision::approved, ""},
                           {2, "HR-1002", "38390048", Decision::approved, ""},
                           {3, "HR-1003", "38390079", Decision::rejected, "SUSPENDED"},
                           {4, "00417", "38390110", Decision::approved, ""},
                           {5, "", "", Decision::invalid, "external_order_number is empty"}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(confirmation_workbook)

BOOST_AUTO_TEST_CASE(the_csv_columns_as_text_cells_with_an_empty_approve_column)
{
    test::TempDir dir;
    const fs::path file = write_confirmation(dir / "batch.confirmation.xlsx", records());
    BOOST_TEST(cells_of(file) ==
               "A1=row B1=external_order_number C1=service_id D1=service_number E1=confirmed_service_number "
               "F1=service_status G1=account_holder H1=account_holder_email I1=account_holder_id J1=device "
               "K1=decision L1=reason M1=approve \n"
               // IDs and numbers are text: leading zeros kept, no 2.03555E+09; only the row number is a number.
               "A2#1 B2=00417 C2=0038390110 D2=2035551111 E2=2035551111 F2=ACTIVE G2=Zoë Müller "
               "H2=zoe.mueller@acme-corp.example I2=E104233 J2=Apple iPhone 13 (128GB) K2=APPROVED L2=all checks passed \n"
               // A cell is never a formula, whatever it holds.
               "A3#3 B3==HYPERLINK(\"x\") C3=38393737 D3=6145550102 K3=REJECTED "
               "L3=400-Service-Not-Active-error: service 38393737 is SUSPENDED \n");
    const std::string sheet = test::read_zip_entry(file, "xl/worksheets/sheet1.xml");
    BOOST_TEST(sheet.find("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>") !=
               std::string::npos, sheet);
    BOOST_TEST(sheet.find("<autoFilter ref=\"A1:M3\"/>") != std::string::npos);
    BOOST_TEST(sheet.find("<dataValidation type=\"list\" errorStyle=\"warning\"") != std::string::npos);
    BOOST_TEST(sheet.find("sqref=\"M2:M3\"><formula1>\"yes,no\"</formula1>") != std::string::npos);
    BOOST_TEST(sheet.find("<f>") == std::string::npos);
    BOOST_TEST(test::read_zip_entry(file, "xl/styles.xml").find("<b/>") != std::string::npos);  // the bold header
}

BOOST_AUTO_TEST_CASE(published_atomically_0640_keeping_an_earlier_one)
{
    test::TempDir dir;
    const fs::path target = dir / "batch.confirmation.xlsx";
    auto rows = records();
    write_confirmation(target, {rows[0]});
    write_confirmation(target, rows);
    BOOST_TEST(names_in(dir.path()) == (std::vector<std::string>{"batch.confirmation.1.xlsx", "batch.confirmation.xlsx"}));
    struct stat st {};
    BOOST_REQUIRE(::stat(target.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0640u);
    BOOST_TEST(cells_of(dir / "batch.confirmation.1.xlsx").find("A3") == std::string::npos);  // the first had one row
    BOOST_TEST(cells_of(target).find("A3#3") != std::string::npos);

    // Is batch.confirmation.xlsx one of xferd's own files (never taken as a new batch)?
    BOOST_TEST(is_xferd_output(target));
    BOOST_TEST(is_xferd_output(dir / "batch.confirmation.1.xlsx"));
    BOOST_TEST(is_xferd_output(dir / "batch.approved.xlsx"));
    BOOST_TEST(!is_xferd_output(dir / "batch.xlsx"));
    BOOST_TEST(output_paths_for(dir / "batch.xlsx").confirmation_xlsx == target);
    BOOST_TEST(output_paths_for(dir / "batch.xlsx").approved_xlsx == dir / "batch.approved.xlsx");
}

BOOST_AUTO_TEST_CASE(dropped_without_commit_leaves_nothing)
{
    test::TempDir dir;
    {
        auto w = ConfirmationXlsxWriter::create(dir / "batch.confirmation.xlsx");
        BOOST_TEST_REQUIRE(w.has_value());
        BOOST_TEST_REQUIRE(w->add(records()[0]).has_value());
    }
    BOOST_TEST(names_in(dir.path()).empty());
    BOOST_TEST(!ConfirmationXlsxWriter::create(dir / "missing-folder" / "x.confirmation.xlsx").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(approved_workbook)

// The confirmation saved back by Excel: strings shared, the approve cells as typed: yes, a 1
// Excel keeps as a number, TRUE as a boolean.
void write_approved(const fs::path& file, bool approve_rejected_row = false)
{
    test::TestWorkbook w(file, false, "confirmation");
    w.row(0, {"row", "external_order_number", "service_id", "service_number", "decision", "reason", "approve"});
    w.number(1, 0, 1);
    w.row(1, {"", "HR-1001", "38390017", "3035550190", "APPROVED", "all checks passed", "yes"});
    w.number(2, 0, 2);
    w.row(2, {"", "HR-1002", "38390048", "4805550186", "APPROVED", "all checks passed"});
    w.boolean(2, 6, false);
    w.number(3, 0, 3);
    w.row(3, {"", "HR-1003", "38390079", "5125550172", "REJECTED", "SUSPENDED"});
    if (approve_rejected_row) w.boolean(3, 6, true);
    w.number(4, 0, 4);
    w.row(4, {"", "00417", "38390110", "2065550101", "APPROVED", "all checks passed"});
    w.number(4, 6, 1);
    w.number(5, 0, 5);
    w.row(5, {"", "", "", "", "INVALID", "external_order_number is empty"});
}

BOOST_AUTO_TEST_CASE(yes_a_number_one_and_true_approve_by_the_csv_rules)
{
    test::TempDir dir;
    write_approved(dir / "batch.approved.xlsx", true);
    auto in = parse_approved_xlsx(dir / "batch.approved.xlsx");
    BOOST_TEST_REQUIRE(in.has_value(), in.error().message);
    BOOST_TEST((in->source == ApprovalInput::Source::approved_xlsx));
    const auto at = std::chrono::system_clock::now();
    auto v = check_approval(*in, confirmed(at - 1min), at, at, 24h);
    BOOST_TEST(v.accepted, v.message);
    BOOST_TEST(v.approved_rows == (std::vector<std::size_t>{1, 4}), boost::test_tools::per_element());
    BOOST_TEST(v.message == "2 of 3 eligible rows approved by the operator");
    BOOST_REQUIRE(v.notes.size() == 1u);
    BOOST_TEST(v.notes[0] == "row 3 (HR-1003) was approved by the operator but is REJECTED: SUSPENDED; not submitted");
}

BOOST_AUTO_TEST_CASE(a_confirmation_saved_back_by_libreoffice)
{
    // 00417 came back as the number 417, the 1 as a number: both still match.
    auto in = parse_approved_xlsx(test::source_path("tests/data/xlsx/approved-by-libreoffice.xlsx"));
    BOOST_TEST_REQUIRE(in.has_value(), in.error().message);
    BOOST_TEST(in->rows.at(3).external_order_number == "417");
    const auto at = std::chrono::system_clock::now();
    auto v = check_approval(*in, confirmed(at - 1min), at, at, 24h);
    BOOST_TEST(v.accepted, v.message);
    BOOST_TEST(v.approved_rows == (std::vector<std::size_t>{1, 4}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_bad_approve_cell_names_sheet_and_cell)
{
    test::TempDir dir;
    {
        test::TestWorkbook w(dir / "batch.approved.xlsx", false, "confirmation");
        w.row(0, {"row", "external_order_number", "approve"});
        w.number(1, 0, 1);
        w.row(1, {"", "HR-1001", "maybe"});
    }
    auto in = parse_approved_xlsx(dir / "batch.approved.xlsx");
    BOOST_TEST_REQUIRE(in.has_value());
    BOOST_TEST_REQUIRE(in->problems.size() == 1u);
    BOOST_TEST(in->problems[0] == "sheet 'confirmation', cell C2 (row 1): approve holds 'maybe'; write yes, y, x or 1 "
                                  "to approve the row, or leave it empty");
    std::ofstream(dir / "csv.approved.xlsx") << "row,approve\n";
    auto junk = parse_approved_xlsx(dir / "csv.approved.xlsx");
    BOOST_TEST_REQUIRE(!junk.has_value());
    BOOST_TEST(junk.error().message.find("it is not an Excel workbook") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
