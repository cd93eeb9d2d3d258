// Operator approvals (manual mode): NAME.approve and NAME.approved.csv as operators and Excel
// write them, and the checks against the confirmed batch.
#include "xferd/core/approval.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace xferd;
using namespace std::chrono_literals;
using std::chrono::system_clock;

namespace {

const system_clock::time_point confirmed_at = system_clock::time_point{} + 480000h;  // ~2024
const system_clock::time_point later = confirmed_at + 10min;

ConfirmedBatch batch()
{
    ConfirmedBatch b;
    b.sha256 = std::string(64, 'a');
    b.confirmed_at = confirmed_at;
    b.rows = {
        {1, "HR-1001", "38390017", Decision::approved, "all checks passed"},
        {2, "HR-1002", "38390048", Decision::approved, "all checks passed"},
        {3, "HR-1003", "38390079", Decision::rejected, "service status is SUSPENDED, not ACTIVE"},
        {4, "00417", "38390110", Decision::approved, "all checks passed"},
        {5, "", "", Decision::invalid, "external_order_number is empty"},
    };
    return b;
}

// The confirmation CSV as the confirmation report writes it, with the approve column filled.
std::string confirmation_csv(const std::string& a1, const std::string& a2, const std::string& a3,
                             const std::string& a4, const std::string& a5, char sep = ',',
                             const std::string& eol = "\r\n")
{
    auto line = [&](std::initializer_list<std::string> cells) {
        std::string s;
        bool first = true;
        for (const auto& c : cells) {
            if (!first) s += sep;
            first = false;
            s += c;
        }
        return s + eol;
    };
    std::string out = "\xEF\xBB\xBF";
    out += line({"row", "external_order_number", "service_id", "service_number", "confirmed_service_number",
                 "service_status", "account_holder", "account_holder_email", "account_holder_id", "device",
                 "decision", "reason", "approve"});
    out += line({"1", "HR-1001", "38390017", "3035550190", "3035550190", "ACTIVE", "Emily Howard",
                 "emily.howard@acme-corp.example", "E104233", "\"Apple iPhone 13, 128GB\"", "APPROVED",
                 "all checks passed", a1});
    out += line({"2", "HR-1002", "38390048", "4805550186", "4805550186", "ACTIVE", "Joshua Castillo", "", "", "",
                 "APPROVED", "all checks passed", a2});
    out += line({"3", "HR-1003", "38390079", "5125550172", "5125550172", "SUSPENDED", "Jerry Adams", "", "", "",
                 "REJECTED", "\"service status is SUSPENDED, not ACTIVE\"", a3});
    out += line({"4", "00417", "38390110", "2065550101", "2065550101", "ACTIVE", "Nicholas Murphy", "", "", "",
                 "APPROVED", "all checks passed", a4});
    out += line({"5", "", "", "", "", "", "", "", "", "", "INVALID", "external_order_number is empty", a5});
    return out;
}

ApprovalVerdict check(const Result<ApprovalInput>& in, system_clock::time_point written = later,
                      system_clock::time_point now = later, std::chrono::seconds max_age = 24h)
{
    BOOST_REQUIRE_MESSAGE(in.has_value(), (in.has_value() ? std::string() : in.error().message));
    return check_approval(*in, batch(), written, now, max_age);
}

std::vector<std::size_t> rows(std::initializer_list<std::size_t> r) { return r; }

}  // namespace

BOOST_AUTO_TEST_SUITE(approve_file)

BOOST_AUTO_TEST_CASE(all_approves_every_eligible_row_only)
{
    auto v = check(parse_approve_file("all\n"));
    BOOST_TEST(v.accepted);
    BOOST_TEST(v.approved_rows == rows({1, 2, 4}), boost::test_tools::per_element());
    BOOST_TEST(v.notes.empty());
    BOOST_TEST(v.message == "3 of 3 eligible rows approved by the operator");
}

BOOST_AUTO_TEST_CASE(all_in_any_case_with_bom_crlf_comments_and_blank_lines)
{
    auto in = parse_approve_file("\xEF\xBB\xBF# reviewed by J. Smith\r\n\r\n  ALL  \r\n# ok\r\n");
    BOOST_REQUIRE(in.has_value());
    BOOST_TEST(in->all);
    BOOST_TEST(check(in).approved_rows.size() == 3u);
}

