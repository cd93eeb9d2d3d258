// The cases seen in the field (issue 10), each as the operator meets it: `xferd once` as a child
// process, its exit status and stdout, the files next to the input, the calls the API received.
#include "results_csv.hpp"
#include "xferd_cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

using namespace xferd;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string header = "external_order_number,service_id,service_number,contact_number,personal_email\n";

// Services the simulator makes with --generate-services (ids 90000001…).
std::string generated_number(int i)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03d555%04d", 200 + (i / 10000) % 800, i % 10000);
    return buf;
}

std::string generated_row(int i, const std::string& prefix = "CASE-")
{
    return prefix + std::to_string(1000 + i) + "," + std::to_string(90000001 + i) + "," + generated_number(i) +
           ",4155550100,leaver" + std::to_string(i) + "@mail.example\n";
}

std::string generated_rows(int from, int to, const std::string& prefix = "CASE-")
{
    std::string s;
    for (int i = from; i < to; ++i) s += generated_row(i, prefix);
    return s;
}

xferd::sim::Options generated_sim(int services, std::chrono::milliseconds latency = 0ms)
{
    xferd::sim::Options o;
    o.generate_services = services;
    o.faults.latency = latency;
    return o;
}

std::map<std::string, int> submitted_times(test::SimFixture& sim)
{
    std::map<std::string, int> times;
    for (const auto& e : sim.audit_entries()) ++times[std::string(e.at("externalOrderNumber").as_string())];
    return times;
}

std::vector<std::string> column(const std::vector<test::CsvRow>& rows, const std::string& name)
{
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.at(name));
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(intake_cases)

