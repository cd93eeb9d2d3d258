// What an operator sees from `xferd check` and `xferd once` when the API misbehaves or a setting
// is wrong: a server error is not a decision (FAILED with retry, exit 1), a wrong
// tenant stops the batch untouched (exit 3, naming api.tenant), and check finds both the API's
// and the folders' problems. Rows whose confirm FAILED are counted in the closing line, in auto
// and in manual mode, and asked again.
#include "child_process.hpp"
#include "results_csv.hpp"
#include "sim_fixture.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include "xferd/batch/report.hpp"
#include "xferd_cli.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>
#include <thread>

using namespace xferd;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using test::run_xferd;

fs::path write_config(const test::TempDir& dir, test::SimFixture& sim, const std::string& tenant,
                      const std::string& inbox = "inbox", int max_attempts = 2, const std::string& more_api = "")
{
    fs::create_directories(dir / "inbox");
    std::ofstream(dir / "client_secret") << test::demo::client_secret;
    std::ofstream(dir / "password") << test::demo::password;
    std::ofstream(dir / "xferd.yaml") << "api:\n  base_url: " << sim.base_url() << "\n  token_url: " << sim.token_url()
                                     << "\n  tenant: " << tenant << "\n  client_id: demo-client\n"
                                        "  client_secret_file: client_secret\n  username: command://svc-offboarding\n"
                                        "  password_file: password\n  ca_file: " << sim.ca_file()
                                     << "\n  max_attempts: " << max_attempts << "\n  retry_base_delay: 20ms\n" << more_api
                                     << "inbox:\n  - path: " << inbox
                                     << "\nwatch:\n  settle: 0s\nstate_dir: state\n";
    return dir / "xferd.yaml";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(api_trouble_cli)

BOOST_AUTO_TEST_CASE(check_makes_an_authenticated_call_and_names_a_wrong_tenant)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto good = run_xferd(dir, {"check", "--config", write_config(dir, sim, test::demo::tenant).string()});
    BOOST_TEST(good.status == 0, good.err);
    BOOST_TEST(has(good.out, "# API: OK (GET /me answered for tenant ACME)"), good.out);
    BOOST_TEST(has(good.out, "# inboxes and state_dir: OK"), good.out);

    auto wrong = run_xferd(dir, {"check", "--config", write_config(dir, sim, "NOT-OURS").string()});
    BOOST_TEST(wrong.status == 3, wrong.out << wrong.err);
    BOOST_TEST(has(wrong.err, "GET /me failed"), wrong.err);
    BOOST_TEST(has(wrong.err, "check api.tenant"), wrong.err);
}

BOOST_AUTO_TEST_CASE(check_names_a_missing_inbox)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto r = run_xferd(dir, {"check", "--config", write_config(dir, sim, test::demo::tenant, "no-such-folder").string()});
    BOOST_TEST(r.status == 2, r.out << r.err);
    BOOST_TEST(has(r.err, "inbox[0].path"), r.err);
    BOOST_TEST(has(r.err, "no-such-folder does not exist"), r.err);
}

BOOST_AUTO_TEST_CASE(once_with_a_wrong_tenant_stops_untouched_with_exit_3_and_goes_through_once_fixed)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_config(dir, sim, "NOT-OURS");
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), dir / "inbox/eu.csv");
    auto r = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 3, r.out << r.err);
    BOOST_TEST(has(r.out + r.err, "api.tenant"), r.out << r.err);
    BOOST_TEST(!fs::exists(output_paths_for(dir / "inbox/eu.csv").results_csv));
    BOOST_TEST(sim.audit_entries().empty());

    write_config(dir, sim, test::demo::tenant);
    auto again = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(again.status == 0, again.out << again.err);
    BOOST_TEST(sim.audit_entries().size() == 6u);
}