BOOST_AUTO_TEST_CASE(listed_numbers_approve_those_rows)
{
    auto v = check(parse_approve_file("\xEF\xBB\xBFHR-1002\r\n\r\n# not 1001 yet\r\n00417\r\nHR-1002\r\n"));
    BOOST_TEST(v.accepted);
    BOOST_TEST(v.approved_rows == rows({2, 4}), boost::test_tools::per_element());
    BOOST_TEST(v.message == "2 of 3 eligible rows approved by the operator");
}

BOOST_AUTO_TEST_CASE(an_approved_but_ineligible_row_is_noted_not_submitted)
{
    auto v = check(parse_approve_file("HR-1001\nHR-1003\n"));
    BOOST_TEST(v.accepted);
    BOOST_TEST(v.approved_rows == rows({1}), boost::test_tools::per_element());
    BOOST_REQUIRE(v.notes.size() == 1u);
    BOOST_TEST(v.notes[0].find("row 3 (HR-1003)") != std::string::npos);
    BOOST_TEST(v.notes[0].find("REJECTED: service status is SUSPENDED") != std::string::npos);
    BOOST_TEST(v.notes[0].find("not submitted") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_numbers_refuse_the_whole_approval)
{
    auto v = check(parse_approve_file("HR-1001\nHR-9999\nHR-1002x\n"));
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.approved_rows.empty());
    BOOST_TEST(v.message.find("HR-9999, HR-1002x") != std::string::npos, v.message);
    BOOST_TEST(v.message.find("does not hold") != std::string::npos, v.message);
    BOOST_TEST(v.message.find("nothing was submitted") != std::string::npos, v.message);
}

BOOST_AUTO_TEST_CASE(empty_or_ambiguous_files_are_errors_that_say_how_to_write_them)
{
    for (std::string text : {"", "\xEF\xBB\xBF", "# only a comment\n\n", "   \r\n"}) {
        auto in = parse_approve_file(text);
        BOOST_REQUIRE(!in.has_value());
        BOOST_TEST(in.error().message.find("write `all`") != std::string::npos, in.error().message);
    }
    auto mixed = parse_approve_file("all\nHR-1001\n");
    BOOST_REQUIRE(!mixed.has_value());
    BOOST_TEST(mixed.error().message.find("either `all` alone") != std::string::npos);
    auto csv_line = parse_approve_file("HR-1001,HR-1002\n");
    BOOST_REQUIRE(!csv_line.has_value());
    BOOST_TEST(csv_line.error().message.find("line 1") != std::string::npos);
    BOOST_TEST(csv_line.error().message.find("one external order number a line") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(approved_csv)

BOOST_AUTO_TEST_CASE(approve_column_values)
{
    auto v = check(parse_approved_csv(confirmation_csv("Yes", "", "", "X", "")));
    BOOST_TEST(v.accepted, v.message);
    BOOST_TEST(v.approved_rows == rows({1, 4}), boost::test_tools::per_element());
    v = check(parse_approved_csv(confirmation_csv("y", "1", "no", "n", "0")));
    BOOST_TEST(v.approved_rows == rows({1, 2}), boost::test_tools::per_element());
    // An approve column left empty is forgotten (or the wrong column filled), not "none": refused.
    v = check(parse_approved_csv(confirmation_csv("", "", "", "", "")));
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.message == "approval refused: the .approved.csv file approves none of the 3 eligible rows: its "
                            "approve column is empty. Write yes (or y, x, 1) in it for the rows to submit; to submit "
                            "none, write no in it; nothing was submitted",
               v.message);
    // Nothing approved, said in so many words, is a decision: the batch ends with nothing submitted.
    v = check(parse_approved_csv(confirmation_csv("no", "", "", "", "")));
    BOOST_TEST(v.accepted, v.message);
    BOOST_TEST(v.approved_rows.empty());
    BOOST_TEST(v.message == "0 of 3 eligible rows approved by the operator");
}

BOOST_AUTO_TEST_CASE(unreadable_approve_value_is_an_error_naming_the_line)
{
    auto in = parse_approved_csv(confirmation_csv("yes", "ok", "", "", ""));
    BOOST_REQUIRE(in.has_value());
    BOOST_REQUIRE(in->problems.size() == 1u);
    BOOST_TEST(in->problems[0].find("line 3 (row 2)") != std::string::npos, in->problems[0]);
    BOOST_TEST(in->problems[0].find("'ok'") != std::string::npos);
    auto v = check(in);
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.message.find("has mistakes (line 3 (row 2)") != std::string::npos, v.message);
}

