// A whole batch through xferd's pipeline against mobproc-sim running in-process on 127.0.0.1:
// every row's decision and status in the results, and the simulator's audit holding exactly
// the approved rows, once each.
#include "xferd/batch/report.hpp"

#include "batch_harness.hpp"
#include "fixture_data.hpp"
#include "results_csv.hpp"
#include "sim_api_config.hpp"
#include "sim_fixture.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

using namespace xferd;
namespace fs = std::filesystem;

namespace {

const std::string fixtures_file = XFERD_SOURCE_DIR "/samples/sim/fixtures.yaml";

struct Expected {
    std::string decision;
    std::string status;
    std::string message_part;  // must appear in the results message
};

struct GeneratedBatch {
    std::string csv;
    std::map<std::string, Expected> by_eon;  // external order number → expectation
    std::vector<std::string> eon_by_row;     // row number - 1 → external order number
};

std::string csv_quote(const std::string& v)
{
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// 64 rows the way an Excel "CSV UTF-8" export writes them (BOM, CRLF, title-case headers),
// mixing valid rows with every kind of bad row.
GeneratedBatch make_mixed_batch()
{
    auto services = test::fixture_services(fixtures_file);
    std::vector<test::FixtureService> active, inactive;
    for (const auto& s : services) {
        if (s.id == "38382555") continue;  // the tutorial's line stays out of generated batches
        (s.status == "ACTIVE" ? active : inactive).push_back(s);
    }
    BOOST_TEST_REQUIRE(active.size() >= 50u);
    BOOST_TEST_REQUIRE(inactive.size() >= 2u);

    GeneratedBatch b;
    b.csv = "\xEF\xBB\xBF"
            "External Order Number,Service ID,Service Number,Contact Number,Personal Email,Additional Instructions,"
            "Employee Email\r\n";
    std::size_t next_active = 0;
    auto add = [&](std::string eon, std::vector<std::string> fields, Expected e) {
        std::string line = csv_quote(eon);
        for (auto& f : fields) line += "," + csv_quote(f);
        b.csv += line + "\r\n";
        b.eon_by_row.push_back(eon);
        if (!b.by_eon.count(eon)) b.by_eon[eon] = e;
    };
    auto eon = [](int i) { return "OFB-2026-11-" + std::to_string(1000 + i); };
    const Expected approved{"APPROVED", "SUBMITTED", "order "};

    int i = 0;
    for (; i < 44; ++i) {
        const auto& s = active[next_active++];
        std::string number = s.number;
        if (i % 5 == 1) number = "(" + number.substr(0, 3) + ") " + number.substr(3, 3) + "-" + number.substr(6);
        std::string instructions = i % 7 == 0 ? "Leaving " + std::to_string(i) + ", keep number\nCall before noon, thanks"
                                              : "";
        add(eon(i), {s.id, number, "+1 415 555 01" + std::to_string(10 + i), "former.employee" + std::to_string(i) + "@gmail.example",
                     instructions, i % 3 == 0 ? s.employee_email : ""},
            approved);
    }
    // Rejected by the checks on the confirmation.
    add(eon(i++), {inactive[0].id, inactive[0].number, "4155550199", "a.b@mail.example", "", ""},
        {"REJECTED", "NOT_SUBMITTED", "not confirmed by MobProc"});
    add(eon(i++), {inactive[1].id, inactive[1].number, "4155550198", "c.d@mail.example", "", ""},
        {"REJECTED", "NOT_SUBMITTED", "not confirmed by MobProc"});
    add(eon(i++), {"99999901", "2125550101", "4155550197", "e.f@mail.example", "", ""},
        {"REJECTED", "NOT_SUBMITTED", "not confirmed by MobProc"});
    add(eon(i++), {"99999902", "2125550102", "4155550196", "g.h@mail.example", "", ""},
        {"REJECTED", "NOT_SUBMITTED", "not confirmed by MobProc"});
    {
        const auto& s = active[next_active++];
        std::string wrong = s.number.substr(0, 9) + (s.number.back() == '9' ? "0" : "9");
        add(eon(i++), {s.id, wrong, "4155550195", "i.j@mail.example", "", ""},
            {"REJECTED", "NOT_SUBMITTED", "service number mismatch"});
    }
    {
        const auto& s = active[next_active++];
        add(eon(i++), {s.id, s.number, "4155550194", "k.l@mail.example", "", "someone.else@acme-corp.example"},
            {"REJECTED", "NOT_SUBMITTED", "account holder mismatch"});
    }
    // Invalid rows: each names its column.
    auto next = [&]() -> const test::FixtureService& { return active[next_active++]; };
    {
        const auto& s = next();
        add(eon(i++), {s.id, s.number, "4155550193", "not-an-email", "", ""}, {"INVALID", "NOT_SUBMITTED", "Personal Email"});
    }
    {
        const auto& s = next();
        add(eon(i++), {"", s.number, "4155550192", "m.n@mail.example", "", ""}, {"INVALID", "NOT_SUBMITTED", "Service ID"});
    }
    {
        const auto& s = next();
        add(eon(i++), {s.id, s.number, "12345", "o.p@mail.example", "", ""}, {"INVALID", "NOT_SUBMITTED", "Contact Number"});
    }
    {
        const auto& s = next();
        add(eon(i++), {s.id, "2.03556E+09", "4155550191", "q.r@mail.example", "", ""},
            {"INVALID", "NOT_SUBMITTED", "Service Number"});
    }
    {
        const auto& s = next();
        add(eon(i++), {s.id, s.number, "4155550190", "", "", ""}, {"INVALID", "NOT_SUBMITTED", "Personal Email"});
    }
    {
        const auto& s = next();
        add("", {s.id, s.number, "4155550189", "s.t@mail.example", "", ""},
            {"INVALID", "NOT_SUBMITTED", "External Order Number"});
    }
    {
        // Same external order number as row 1: the later row is invalid, row 1 goes on.
        const auto& s = next();
        b.csv += eon(0) + "," + s.id + "," + s.number + ",4155550188,u.v@mail.example,,\r\n";
        b.eon_by_row.push_back(eon(0) + "#dup");
        b.by_eon[eon(0) + "#dup"] = {"INVALID", "NOT_SUBMITTED", "External Order Number"};
    }
    {
        const auto& s = next();  // a ragged row: fields missing
        b.csv += eon(i) + "," + s.id + "," + s.number + "\r\n";
        b.eon_by_row.push_back(eon(i));
        b.by_eon[eon(i)] = {"INVALID", "NOT_SUBMITTED", "fields"};
        ++i;
    }
    // A few more valid rows after the bad ones.
    while (b.eon_by_row.size() < 64) {
        const auto& s = next();
        add(eon(i++), {s.id, s.number, "2125550177", "later" + std::to_string(i) + "@mail.example", "", ""}, approved);
    }
    return b;
}


// TLS connections the last run_batch opened (keep-alive reuse is visible in this number).
std::size_t last_connections_opened = 0;

BatchOutcome run_batch(test::SimFixture& sim, const fs::path& input, const fs::path& state_dir, ApprovalMode mode,
                       unsigned concurrency = 8)
{
    test::BatchHarness h(sim, state_dir);
    h.api.concurrency = concurrency;
    h.options.approval.mode = mode;
    auto o = h.take(input);
    last_connections_opened = h.connections_opened;
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pipeline_end_to_end)

BOOST_AUTO_TEST_CASE(a_mixed_excel_batch_ends_with_one_truthful_line_per_row_and_only_approved_rows_submitted)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto batch = make_mixed_batch();
    const fs::path input = dir / "offboarding-2026-11-30.csv";
    std::ofstream(input, std::ios::binary) << batch.csv;

    auto outcome = run_batch(sim, input, dir / "state", ApprovalMode::automatic);
    BOOST_TEST((outcome.end == BatchOutcome::End::finished));
    BOOST_TEST((outcome.stage == BatchStage::done));
    BOOST_TEST(outcome.counts.rows == 64u);
    // ~110 API calls over keep-alive connections: about one connection per request in flight
    // (8), plus the token endpoint's.
    BOOST_TEST(last_connections_opened <= 12u, last_connections_opened << " TLS connections opened");

    auto results = test::read_csv_report(output_paths_for(input).results_csv);
    BOOST_TEST_REQUIRE(results.size() == batch.eon_by_row.size());
    std::map<std::string, std::string> submitted;  // external order number → order id
    for (std::size_t r = 0; r < results.size(); ++r) {
        const auto& line = results[r];
        const auto& key = batch.eon_by_row[r];
        const auto& want = batch.by_eon.at(key);
        BOOST_TEST_CONTEXT("row " << r + 1 << " (" << key << "): " << line.at("message"))
        {
            BOOST_TEST(line.at("row") == std::to_string(r + 1));
            BOOST_TEST(line.at("decision") == want.decision);
            BOOST_TEST(line.at("status") == want.status);
            BOOST_TEST(line.at("message").find(want.message_part) != std::string::npos);
            if (want.status == "SUBMITTED") {
                BOOST_TEST(!line.at("order_id").empty());
                submitted[line.at("external_order_number")] = line.at("order_id");
            } else {
                BOOST_TEST(line.at("order_id").empty());
            }
        }
    }

    // The simulator's audit: exactly the approved rows, once each, with the same order ids.
    auto audit = sim.audit_entries();
    std::map<std::string, int> times;
    for (const auto& entry : audit) {
        std::string eon(entry.at("externalOrderNumber").as_string());
        ++times[eon];
        BOOST_TEST_CONTEXT("audit " << eon)
        {
            BOOST_TEST_REQUIRE(submitted.count(eon) == 1u);
            BOOST_TEST(submitted[eon] == std::string(entry.at("orderId").as_string()));
        }
    }
    BOOST_TEST(audit.size() == submitted.size());
    for (const auto& [eon, n] : times) BOOST_TEST(n == 1, eon << " submitted " << n << " times");
    std::size_t approved = 0;
    for (const auto& [k, e] : batch.by_eon) approved += e.decision == "APPROVED";
    BOOST_TEST(submitted.size() == approved);

    // The confirmation report is there, one line per row, with what was confirmed.
    auto confirmation = test::read_csv_report(output_paths_for(input).confirmation_csv);
    BOOST_TEST(confirmation.size() == results.size());
    BOOST_TEST(!confirmation[0].at("account_holder").empty());
    BOOST_TEST(fs::exists(output_paths_for(input).confirmation_html));
    BOOST_TEST(fs::exists(output_paths_for(input).log));
}

BOOST_AUTO_TEST_CASE(a_batch_whose_every_row_is_submitted_ends_done)
{
    // Every row answered during the submit pass: the batch must end `done`, not stay
    // `submitting` (which made once report it again on every run).
    test::SimFixture sim;
    test::TempDir dir;
    const fs::path input = dir / "offboarding-2026-12-01.csv";
    std::ofstream(input) << "external_order_number,service_id,service_number,contact_number,personal_email\n"
                            "HR-4410,38390017,3035550190,4155550100,c.diaz@example.net\n"
                            "HR-4411,38390048,4805550186,8605550183,c.garcia@example.net\n"
                            "HR-4412,38390079,5125550172,9295550118,e.peterson@example.net\n";
    auto outcome = run_batch(sim, input, dir / "state", ApprovalMode::automatic);
    BOOST_TEST((outcome.end == BatchOutcome::End::finished));
    BOOST_TEST((outcome.stage == BatchStage::done), to_string(outcome.stage));
    BOOST_TEST(outcome.counts.submitted == 3u);
}

BOOST_AUTO_TEST_CASE(the_three_confirmation_reports_are_written_and_what_stood_at_their_names_is_kept_aside)
{
    // The workbook is written beside the CSV and the page, each from its own read of the store.
    test::SimFixture sim;
    test::TempDir dir;
    const fs::path input = dir / "leavers-week-49.csv";
    std::ofstream(input) << "external_order_number,service_id,service_number,contact_number,personal_email\n"
                            "HR-4410,38390017,3035550190,4155550100,c.diaz@example.net\n"
                            "HR-4411,38390048,4805550186,8605550183,c.garcia@example.net\n";
    const auto out = output_paths_for(input);
    fs::create_directories(out.confirmation_xlsx);   // an operator's folder where the workbook goes
    std::ofstream(out.confirmation_xlsx / "notes.txt") << "keep me\n";
    auto outcome = run_batch(sim, input, dir / "state", ApprovalMode::automatic);
    BOOST_TEST((outcome.end == BatchOutcome::End::finished));
    BOOST_TEST(outcome.counts.submitted == 2u);
    BOOST_TEST(test::read_csv_report(out.confirmation_csv).size() == 2u);
    BOOST_TEST(fs::is_regular_file(out.confirmation_html));
    BOOST_TEST(fs::is_regular_file(out.confirmation_xlsx));
    BOOST_TEST(test::read_text(dir / "leavers-week-49.confirmation.1.xlsx" / "notes.txt") == "keep me\n");
    const auto& written = outcome.reports;
    auto at = [&](const fs::path& p) { return std::find(written.begin(), written.end(), p) - written.begin(); };
    BOOST_TEST(at(out.confirmation_csv) < at(out.confirmation_xlsx));
    BOOST_TEST(at(out.confirmation_xlsx) < at(out.confirmation_html));
    BOOST_TEST(at(out.confirmation_html) < static_cast<long>(written.size()));
    for (const auto& entry : fs::directory_iterator(dir.path()))
        BOOST_TEST(entry.path().extension() != ".tmp", "left behind: " << entry.path());
}

BOOST_AUTO_TEST_CASE(dry_run_confirms_and_reports_but_submits_nothing)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto batch = make_mixed_batch();
    const fs::path input = dir / "dry.csv";
    std::ofstream(input, std::ios::binary) << batch.csv;