BOOST_AUTO_TEST_CASE(a_500_on_confirm_is_failed_not_rejected_and_once_exits_1)
{
    test::SimFixture sim;
    test::TempDir dir;
    // One attempt per call, so exactly the first two confirm calls meet the 500.
    auto config = write_config(dir, sim, test::demo::tenant, "inbox", 1);
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"confirm", 2, sim::FaultAction::status, 500, false});
        return 0;
    });
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), dir / "inbox/eu.csv");
    auto r = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 1, r.out << r.err);
    // The closing line says what happened to them, not "all fine" nor a decision.
    BOOST_TEST(has(r.out, "eu.csv: 6 rows: 4 approved, 0 rejected, 0 invalid; 4 submitted, 2 FAILED; 2 rows could not "
                          "be confirmed (API trouble, not a decision: see the message of each): they are asked again "
                          "at the next run"),
               r.out);
    const auto results_file = output_paths_for(dir / "inbox/eu.csv").results_csv;
    BOOST_TEST_REQUIRE(fs::exists(results_file));
    int failed = 0;
    for (const auto& row : test::read_csv_report(results_file)) {
        BOOST_TEST(row.at("decision") != "REJECTED", row.at("message"));
        if (row.at("status") != "FAILED") continue;
        ++failed;
        BOOST_TEST(has(row.at("message"), "HTTP 500"), row.at("message"));
        BOOST_TEST(has(row.at("message"), "asked again at the next run"), row.at("message"));
    }
    BOOST_TEST(failed == 2);
    BOOST_TEST(sim.audit_entries().size() == 4u, "the four confirmed rows were submitted, the two FAILED not");
    // The next run asks the two FAILED rows again, and only them.
    auto next = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(next.status == 0, next.out << next.err);
    BOOST_TEST(!has(next.out, "could not be confirmed"), next.out);
    BOOST_TEST(sim.audit_entries().size() == 6u);
}

// A SIGTERM while every row waits out a long Retry-After ends `once` at once, not after the
// wait (or the whole shutdown grace); nothing is decided, the batch resumes at the next run.
BOOST_AUTO_TEST_CASE(sigterm_during_a_retry_wait_exits_at_once)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_config(dir, sim, test::demo::tenant, "inbox", 5);
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"confirm", 100000, sim::FaultAction::status, 503, false});
        s.faults.retry_after_s = 50;
        return 0;
    });
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), dir / "inbox/eu.csv");
    fs::remove(dir / "out.txt");
    fs::remove(dir / "err.txt");
    test::ChildProcess p({XFERD_BINARY_DIR "/xferd", "once", "--config", config.string()}, dir / "out.txt",
                         dir / "err.txt");
    // Wait until the confirms met their 503s (so every row is in its 50 s wait).
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    auto answered_503 = [&] {
        return sim.with_state([](sim::State& s) { return s.stats.requests["confirm"]["503"]; });
    };
    while (answered_503() < 6 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    BOOST_TEST_REQUIRE(answered_503() >= 6u);
    const auto t0 = std::chrono::steady_clock::now();
    p.signal(SIGTERM);
    auto st = p.wait_for(20s);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    BOOST_TEST_REQUIRE(st.has_value(), "xferd did not stop");
    BOOST_TEST(took < 5.0, "stopped in " << took << " s, not after the 50 s Retry-After or the 30 s grace");
    BOOST_TEST(sim.audit_entries().empty());
    BOOST_TEST(!fs::exists(output_paths_for(dir / "inbox/eu.csv").results_csv), "nothing was decided");
}