BOOST_AUTO_TEST_CASE(excel_semicolons_lf_and_reordered_columns)
{
    auto v = check(parse_approved_csv(confirmation_csv("x", "x", "x", "", "", ';', "\n")));
    BOOST_TEST(v.accepted, v.message);
    BOOST_TEST(v.approved_rows == rows({1, 2}), boost::test_tools::per_element());
    BOOST_TEST(v.notes.size() == 1u);  // row 3 is REJECTED

    // Only the columns that matter, in another order, headers spelt differently, rows sorted.
    std::string minimal = "Approve\tExternal Order Number\tROW\r\n"
                          "\t00417\t4\r\nyes\tHR-1002\t2\r\n\tHR-1001\t1\r\n\tHR-1003\t3\r\n\t\t5\r\n";
    v = check(parse_approved_csv(minimal));
    BOOST_TEST(v.accepted, v.message);
    BOOST_TEST(v.approved_rows == rows({2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(excel_dropping_leading_zeros_and_neutralised_cells_still_match)
{
    std::string csv = "row,external_order_number,service_id,approve\n"
                      "1,HR-1001,38390017,\n2,HR-1002,38390048,\n3,HR-1003,38390079,\n"
                      "4,417,38390110,y\n5,,,\n";
    auto v = check(parse_approved_csv(csv));
    BOOST_TEST(v.accepted, v.message);
    BOOST_TEST(v.approved_rows == rows({4}), boost::test_tools::per_element());

    // A value the report neutralised with an apostrophe comes back with it.
    ConfirmedBatch b = batch();
    b.rows[0].external_order_number = "-7";
    std::string neutral = "row,external_order_number,approve\n1,'-7,x\n2,HR-1002,\n3,HR-1003,\n4,00417,\n5,,\n";
    auto in = parse_approved_csv(neutral);
    BOOST_REQUIRE(in.has_value());
    auto v2 = check_approval(*in, b, later, later, 24h);
    BOOST_TEST(v2.accepted, v2.message);
    BOOST_TEST(v2.approved_rows == rows({1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_confirmation_of_other_content_is_refused_as_changed)
{
    // Saved from an earlier confirmation: row 2 held another order then.
    std::string csv = confirmation_csv("x", "x", "", "", "");
    auto pos = csv.find("HR-1002");
    csv.replace(pos, 7, "HR-2002");
    auto v = check(parse_approved_csv(csv));
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.approved_rows.empty());
    BOOST_TEST(v.message.find("does not match the confirmed batch") != std::string::npos, v.message);
    BOOST_TEST(v.message.find("row 2 has external order number 'HR-2002', the confirmation 'HR-1002'") !=
                   std::string::npos,
               v.message);

    // A service id changed under the same order number.
    std::string csv2 = confirmation_csv("x", "", "", "", "");
    csv2.replace(csv2.find("38390048"), 8, "38390049");
    v = check(parse_approved_csv(csv2));
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.message.find("row 2 has service id '38390049'") != std::string::npos, v.message);

    // Rows deleted or added.
    std::string fewer = "row,external_order_number,approve\n1,HR-1001,x\n2,HR-1002,x\n";
    v = check(parse_approved_csv(fewer));
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.message.find("row 3 is missing") != std::string::npos, v.message);
    std::string more = confirmation_csv("", "", "", "", "") + "6,HR-1006,38390141,,,,,,,,APPROVED,,x\r\n";
    v = check(parse_approved_csv(more));
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.message.find("row 6 is not in the confirmed batch") != std::string::npos, v.message);
}

// An unknown row, a changed service id, a bad approve cell and an ineligible row approved: one
// refusal lists them all, so the operator corrects the file in one go, not one run per mistake.
BOOST_AUTO_TEST_CASE(every_problem_of_an_approval_is_listed_at_once)
{
    std::string csv = confirmation_csv("x", "maybe", "x", "", "") + "9,HR-1009,38390999,,,,,,,,APPROVED,,x\r\n";
    csv.replace(csv.find("38390017"), 8, "38390018");
    auto v = check(parse_approved_csv(csv));
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.approved_rows.empty());
    for (const std::string part :
         {"approve holds 'maybe'", "row 9 is not in the confirmed batch", "row 1 has service id '38390018'",
          "approves rows that are not eligible (row 3 (HR-1003) is REJECTED", "nothing was submitted"})
        BOOST_TEST(v.message.find(part) != std::string::npos, part << " in: " << v.message);

    // A .approve naming an unknown number and an ineligible one: both said.
    v = check(parse_approve_file("HR-1003\nHR-7777\n"));
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.message.find("names external order number HR-7777 that this batch does not hold") != std::string::npos,
               v.message);
    BOOST_TEST(v.message.find("row 3 (HR-1003) is REJECTED") != std::string::npos, v.message);
}

BOOST_AUTO_TEST_CASE(excel_scientific_numbers_get_a_hint)
{
    std::string csv = "row,external_order_number,approve\n1,HR-1001,x\n2,HR-1002,\n3,HR-1003,\n4,4.17E+02,\n5,,\n";
    auto v = check(parse_approved_csv(csv));
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.message.find("format those columns as Text") != std::string::npos, v.message);
}