    auto outcome = run_batch(sim, input, dir / "state", ApprovalMode::dry_run);
    BOOST_TEST(outcome.counts.approved > 40u);
    BOOST_TEST(outcome.counts.submitted == 0u);
    BOOST_TEST(sim.audit_entries().empty());
    for (const auto& line : test::read_csv_report(output_paths_for(input).results_csv)) {
        BOOST_TEST(line.at("status") == "NOT_SUBMITTED");
        if (line.at("decision") == "APPROVED") BOOST_TEST(line.at("message").find("dry-run") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(the_same_content_dropped_again_is_a_duplicate_and_submits_nothing_more)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto batch = make_mixed_batch();
    std::ofstream(dir / "first.csv", std::ios::binary) << batch.csv;
    std::ofstream(dir / "again.csv", std::ios::binary) << batch.csv;
    auto first = run_batch(sim, dir / "first.csv", dir / "state", ApprovalMode::automatic);
    auto submitted = sim.audit_entries().size();
    BOOST_TEST(submitted == first.counts.submitted);
    auto again = run_batch(sim, dir / "again.csv", dir / "state", ApprovalMode::automatic);
    BOOST_TEST((again.end == BatchOutcome::End::duplicate));
    BOOST_TEST(again.message.find("first.csv") != std::string::npos, again.message);
    BOOST_TEST(sim.audit_entries().size() == submitted);
}

BOOST_AUTO_TEST_CASE(a_batch_mostly_wrong_is_held_and_nothing_is_submitted)
{
    test::SimFixture sim;
    test::TempDir dir;
    // A feed whose mapping is off: every service number is the contact number.
    auto services = test::fixture_services(fixtures_file);
    std::string csv = "external_order_number,service_id,service_number,contact_number,personal_email\n";
    for (int i = 0; i < 10; ++i)
        csv += "HELD-" + std::to_string(i) + "," + services[10 + i].id + ",4155550100,4155550100,x" +
               std::to_string(i) + "@mail.example\n";
    std::ofstream(dir / "held.csv") << csv;
    auto outcome = run_batch(sim, dir / "held.csv", dir / "state", ApprovalMode::automatic);
    BOOST_TEST((outcome.end == BatchOutcome::End::held));
    BOOST_TEST(outcome.needs_attention());
    BOOST_TEST(sim.audit_entries().empty());
    for (const auto& line : test::read_csv_report(output_paths_for(dir / "held.csv").results_csv))
        BOOST_TEST(line.at("status") == "NOT_SUBMITTED");
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_utf8_is_rejected_with_a_note_next_to_it)
{
    test::SimFixture sim;
    test::TempDir dir;
    std::ofstream(dir / "latin1.csv", std::ios::binary)
        << "external_order_number,service_id,service_number,contact_number,personal_email\n"
           "X-1,38390017,3035550190,4155550100,jos\xE9@mail.example\n";
    auto outcome = run_batch(sim, dir / "latin1.csv", dir / "state", ApprovalMode::automatic);
    BOOST_TEST((outcome.end == BatchOutcome::End::rejected));
    BOOST_TEST(fs::exists(output_paths_for(dir / "latin1.csv").error_txt));
    BOOST_TEST(sim.audit_entries().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(api_outage)

// Every call fails for a few seconds in the middle of a batch: the batch pauses and goes on
// when the API is back; no row is failed for it.
BOOST_AUTO_TEST_CASE(an_outage_pauses_the_batch_instead_of_failing_rows)
{
    xferd::sim::Options o;
    o.faults.latency = std::chrono::milliseconds(20);
    test::SimFixture sim(o);
    test::TempDir dir;
    auto batch = make_mixed_batch();
    const fs::path input = dir / "outage.csv";
    std::ofstream(input, std::ios::binary) << batch.csv;

    test::BatchHarness h(sim, dir / "state");
    h.api.concurrency = 2;
    h.api.max_attempts = 3;
    h.api.retry_base_delay = std::chrono::milliseconds(20);
    h.api.retry_max_delay = std::chrono::milliseconds(200);
    h.api.outage_after = std::chrono::milliseconds(400);
    // 300 ms in, the API starts answering 503 to everything, for 2.5 s.
    h.on_start = [&](MobprocClient&, asio::io_context& ctx) {
        auto timers = std::make_shared<std::pair<asio::steady_timer, asio::steady_timer>>(
            asio::steady_timer(ctx, std::chrono::milliseconds(300)), asio::steady_timer(ctx, std::chrono::milliseconds(2800)));
        timers->first.async_wait([&](auto) { sim.with_state([](xferd::sim::State& s) { s.faults.fail_rate = 1.0; return 0; }); });
        timers->second.async_wait([&](auto) { sim.with_state([](xferd::sim::State& s) { s.faults.fail_rate = 0.0; return 0; }); });
        return std::shared_ptr<void>(timers);
    };
    std::vector<std::string> logged;
    h.client_log = [&](std::string_view, std::string_view m) { logged.emplace_back(m); };
    auto outcome = h.take(input);

    BOOST_TEST(outcome.counts.failed == 0u);
    BOOST_TEST(outcome.counts.submitted == outcome.counts.approved);
    BOOST_TEST(outcome.counts.approved > 40u);
    bool paused = false, resumed = false;
    for (const auto& m : logged) {
        paused |= m.find("API outage") != std::string::npos;
        resumed |= m.find("answers again") != std::string::npos;
    }
    BOOST_TEST(paused, "the outage was logged");
    BOOST_TEST(resumed, "the resumption was logged");
    BOOST_TEST(sim.audit_entries().size() == outcome.counts.submitted);
}

BOOST_AUTO_TEST_SUITE_END()