// An outage longer than api.outage_limit: `once` does not wait forever. The batch stops with no
// row decided or FAILED (exit 3, saying which setting ended the wait) and goes through at the
// next run once the API answers again.
BOOST_AUTO_TEST_CASE(an_outage_longer_than_outage_limit_ends_once_and_the_next_run_finishes)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_config(dir, sim, test::demo::tenant, "inbox", 2,
                               "  retry_max_delay: 100ms\n  outage_after: 1ms\n  outage_limit: 3s\n");
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"confirm", 100000, sim::FaultAction::status, 503, false});
        s.faults.retry_after_s = 0;
        return 0;
    });
    const fs::path input = dir / "inbox/eu.csv";
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), input);
    const auto t0 = std::chrono::steady_clock::now();
    auto down = run_xferd(dir, {"once", "--config", config.string()});
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    BOOST_TEST(down.status == 3, down.out << down.err);
    BOOST_TEST(took < 20.0, "ended after " << took << " s");
    BOOST_TEST(has(down.out, "api.outage_limit"), down.out);
    BOOST_TEST(has(down.err, "API outage"), down.err);
    BOOST_TEST(!fs::exists(output_paths_for(input).results_csv), "nothing was decided");
    BOOST_TEST(sim.audit_entries().empty());

    sim.with_state([](sim::State& s) {
        s.faults.sequence.clear();
        return 0;
    });
    auto up = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(up.status == 0, up.out << up.err);
    const auto rows = test::read_csv_report(output_paths_for(input).results_csv);
    std::size_t submitted = 0;
    for (const auto& r : rows) {
        BOOST_TEST(r.at("status") != "FAILED", r.at("message"));
        submitted += r.at("status") == "SUBMITTED";
    }
    BOOST_TEST(submitted > 0u);
    BOOST_TEST(sim.audit_entries().size() == submitted, "each approved row placed exactly once");
}

// Progress: on a terminal `once` redraws one line in place; off a terminal there is none.
BOOST_AUTO_TEST_CASE(progress_is_drawn_on_a_terminal_and_never_into_a_pipe)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_config(dir, sim, test::demo::tenant);
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), dir / "inbox/eu.csv");
    auto piped = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(piped.status == 0, piped.out << piped.err);
    BOOST_TEST(!has(piped.err, "\r"), piped.err);
    BOOST_TEST(!has(piped.out, "\r"), piped.out);

    // script(1) gives xferd a terminal; what it drew is script's output.
    fs::copy_file(test::source_path("samples/batches/offboarding-2026-11.json"), dir / "inbox/again.json");
    auto text = std::string(XFERD_BINARY_DIR "/xferd once --config ") + config.string();
    test::ChildProcess p({"/usr/bin/script", "-qec", text, "/dev/null"}, dir / "tty.txt", dir / "tty.err");
    BOOST_TEST_REQUIRE(p.wait_for(60s).has_value());
    const std::string drawn = test::read_text(dir / "tty.txt");
    BOOST_TEST(has(drawn, "\r\033[Kagain.json: confirming "), drawn);
}

// Manual mode: rows whose confirm FAILED are counted in the closing line while the batch waits,
// and asked again once the batch is approved.
BOOST_AUTO_TEST_CASE(failed_confirms_in_manual_mode_are_said_while_waiting)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_config(dir, sim, test::demo::tenant, "inbox", 1);
    std::string yaml = test::read_text(config);
    yaml.replace(yaml.find("watch:"), 6, "approval:\n  mode: manual\nwatch:");
    std::ofstream(config) << yaml;
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"confirm", 2, sim::FaultAction::status, 500, false});
        return 0;
    });
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), dir / "inbox/eu.csv");
    auto r = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 1, r.out << r.err);
    BOOST_TEST(has(r.out, "2 rows could not be confirmed (API trouble, not a decision: see the message of each), "
                          "asked again once the batch is approved"),
               r.out);
    std::ofstream(dir / "inbox/eu.approve") << "all\n";
    auto approved = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(sim.audit_entries().size() == 4u, approved.out << approved.err);
    BOOST_TEST(approved.status == 1, approved.out << approved.err);
    BOOST_TEST(has(approved.out, "4 submitted, 2 FAILED; 2 rows could not be confirmed (API trouble, not a decision: "
                                 "see the message of each): they are asked again at the next run"),
               approved.out);
    // Asked again: confirmed now, they wait for the operator's word like any confirmed row.
    auto next = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(next.status == 0, next.out << next.err);
    BOOST_TEST(has(next.out, "6 eligible, 0 rejected, 0 invalid; 4 submitted; WAITING FOR YOUR APPROVAL"), next.out);
    BOOST_TEST(!has(next.out, "could not be confirmed"), next.out);
    std::ofstream(dir / "inbox/eu.approve") << "# the two asked again\nall\n";
    auto last = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(last.status == 0, last.out << last.err);
    BOOST_TEST(sim.audit_entries().size() == 6u, last.out << last.err);
}


BOOST_AUTO_TEST_SUITE_END()