// 1) An upload still writing the file: left for the next run, said by the exit status, nothing
//    called; once the writer has closed it (and settle passed) the whole file is processed.
BOOST_AUTO_TEST_CASE(a_file_still_being_uploaded_is_left_whole_for_the_next_run)
{
    test::SimFixture sim(generated_sim(20));
    test::TempDir dir;
    auto config = write_cli_config(dir, sim).string();
    const fs::path input = dir / "inbox/upload.csv";
    int fd = ::open(input.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    BOOST_TEST_REQUIRE(fd >= 0);
    const std::string first = header + generated_rows(0, 5) + "CASE-1005,900000";   // half a row so far
    BOOST_TEST_REQUIRE(::write(fd, first.data(), first.size()) == static_cast<ssize_t>(first.size()));
    // Written a moment ago, but settle is 0: it is the open descriptor that says "not yet".
    std::this_thread::sleep_for(50ms);
    auto open_run = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(open_run.status == 1, open_run.out << open_run.err);
    BOOST_TEST(open_run.out.find("upload.csv: not processed: still open for writing") != std::string::npos,
               open_run.out);
    BOOST_TEST(test::api_calls(sim) == 0u);
    BOOST_TEST(!fs::exists(dir / "inbox/upload.results.csv"));

    const std::string rest = "06,2005550005,4155550100,leaver5@mail.example\n" + generated_rows(6, 10);
    BOOST_TEST_REQUIRE(::write(fd, rest.data(), rest.size()) == static_cast<ssize_t>(rest.size()));
    ::close(fd);
    auto closed = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(closed.status == 0, closed.out << closed.err);
    auto results = test::read_csv_report(dir / "inbox/upload.results.csv");
    BOOST_TEST(results.size() == 10u);
    for (const auto& r : results) BOOST_TEST(r.at("status") == "SUBMITTED", r.at("row") << ": " << r.at("message"));
    auto times = submitted_times(sim);
    BOOST_TEST(times.size() == 10u);
    for (const auto& [eon, n] : times) BOOST_TEST(n == 1, eon);
}

// 1b) The same with a file modified within watch.settle (a writer that closes between chunks).
BOOST_AUTO_TEST_CASE(a_file_modified_within_settle_is_left_for_the_next_run)
{
    test::SimFixture sim(generated_sim(20));
    test::TempDir dir;
    test::CliConfig c;
    c.settle = "2s";
    auto config = write_cli_config(dir, sim, c).string();
    std::ofstream(dir / "inbox/chunks.csv") << header << generated_rows(0, 3);
    auto early = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(early.status == 1, early.out << early.err);
    BOOST_TEST(early.out.find("chunks.csv: not processed: still being written") != std::string::npos, early.out);
    BOOST_TEST(test::api_calls(sim) == 0u);

    std::ofstream(dir / "inbox/chunks.csv", std::ios::app) << generated_rows(3, 6);
    std::this_thread::sleep_for(2500ms);   // settle passes: a matter of the clock, nothing to poll
    auto settled = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(settled.status == 0, settled.out << settled.err);
    BOOST_TEST(test::read_csv_report(dir / "inbox/chunks.results.csv").size() == 6u);
    BOOST_TEST(sim.audit_entries().size() == 6u);
}

// 3) SIGTERM mid-batch, then the input moved out of the inbox: the next once finishes the batch
//    from its snapshot, every row submitted exactly once.
BOOST_AUTO_TEST_CASE(a_batch_stopped_by_sigterm_resumes_from_its_snapshot_after_the_input_moved)
{
    constexpr int rows = 120;
    test::SimFixture sim(generated_sim(rows, 15ms));
    test::TempDir dir;
    test::CliConfig c;
    c.concurrency = 2;
    auto config = write_cli_config(dir, sim, c).string();
    std::ofstream(dir / "inbox/leavers.csv") << header << generated_rows(0, rows);
    {
        test::ChildProcess p({test::xferd_binary, "once", "--config", config}, dir / "term.out", dir / "term.err");
        auto end = std::chrono::steady_clock::now() + 60s;
        while (sim.audit_entries().size() < 5 && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(10ms);
        BOOST_TEST_REQUIRE(sim.audit_entries().size() >= 5u, "no submit started");
        p.signal(SIGTERM);
        auto st = p.wait_for(20s);
        BOOST_TEST_REQUIRE(st.has_value());
        BOOST_TEST((*st == 0 || *st == 1), "SIGTERM exit status " << *st);
    }
    BOOST_TEST_REQUIRE(sim.audit_entries().size() < static_cast<std::size_t>(rows), "finished before the stop");
    fs::create_directories(dir / "elsewhere");
    fs::rename(dir / "inbox/leavers.csv", dir / "elsewhere/leavers.csv");

    auto resumed = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(resumed.status == 0, resumed.out << resumed.err);
    auto times = submitted_times(sim);
    BOOST_TEST(times.size() == static_cast<std::size_t>(rows));
    for (const auto& [eon, n] : times) BOOST_TEST(n == 1, eon << " submitted " << n << " times");
    auto results = test::read_csv_report(dir / "inbox/leavers.results.csv");
    BOOST_TEST(results.size() == static_cast<std::size_t>(rows));
    for (const auto& r : results) BOOST_TEST(r.at("status") == "SUBMITTED", r.at("row"));
}

// 4) A file rewritten in place after its batch finished: the new content is a new batch and the
//    results describe the new rows.
BOOST_AUTO_TEST_CASE(a_file_rewritten_in_place_is_a_new_batch)
{
    test::SimFixture sim(generated_sim(20));
    test::TempDir dir;
    auto config = write_cli_config(dir, sim).string();
    std::ofstream(dir / "inbox/weekly.csv") << header << generated_rows(0, 3, "WEEK1-");
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config}).status == 0);
    std::ofstream(dir / "inbox/weekly.csv", std::ios::trunc) << header << generated_rows(3, 7, "WEEK2-");
    auto second = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(second.status == 0, second.out << second.err);
    auto results = test::read_csv_report(dir / "inbox/weekly.results.csv");
    BOOST_TEST((column(results, "external_order_number") ==
                std::vector<std::string>{"WEEK2-1003", "WEEK2-1004", "WEEK2-1005", "WEEK2-1006"}));
    for (const auto& r : results) BOOST_TEST(r.at("status") == "SUBMITTED");
    BOOST_TEST(test::read_csv_report(dir / "inbox/weekly.results.1.csv").size() == 3u, "the first results kept");
    BOOST_TEST(sim.audit_entries().size() == 7u);
}

