// The batch's HTML report as text: which label a row gets at each stage, the order rows are
// listed in, counts that add up, the manual-approval steps, escaping of hostile values, caps
// for big batches, and streaming (a 200,000-row batch never held in memory). The same pages
// in a real browser: test_report_browser.
#include <boost/test/unit_test.hpp>

#include "html_text.hpp"
#include "report_fixtures.hpp"
#include "report_text.hpp"
#include "xferd/batch/report_html.hpp"
#include "xferd/batch/report_html_parts.hpp"

#include <algorithm>
#include <regex>

using namespace xferd;
using namespace xferd::test;

namespace {

std::string render_sorted(std::vector<RowRecord> rows, ReportStage stage, ApprovalMode mode)
{
    sort_for_report(rows, stage);
    return render_report_html(header_for(rows, stage, mode), rows);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(labels_and_order)

BOOST_AUTO_TEST_CASE(an_eligible_row_is_approved_only_when_the_mode_approves_by_itself)
{
    RowRecord r = fine_row(1);
    BOOST_TEST(to_string(row_label(r, ReportStage::waiting_for_approval, ApprovalMode::manual)) == "ELIGIBLE");
    BOOST_TEST(to_string(row_label(r, ReportStage::submitting, ApprovalMode::manual)) == "ELIGIBLE");
    BOOST_TEST(to_string(row_label(r, ReportStage::held, ApprovalMode::automatic)) == "ELIGIBLE");
    BOOST_TEST(to_string(row_label(r, ReportStage::confirmed, ApprovalMode::automatic)) == "APPROVED");
    r.status = RowStatus::not_submitted;
    r.message = "dry-run: approved, not submitted";
    BOOST_TEST(to_string(row_label(r, ReportStage::done, ApprovalMode::dry_run)) == "ELIGIBLE");
    r.message = "eligible, but not approved by the operator";
    BOOST_TEST(to_string(row_label(r, ReportStage::done, ApprovalMode::manual)) == "NOT SUBMITTED");
    BOOST_TEST(to_string(row_label(submitted_row(2), ReportStage::done, ApprovalMode::manual)) == "SUBMITTED");
}

BOOST_AUTO_TEST_CASE(problems_come_first_in_the_order_the_operator_acts_on_them)
{
    auto rows = finished_batch(12);
    sort_for_report(rows, ReportStage::done);
    std::vector<std::string> labels;
    for (const auto& r : rows) labels.emplace_back(to_string(row_label(r, ReportStage::done, ApprovalMode::automatic)));
    std::vector<std::string> expected = {"FAILED", "FAILED", "IN DOUBT", "REJECTED", "REJECTED", "INVALID", "DUPLICATE"};
    expected.resize(expected.size() + 12, "SUBMITTED");
    BOOST_TEST(labels == expected, boost::test_tools::per_element());
    BOOST_TEST(rows[7].row == 1u);  // the fine rows by row number
    for (const auto& r : rows)
        BOOST_TEST(is_problem_rank(report_rank(r, ReportStage::done)) ==
                   is_problem(row_label(r, ReportStage::done, ApprovalMode::automatic)));
}

BOOST_AUTO_TEST_CASE(a_row_whose_confirmation_could_not_be_asked_for_failed)
{
    auto problems = problem_rows(1);
    const RowRecord& r = problems[1];
    BOOST_REQUIRE(r.decision == Decision::rejected);
    BOOST_TEST(to_string(row_label(r, ReportStage::waiting_for_approval, ApprovalMode::manual)) == "FAILED");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(page)

BOOST_AUTO_TEST_CASE(the_summary_adds_up_and_problems_are_listed_first_with_what_to_do)
{
    std::string html = render_sorted(finished_batch(12), ReportStage::done, ApprovalMode::automatic);
    std::string text = visible_text(html);
    BOOST_TEST(text.find("12 SUBMITTED + 2 FAILED + 1 IN DOUBT + 2 REJECTED + 1 INVALID + 1 DUPLICATE = 19 rows in the file") !=
               std::string::npos);
    BOOST_TEST(text.find("Done: 7 rows need your attention") != std::string::npos);
    BOOST_TEST(text.find("Needs your attention (7)") < text.find("Everything else (12)"));
    auto b = badges(html);
    BOOST_REQUIRE(b.size() == 19u);
    BOOST_TEST(b[0] == "FAILED");
    BOOST_TEST(b[6] == "DUPLICATE");
    BOOST_TEST(b[7] == "SUBMITTED");
    // Every problem row says what to do; no fine row does.
    BOOST_TEST(std::count(b.begin(), b.end(), "SUBMITTED") == 12);
    std::size_t todos = 0;
    for (std::size_t at = 0; (at = html.find("What to do:", at)) != std::string::npos; ++at) ++todos;
    BOOST_TEST(todos == 7u);
    BOOST_TEST(text.find("do not place it again by hand") != std::string::npos);
    BOOST_TEST(text.find("File says 2035551016") != std::string::npos);  // the mismatch, both numbers
    BOOST_TEST(text.find("MobProc has 2035559999") != std::string::npos);
    BOOST_TEST(text.find("offboarding-2026-11.results.csv") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(manual_mode_waits_with_the_exact_files_to_drop_and_says_eligible)
{
    auto rows = fine_rows(5, false);
    rows.push_back(problem_rows(6)[5]);  // one INVALID
    std::string html = render_sorted(rows, ReportStage::waiting_for_approval, ApprovalMode::manual);
    std::string text = visible_text(html);
    BOOST_TEST(text.find("Waiting for your approval until 2026-12-01 13:12 UTC: here is how") != std::string::npos);
    BOOST_TEST(text.find("Nothing has been submitted yet. 5 rows passed every check (ELIGIBLE); 1 row needs attention") !=
               std::string::npos);
    BOOST_TEST(text.find("create a text file named offboarding-2026-11.approve that holds the one word all") !=
               std::string::npos);
    BOOST_TEST(text.find("save it in the same folder as offboarding-2026-11.approved.xlsx") != std::string::npos);
    BOOST_TEST(text.find("save it in the same folder as offboarding-2026-11.approved.csv") != std::string::npos);
    BOOST_TEST(text.find("5 ELIGIBLE + 1 INVALID = 6 rows in the file") != std::string::npos);
    auto b = badges(html);
    BOOST_TEST(std::count(b.begin(), b.end(), "ELIGIBLE") == 5);
    BOOST_TEST(html.find("APPROVED<") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_refused_approval_and_a_held_batch_say_why)
{
    auto rows = fine_rows(2, false);
    auto h = header_for(rows, ReportStage::waiting_for_approval, ApprovalMode::manual);
    h.approval_problem = "approval refused: the .approve file names external order number X-1, which the batch does not hold";
    std::string text = visible_text(render_report_html(h, rows));
    BOOST_TEST(text.find("Your last approval was not accepted. approval refused: the .approve file names external "
                         "order number X-1, which the batch does not hold. Correct it") != std::string::npos);

    auto held = header_for(rows, ReportStage::held, ApprovalMode::automatic);
    held.gate_message = "3 of 4 rows (75%) are INVALID or REJECTED, more than approval.max_reject_ratio allows; "
                        "nothing was submitted. Check the column mapping and the file, then drop it again.";
    text = visible_text(render_report_html(held, rows));
    BOOST_TEST(text.find("Held: nothing was submitted 3 of 4 rows (75%)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hostile_values_are_text_never_markup)
{
    const std::string attack = "\"><script>alert(1)</script><img src=x onerror=alert(2)>' onmouseover='x";
    RowRecord r = fine_row(1);
    for (std::string* field : {&r.external_order_number, &r.service_id, &r.service_number, &r.personal_email,
                               &r.contact_number, &r.message, &r.order_id, &r.confirmation.account_holder,
                               &r.confirmation.department, &r.confirmation.device, &r.confirmation.imei,
                               &r.confirmation.carrier, &r.confirmation.contract_end, &r.confirmation.service_status,
                               &r.confirmed_at})
        *field = attack;
    r.status = RowStatus::failed;
    std::vector<RowRecord> rows{r};
    auto h = header_for(rows, ReportStage::done, ApprovalMode::automatic, "javascript:alert(3)\".csv");
    h.gate_message = h.approval_problem = attack;
    std::string html = render_report_html(h, rows);
    BOOST_TEST(html.find("<script") == std::string::npos);
    BOOST_TEST(html.find("<img") == std::string::npos);
    auto occurrences = [&](const std::string& s) {
        std::size_t n = 0;
        for (std::size_t at = 0; (at = html.find(s, at)) != std::string::npos; ++at) ++n;
        return n;
    };
    BOOST_TEST(occurrences("<td ") == 7u);  // no value closed a cell or opened an element
    BOOST_TEST(occurrences("<h1") == 1u);
    BOOST_TEST(html.find("title=\"/srv/xferd/inbox/hr/javascript:alert(3)&quot;.results.csv\"") != std::string::npos);
    BOOST_TEST(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    BOOST_TEST(html.find("href=\"./javascript%3Aalert%283%29%22.results.csv\"") != std::string::npos);
    std::regex href("href=\"([^\"]*)\"");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator(); ++it)
        BOOST_TEST((*it)[1].str().starts_with("./"));
}

BOOST_AUTO_TEST_CASE(a_64_kib_value_is_cut_on_the_page)
{
    RowRecord r = fine_row(1);
    r.confirmation.department = std::string(64 * 1024 - 1, 'x') + "\xC3\xA9";  // ends in "é"
    r.confirmation.device = std::string(199, 'd') + "\xC3\xA9";             // "é" across the cut
    std::string html = render_report_html(header_for({r}, ReportStage::done, ApprovalMode::automatic), {r});
    BOOST_TEST(html.size() < 30'000u);
    BOOST_TEST(html.find(std::string(200, 'x') + "&hellip; <span class=\"sub\">(65,337 more bytes, in the CSV)") !=
               std::string::npos);
    BOOST_TEST(html.find(std::string(199, 'd') + "&hellip;") != std::string::npos);  // never half a character
}

BOOST_AUTO_TEST_CASE(each_stage_says_where_the_batch_is)
{
    struct Case {
        ReportStage stage;
        ApprovalMode mode;
        bool submitted;
        const char* banner;
        const char* first_badge;
    };
    for (const Case& c : {Case{ReportStage::confirmed, ApprovalMode::automatic, false, "Checked: submitting now", "APPROVED"},
                          Case{ReportStage::submitting, ApprovalMode::automatic, true, "Submitting: 3 placed so far", "SUBMITTED"},
                          Case{ReportStage::submitting, ApprovalMode::manual, false, "Submitting: 0 placed so far", "ELIGIBLE"},
                          Case{ReportStage::held, ApprovalMode::automatic, false, "Held: nothing was submitted", "ELIGIBLE"},
                          Case{ReportStage::done, ApprovalMode::dry_run, false, "Dry run: checked only, nothing submitted", "ELIGIBLE"},
                          Case{ReportStage::done, ApprovalMode::manual, false, "Done: 0 placed, 3 rows left out 0 orders placed. The rows marked NOT SUBMITTED", "NOT SUBMITTED"}}) {
        BOOST_TEST_CONTEXT(to_string(c.stage) << " " << c.banner) {
            std::string html = render_sorted(fine_rows(3, c.submitted), c.stage, c.mode);
            BOOST_TEST(visible_text(html).find(c.banner) != std::string::npos);
            BOOST_TEST(badges(html).front() == c.first_badge);
        }
    }
    auto rows = finished_batch(2);
    for (auto& r : rows)
        if (r.status == RowStatus::failed || r.status == RowStatus::duplicate) r.status = RowStatus::in_doubt;
    std::string text = visible_text(render_sorted(rows, ReportStage::in_doubt, ApprovalMode::automatic));
    BOOST_TEST(text.find("4 rows in doubt These orders were sent but no answer came back") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_big_batch_lists_every_problem_and_caps_the_rest)
{
    auto rows = fine_rows(3000, true);
    for (auto& p : problem_rows(3001)) rows.push_back(p);
    std::string html = render_sorted(rows, ReportStage::done, ApprovalMode::automatic);
    auto b = badges(html);
    BOOST_TEST(b.size() == 1007u);
    BOOST_TEST(std::count(b.begin(), b.end(), "SUBMITTED") == 1000);
    std::string text = visible_text(html);
    BOOST_TEST(text.find("Everything else (3,000) The first 1,000 of 3,000 are listed here; every row is in "
                         "offboarding-2026-11.results.csv.") != std::string::npos);
    BOOST_TEST(text.find("2,000 more rows are not listed here") != std::string::npos);
    BOOST_TEST(text.find("3,000 SUBMITTED + 2 FAILED") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_200000_row_batch_streams_in_bounded_pieces)
{
    std::vector<RowRecord> problems = problem_rows(200'001);
    ReportHeader h = header_for(problems, ReportStage::done, ApprovalMode::automatic);
    h.counts.add(RowLabel::submitted, 200'000);
    std::size_t bytes = 0, pieces = 0, largest = 0;
    HtmlReport report(h, [&](std::string_view s) {
        bytes += s.size();
        largest = std::max(largest, s.size());
        ++pieces;
    });
    for (const auto& p : problems) report.add(p);
    for (std::size_t i = 1; i <= 200'000; ++i) report.add(submitted_row(i));  // as a store cursor would
    HtmlReportEnd end = report.finish();
    BOOST_TEST(end.counts_match);
    BOOST_TEST(end.listed == 1007u);
    BOOST_TEST(bytes < 4'000'000u);   // a page a browser opens at once
    BOOST_TEST(largest < 64'000u);    // nothing is accumulated: head, then a row at a time
    BOOST_TEST(pieces > 1000u);
}

BOOST_AUTO_TEST_CASE(rows_that_do_not_match_the_summary_are_flagged_on_the_page)
{
    auto rows = fine_rows(3, true);
    auto h = header_for(rows, ReportStage::done, ApprovalMode::automatic);
    rows.pop_back();
    std::string html;
    HtmlReport report(h, [&](std::string_view s) { html += s; });
    for (const auto& r : rows) report.add(r);
    BOOST_TEST(!report.finish().counts_match);
    BOOST_TEST(visible_text(html).find("This page is inconsistent: its summary counts 3 rows, but 2 were handed to it") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_empty_list_of_problems_says_so)
{
    std::string text = visible_text(render_sorted(fine_rows(2, true), ReportStage::done, ApprovalMode::automatic));
    BOOST_TEST(text.find("Done: every order placed 2 orders placed.") != std::string::npos);
    BOOST_TEST(text.find("Needs your attention (0) Nothing needs your attention. All rows (2)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(formatting)

BOOST_AUTO_TEST_CASE(times_dates_counts_and_links_read_as_a_person_expects)
{
    namespace rh = report_html;
    BOOST_TEST(rh::readable_time("2026-11-30T13:12:18Z") == "2026-11-30 13:12 UTC");
    BOOST_TEST(rh::readable_time("2026-11-30T13:12:18.123Z") == "2026-11-30 13:12 UTC");
    BOOST_TEST(rh::readable_time("yesterday <b>") == "yesterday <b>");
    BOOST_TEST(rh::readable_date("2019-06-07T00:00:00Z") == "2019-06-07");
    BOOST_TEST(rh::thousands(200000) == "200,000");
    BOOST_TEST(rh::thousands(999) == "999");
    BOOST_TEST(rh::thousands(1000) == "1,000");
    BOOST_TEST(rh::email("a.b@c.example") == "<span class=\"email\">a.<wbr>b<wbr>@c.<wbr>example</span>");
    BOOST_TEST(rh::number("356938035643809") == "<span class=\"num\">356938035643809</span>");
    BOOST_TEST(rh::number(std::string(29, '1')).find("num long") != std::string::npos);
    BOOST_TEST(rh::file_href("/srv/in/Q4 leavers #2.results.csv") == "./Q4%20leavers%20%232.results.csv");
}

BOOST_AUTO_TEST_SUITE_END()
