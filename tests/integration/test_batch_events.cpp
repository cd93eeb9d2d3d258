// A batch run's end → how it counts in the metrics and which notification it sends, if any.
#include <boost/test/unit_test.hpp>

#include "temp_dir.hpp"

#include "xferd/service/batch_events.hpp"

#include <fstream>

using namespace xferd;
namespace fs = std::filesystem;
using std::chrono::system_clock;

namespace {

BatchOutcome outcome_for(const fs::path& input)
{
    BatchOutcome o;
    o.input = input;
    o.sha256 = "c0ffee";
    o.counts.rows = 3;
    o.counts.approved = 3;
    o.counts.submitted = 3;
    return o;
}

BatchOptions manual_options()
{
    BatchOptions opt;
    opt.approval.mode = ApprovalMode::manual;
    opt.approval.max_age = std::chrono::hours(24);
    return opt;
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_outcome_counts_once_as_one_result)
{
    BatchOutcome o = outcome_for("/in/a.csv");
    BOOST_TEST(to_string(*batch_result_of(o)) == "done");
    o.counts.in_doubt = 1;
    BOOST_TEST(to_string(*batch_result_of(o)) == "done_with_problems");
    o.counts.in_doubt = 0;
    o.counts.failed = 1;
    BOOST_TEST(to_string(*batch_result_of(o)) == "done_with_problems");
    using E = BatchOutcome::End;
    auto with = [&](E end) {
        BatchOutcome x = outcome_for("/in/a.csv");
        x.end = end;
        return batch_result_of(x);
    };
    BOOST_TEST(!with(E::nothing_to_do));
    BOOST_TEST(!with(E::left_for_later));
    BOOST_TEST(to_string(*with(E::rejected)) == "rejected");
    BOOST_TEST(to_string(*with(E::duplicate)) == "duplicate");
    BOOST_TEST(to_string(*with(E::held)) == "held");
    BOOST_TEST(to_string(*with(E::waiting_for_approval)) == "waiting_for_approval");
    BOOST_TEST(to_string(*with(E::interrupted)) == "interrupted");
    BOOST_TEST(to_string(*with(E::api_unavailable)) == "api_unreachable");
}

BOOST_AUTO_TEST_CASE(events_name_the_batch_its_counts_and_only_existing_reports)
{
    test::TempDir dir;
    fs::path input = dir / "offboarding.csv";
    std::ofstream(input) << "x\n";
    std::ofstream(dir / "offboarding.results.csv") << "x\n";
    std::ofstream(dir / "offboarding.log") << "x\n";
    BatchOutcome o = outcome_for(input);
    o.counts.failed = 1;
    auto now = system_clock::time_point(std::chrono::seconds(1'796'044'338));
    auto e = batch_event(o, BatchOptions{}, now, "host1");
    BOOST_REQUIRE(e);
    BOOST_TEST(to_string(e->kind) == "finished_with_problems");
    BOOST_TEST(e->state == "done_with_problems");
    BOOST_TEST(e->batch_file == input.string());
    BOOST_TEST(e->sha256 == "c0ffee");
    BOOST_TEST(e->counts.failed == 1u);
    BOOST_TEST(e->host == "host1");
    BOOST_TEST(*e->reports.results_csv == (dir / "offboarding.results.csv").string());
    BOOST_TEST(*e->reports.log == (dir / "offboarding.log").string());
    BOOST_TEST(!e->reports.confirmation_html);
    BOOST_TEST(!e->reports.error_file);
    BOOST_TEST(e->message.find("1 FAILED") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_waiting_batch_says_how_to_approve_and_until_when)
{
    test::TempDir dir;
    fs::path input = dir / "leavers.csv";
    std::ofstream(dir / "leavers.confirmation.html") << "x\n";
    std::ofstream(dir / "leavers.confirmation.csv") << "x\n";
    BatchOutcome o = outcome_for(input);
    o.end = BatchOutcome::End::waiting_for_approval;
    auto now = system_clock::time_point(std::chrono::seconds(1'796'044'338));
    auto e = batch_event(o, manual_options(), now, "h");
    BOOST_REQUIRE(e);
    BOOST_TEST(to_string(e->kind) == "waiting_for_approval");
    BOOST_TEST(e->approve_file == (dir / "leavers.approve").string());
    BOOST_TEST(e->approved_csv == (dir / "leavers.approved.csv").string());
    BOOST_TEST(e->approve_how.find("Review leavers.confirmation.html") == 0u);
    BOOST_TEST(iso8601_utc(*e->approve_until) == "2026-12-01T13:12:18Z");
    BOOST_TEST(*e->reports.confirmation_html == (dir / "leavers.confirmation.html").string());
}

BOOST_AUTO_TEST_CASE(held_rejected_and_done_have_their_kinds_and_the_rest_none)
{
    using E = BatchOutcome::End;
    auto kind_of = [](E end) -> std::string {
        BatchOutcome o = outcome_for("/nowhere/a.csv");
        o.end = end;
        auto e = batch_event(o, BatchOptions{}, system_clock::now(), "h");
        return e ? std::string(to_string(e->kind)) : "none";
    };
    BOOST_TEST(kind_of(E::finished) == "batch_done");
    BOOST_TEST(kind_of(E::held) == "batch_held");
    BOOST_TEST(kind_of(E::rejected) == "file_rejected");
    BOOST_TEST(kind_of(E::duplicate) == "none");
    BOOST_TEST(kind_of(E::interrupted) == "none");
    BOOST_TEST(kind_of(E::api_unavailable) == "none");
    BOOST_TEST(kind_of(E::nothing_to_do) == "none");
}

BOOST_AUTO_TEST_CASE(a_refused_approval_says_why)
{
    auto e = approval_refused_event("/in/leavers.csv", "c0ffee", "/in/leavers.approve",
                                    "approval refused: leavers.approve names 2 unknown external order numbers",
                                    system_clock::now(), "h");
    BOOST_TEST(to_string(e.kind) == "approval_refused");
    BOOST_TEST(e.state == "waiting_for_approval");
    BOOST_TEST(e.approval_file == "/in/leavers.approve");
    BOOST_TEST(e.refusal_reason.find("unknown external order numbers") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(report_batch_end_feeds_the_metrics)
{
    XferdMetrics m("t");
    BatchOutcome o = outcome_for("/nowhere/a.csv");
    o.counts.in_doubt = 2;
    report_batch_end(&m, nullptr, o, BatchOptions{});
    std::string text = m.render();
    BOOST_TEST(text.find("xferd_batches_total{outcome=\"done_with_problems\"} 1\n") != std::string::npos);
    BOOST_TEST(text.find("xferd_rows_in_doubt 2\n") != std::string::npos);
    o.end = BatchOutcome::End::nothing_to_do;
    report_batch_end(&m, nullptr, o, BatchOptions{});  // not counted
    BOOST_TEST(m.render().find("xferd_batches_total{outcome=\"done_with_problems\"} 1\n") != std::string::npos);
    BOOST_TEST(!host_name().empty());
}

BOOST_AUTO_TEST_CASE(the_reporter_counts_each_row_once_per_phase_across_runs_of_a_batch)
{
    XferdMetrics m("t");
    BatchReporter reporter(&m, nullptr);
    BatchOutcome waiting = outcome_for("/nowhere/review.csv");
    waiting.end = BatchOutcome::End::waiting_for_approval;
    waiting.counts.rows = 4;
    waiting.counts.invalid = 1;
    waiting.counts.submitted = 0;
    reporter.batch_end(waiting, manual_options());
    reporter.still_waiting(waiting, manual_options());   // looked at again: the gauge only
    std::string text = m.render();
    BOOST_TEST(text.find("xferd_rows_total{phase=\"validate\",outcome=\"valid\"} 3\n") != std::string::npos, text);
    BOOST_TEST(text.find("xferd_rows_total{phase=\"validate\",outcome=\"invalid\"} 1\n") != std::string::npos);
    BOOST_TEST(text.find("xferd_rows_total{phase=\"confirm\",outcome=\"approved\"} 3\n") != std::string::npos);
    BOOST_TEST(text.find("xferd_batches_total{outcome=\"waiting_for_approval\"} 1\n") != std::string::npos);
    BOOST_TEST(text.find("xferd_batches_waiting_for_approval 1\n") != std::string::npos);

    BatchOutcome done = waiting;   // the operator approved: submitted
    done.end = BatchOutcome::End::finished;
    done.counts.submitted = 3;
    reporter.batch_end(done, manual_options());
    text = m.render();
    BOOST_TEST(text.find("xferd_rows_total{phase=\"confirm\",outcome=\"approved\"} 3\n") != std::string::npos, text);
    BOOST_TEST(text.find("xferd_rows_total{phase=\"validate\",outcome=\"valid\"} 3\n") != std::string::npos);
    BOOST_TEST(text.find("xferd_rows_total{phase=\"submit\",outcome=\"submitted\"} 3\n") != std::string::npos);
    BOOST_TEST(text.find("xferd_batches_total{outcome=\"done\"} 1\n") != std::string::npos);
    BOOST_TEST(text.find("xferd_batches_waiting_for_approval 0\n") != std::string::npos);

    BatchOutcome duplicate = done;   // the same content again: nothing is counted
    duplicate.end = BatchOutcome::End::duplicate;
    reporter.batch_end(duplicate, BatchOptions{});
    BOOST_TEST(m.render().find("xferd_rows_total{phase=\"submit\",outcome=\"submitted\"} 3\n") != std::string::npos);
}