// 5) The inbox turns read-only for xferd between the confirmation and the submit (an operator's
//    chmod; xferd runs as root here, so it runs through setpriv without CAP_DAC_OVERRIDE and obeys
//    the 0555 as the xferd user would): the orders are placed, the results cannot be written:
//    exit 1, and stdout names no results file that is not there. Once the folder is writable
//    again, the next run writes the results from the store without any API call.
BOOST_AUTO_TEST_CASE(a_read_only_inbox_gets_its_results_once_writable_without_any_call)
{
    test::SimFixture sim(generated_sim(20));
    test::TempDir dir;
    test::CliConfig c;
    c.mode = "manual";
    auto config = write_cli_config(dir, sim, c).string();
    std::ofstream(dir / "inbox/locked.csv") << header << generated_rows(0, 4);
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config}).status == 0);
    std::ofstream(dir / "inbox/locked.approve") << "all\n";
    fs::permissions(dir / "inbox", fs::perms(0555));
    test::XferdRun locked;
    {
        test::ChildProcess p({"/usr/bin/setpriv", "--bounding-set=-dac_override,-dac_read_search", test::xferd_binary,
                              "once", "--config", config},
                             dir / "ro.out", dir / "ro.err");
        auto st = p.wait_for(60s);
        BOOST_TEST_REQUIRE(st.has_value());
        locked.status = *st;
    }
    fs::permissions(dir / "inbox", fs::perms(0755));
    locked.out = test::read_text(dir / "ro.out");
    locked.err = test::read_text(dir / "ro.err");
    BOOST_TEST(locked.status == 1, locked.out << locked.err);
    BOOST_TEST(sim.audit_entries().size() == 4u, "the orders were placed");
    BOOST_TEST(!fs::exists(dir / "inbox/locked.results.csv"));
    BOOST_TEST(locked.out.find("the results could not be written") != std::string::npos, locked.out);
    BOOST_TEST(locked.out.find("-> " + (dir / "inbox/locked.results.csv").string()) == std::string::npos, locked.out);
    const auto calls = test::api_calls(sim);

    auto fixed = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(fixed.status == 0, fixed.out << fixed.err);
    auto results = test::read_csv_report(dir / "inbox/locked.results.csv");
    BOOST_TEST(results.size() == 4u);
    for (const auto& r : results) BOOST_TEST(r.at("status") == "SUBMITTED");
    BOOST_TEST(test::api_calls(sim) == calls, "written from the store");
    BOOST_TEST(sim.audit_entries().size() == 4u);
}

// 6) NAME.results.csv deleted by an operator: the next once writes it again from the store.
BOOST_AUTO_TEST_CASE(deleted_results_are_written_again_from_the_store_without_any_call)
{
    test::SimFixture sim(generated_sim(20));
    test::TempDir dir;
    auto config = write_cli_config(dir, sim).string();
    std::ofstream(dir / "inbox/gone.csv") << header << generated_rows(0, 4);
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config}).status == 0);
    const std::string before = test::read_text(dir / "inbox/gone.results.csv");
    const auto calls = test::api_calls(sim);
    fs::remove(dir / "inbox/gone.results.csv");
    auto again = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(again.status == 0, again.out << again.err);
    BOOST_TEST(test::read_text(dir / "inbox/gone.results.csv") == before);
    BOOST_TEST(test::api_calls(sim) == calls);
}

// 7) The same content under two names at once: the second is a duplicate naming the first.
BOOST_AUTO_TEST_CASE(the_same_content_under_two_names_is_a_duplicate_naming_the_first)
{
    test::SimFixture sim(generated_sim(20));
    test::TempDir dir;
    auto config = write_cli_config(dir, sim).string();
    const std::string content = header + generated_rows(0, 3);
    std::ofstream(dir / "inbox/a-first.csv") << content;
    std::ofstream(dir / "inbox/b-copy.csv") << content;
    auto r = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(r.out.find("b-copy.csv: not processed: duplicate: the same content") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("already taken as " + (dir / "inbox/a-first.csv").string()) != std::string::npos, r.out);
    BOOST_TEST(r.out.find("b-copy.csv: 0 rows") == std::string::npos, r.out);
    BOOST_TEST(test::read_text(dir / "inbox/b-copy.error.txt").find("a-first.csv") != std::string::npos);
    BOOST_TEST(!fs::exists(dir / "inbox/b-copy.results.csv"));
    BOOST_TEST(sim.audit_entries().size() == 3u);
    // And on the next run, nothing new is said or done about either.
    auto next = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(next.status == 0, next.out << next.err);
    BOOST_TEST(next.out.find("0 rows") == std::string::npos, next.out);
    BOOST_TEST(sim.audit_entries().size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