BOOST_AUTO_TEST_CASE(missing_columns_and_bad_rows_are_errors)
{
    auto in = parse_approved_csv("row,external_order_number,service_id\n1,HR-1001,38390017\n");
    BOOST_REQUIRE(!in.has_value());
    BOOST_TEST(in.error().message.find("no approve column") != std::string::npos, in.error().message);

    in = parse_approved_csv("external_order_number;approve\nHR-1001;x\n");
    BOOST_REQUIRE(!in.has_value());
    BOOST_TEST(in.error().message.find("no row column") != std::string::npos, in.error().message);

    // Mistakes in rows are gathered (check_approval refuses with all of them), not the first alone.
    in = parse_approved_csv("row,external_order_number,approve\nfirst,HR-1001,x\n");
    BOOST_REQUIRE(in.has_value());
    BOOST_REQUIRE(in->problems.size() == 1u);
    BOOST_TEST(in->problems[0].find("line 2: the row column holds 'first'") != std::string::npos, in->problems[0]);
    auto refused = check(in);
    BOOST_TEST(!refused.accepted);
    BOOST_TEST(refused.message.find("line 2: the row column holds 'first'") != std::string::npos, refused.message);

    in = parse_approved_csv("row,external_order_number,approve\n1,HR-1001,x\n1,HR-1001,x\n");
    BOOST_REQUIRE(in.has_value());
    BOOST_REQUIRE(in->problems.size() == 1u);
    BOOST_TEST(in->problems[0].find("row 1 appears twice") != std::string::npos, in->problems[0]);

    in = parse_approved_csv("row,external_order_number,approve\n1,\"HR-1001,x\n");
    BOOST_REQUIRE(!in.has_value());
    BOOST_TEST(in.error().message.find("never closed") != std::string::npos, in.error().message);

    // A cell over the tokenizer's limit is cut there, not silently emptied.
    in = parse_approved_csv("row,external_order_number,approve\n1,HR-1001," + std::string(70'000, 'x') + "\n");
    BOOST_REQUIRE(!in.has_value());
    BOOST_TEST(in.error().message.find("(line 2: a cell or line is too long)") != std::string::npos,
               in.error().message);

    in = parse_approved_csv("\xEF\xBB\xBF\r\n");
    BOOST_REQUIRE(!in.has_value());
    BOOST_TEST(in.error().message.find("empty") != std::string::npos, in.error().message);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(approved_rows_of_a_sheet)

// NAME.approved.xlsx as parse_approved_xlsx hands it over: the sheet's rows as cells (row 1 the
// header), Excel's booleans as TRUE/FALSE and numbers as their digits.
ApprovalTable sheet(const std::string& a1, const std::string& a2, const std::string& a4)
{
    ApprovalTable t;
    t.sheet = "confirmation";
    t.rows = {{1, {"row", "external_order_number", "service_id", "decision", "approve"}},
              {2, {"1", "HR-1001", "38390017", "APPROVED", a1}},
              {3, {"2", "HR-1002", "38390048", "APPROVED", a2}},
              {4, {"3", "HR-1003", "38390079", "REJECTED"}},
              {5, {}},
              {6, {"4", "00417", "38390110", "APPROVED", a4}},
              {7, {"5", "", "", "INVALID", ""}}};
    return t;
}

BOOST_AUTO_TEST_CASE(the_same_rules_as_the_csv_with_booleans_and_numbers)
{
    auto in = parse_approved_rows(sheet("TRUE", "FALSE", "1"));
    BOOST_REQUIRE(in.has_value());
    BOOST_TEST((in->source == ApprovalInput::Source::approved_xlsx));
    BOOST_TEST(in->rows.at(3).line == 6u);
    auto v = check(in);
    BOOST_TEST(v.accepted, v.message);
    BOOST_TEST(v.approved_rows == rows({1, 4}), boost::test_tools::per_element());
    v = check(parse_approved_rows(sheet("x", "yes", "")));
    BOOST_TEST(v.approved_rows == rows({1, 2}), boost::test_tools::per_element());
    // TRUE in a CSV (Excel writes a boolean so) means the same.
    v = check(parse_approved_csv(confirmation_csv("TRUE", "false", "", "", "")));
    BOOST_TEST(v.approved_rows == rows({1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(errors_name_the_sheet_and_cell)
{
    auto in = parse_approved_rows(sheet("yes", "#N/A", ""));
    BOOST_REQUIRE(in.has_value());
    BOOST_REQUIRE(in->problems.size() == 1u);
    BOOST_TEST(in->problems[0] == "sheet 'confirmation', cell E3 (row 2): approve holds '#N/A'; write yes, y, x "
                                  "or 1 to approve the row, or leave it empty");
    ApprovalTable t = sheet("", "", "");
    t.rows[2].cells[0] = "two";
    in = parse_approved_rows(t);
    BOOST_REQUIRE(in.has_value());
    BOOST_REQUIRE(in->problems.size() == 1u);
    BOOST_TEST(in->problems[0].find("sheet 'confirmation', cell A3: the row column holds 'two'") == 0u, in->problems[0]);
    t.rows[0].cells.pop_back();
    in = parse_approved_rows(t);
    BOOST_REQUIRE(!in.has_value());
    BOOST_TEST(in.error().message == "its header has no approve column; save the confirmation workbook back with its "
                                     "columns kept and the `approve` column filled");
    // A refusal names the .approved.xlsx file.
    auto mismatch = sheet("yes", "", "");
    mismatch.rows[1].cells[1] = "HR-9999";
    auto v = check(parse_approved_rows(mismatch));
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.message.find("the .approved.xlsx file does not match the confirmed batch (row 1 has external order "
                              "number 'HR-9999'") != std::string::npos, v.message);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(staleness)

BOOST_AUTO_TEST_CASE(an_approval_written_before_the_confirmation_is_refused)
{
    auto v = check(parse_approve_file("all\n"), confirmed_at - 1s, later);
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.message.find("before the confirmation it would approve") != std::string::npos, v.message);
    BOOST_TEST(v.message.find("nothing was submitted") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_confirmation_older_than_max_age_is_refused)
{
    auto v = check(parse_approve_file("all\n"), confirmed_at + 1h, confirmed_at + 25h, 24h);
    BOOST_TEST(!v.accepted);
    BOOST_TEST(v.message.find("older than approval.max_age (24h)") != std::string::npos, v.message);
    BOOST_TEST(v.message.find("confirmed anew") != std::string::npos, v.message);
    // Just inside the limit: fine.
    v = check(parse_approve_file("all\n"), confirmed_at + 1h, confirmed_at + 24h, 24h);
    BOOST_TEST(v.accepted);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(confirmation_csv_as_written_by_the_report_reads_back)
{
    auto rows = parse_confirmation_csv(confirmation_csv("", "", "", "", ""));
    BOOST_REQUIRE(rows.has_value());
    BOOST_REQUIRE(rows->size() == 5u);
    BOOST_TEST((*rows)[0].row == 1u);
    BOOST_TEST((*rows)[0].external_order_number == "HR-1001");
    BOOST_TEST((*rows)[0].service_id == "38390017");
    BOOST_TEST(((*rows)[0].decision == Decision::approved));
    BOOST_TEST(((*rows)[2].decision == Decision::rejected));
    BOOST_TEST((*rows)[2].reason == "service status is SUSPENDED, not ACTIVE");
    BOOST_TEST((*rows)[3].external_order_number == "00417");
    BOOST_TEST(((*rows)[4].decision == Decision::invalid));
    BOOST_TEST(!parse_confirmation_csv("a,b\n1,2\n").has_value());
}
