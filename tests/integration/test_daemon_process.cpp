// `xferd run` as a child process with real inbox folders, against mobproc-sim (in-process on
// 127.0.0.1): files moved in, written slowly, dropped while it is down, Office lock files, two
// inboxes with their own column mappings, SIGHUP with a good and a bad config, the sd_notify
// protocol on a NOTIFY_SOCKET this test listens on, and the inbox lock.
#include "xferd/store/inbox_lock.hpp"

#include "process_env.hpp"

using namespace xferd;
using namespace xferd::test::process;
using namespace std::chrono_literals;
namespace fs = std::filesystem;


BOOST_AUTO_TEST_CASE(files_moved_in_and_the_sd_notify_protocol)
{
    Env env;
    NotifyListener notify(env.dir / "notify");
    Child xferd({"run", "--config", env.config.string()}, env.log,
                {"NOTIFY_SOCKET=" + notify.path().string(), "WATCHDOG_USEC=400000"});
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return notify.count("READY=1") >= 1; }, 10s), read_or_empty(env.log));
    BOOST_TEST(notify.count("STATUS=watching 1 inbox") >= 1);

    // An Office lock file next to the workbook being saved, then the batch moved in.
    write_file(env.dir / "inbox" / "~$offboarding.csv", "lock");
    move_in(env.dir / "inbox" / "offboarding.csv", canonical_csv(env.services, "MV", 3));
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return env.has_results("inbox/offboarding.results.csv"); }, 15s),
                          read_or_empty(env.log));
    require_all_submitted(env.results("inbox/offboarding.results.csv"), 3);
    BOOST_TEST(env.audited() == 3u);
    BOOST_TEST(!fs::exists(env.dir / "inbox" / "~$offboarding.results.csv"));
    BOOST_TEST(!fs::exists(env.dir / "inbox" / "~$offboarding.log"));
    BOOST_TEST(notify.count("STATUS=watching 1 inbox; processing offboarding.csv") >= 1);

    // The watchdog is fed at half of WATCHDOG_USEC.
    std::size_t pings = notify.count("WATCHDOG=1");
    std::this_thread::sleep_for(700ms);
    BOOST_TEST(notify.count("WATCHDOG=1") >= pings + 2);

    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait() == 0);
    BOOST_TEST(notify.count("STOPPING=1") == 1u);
    // Nothing processed twice (the results files were not rewritten or kept aside).
    BOOST_TEST(!fs::exists(env.dir / "inbox" / "offboarding.results.1.csv"));
    BOOST_TEST(env.audited() == 3u);
}

BOOST_AUTO_TEST_CASE(dropped_while_down_and_written_slowly)
{
    Env env(with([](ConfigOptions& o) { o.settle = "1s"; }));
    // Dropped while xferd was not running.
    write_file(env.dir / "inbox" / "early.csv", canonical_csv(env.services, "EARLY", 2));
    Child xferd({"run", "--config", env.config.string()}, env.log);
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return env.has_results("inbox/early.results.csv"); }, 15s),
                          read_or_empty(env.log));
    require_all_submitted(env.results("inbox/early.results.csv"), 2);

    // An export that writes a row every 300 ms for about 3 s, reopening the file each time
    // (every close is an IN_CLOSE_WRITE). Each prefix is a valid CSV, so a batch read
    // half-written would show up as missing rows.
    std::string all = canonical_csv(env.services, "SLOW", 10);
    const fs::path slow = env.dir / "inbox" / "slow.csv";
    std::size_t at = 0;
    while (at < all.size()) {
        std::size_t nl = all.find("\r\n", at) + 2;
        std::ofstream(slow, std::ios::app | std::ios::binary) << all.substr(at, nl - at);
        at = nl;
        std::this_thread::sleep_for(300ms);
        BOOST_TEST(!fs::exists(env.dir / "inbox" / "slow.results.csv"), "read before it was complete");
    }
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return env.has_results("inbox/slow.results.csv"); }, 15s),
                          read_or_empty(env.log));
    require_all_submitted(env.results("inbox/slow.results.csv"), 10);
    BOOST_TEST(env.audited() == 12u);
    xferd.signal(SIGINT);
    BOOST_TEST(xferd.wait() == 0);

    // A restart takes neither again.
    Child again({"run", "--config", env.config.string()}, env.log);
    std::this_thread::sleep_for(2500ms);
    again.signal(SIGTERM);
    BOOST_TEST(again.wait() == 0);
    BOOST_TEST(env.audited() == 12u);
    BOOST_TEST(!fs::exists(env.dir / "inbox" / "slow.results.1.csv"));
}

BOOST_AUTO_TEST_CASE(two_inboxes_with_their_own_column_mappings)
{
    Env env(with([](ConfigOptions& o) { o.hr_inbox = true; }));
    Child xferd({"run", "--config", env.config.string()}, env.log);
    move_in(env.dir / "inbox" / "it.csv", canonical_csv(env.services, "IT", 2));
    move_in(env.dir / "hr-inbox" / "termination-feed.csv", hr_csv(env.services, "HR", 3));
    BOOST_REQUIRE_MESSAGE(wait_until([&] {
        return env.has_results("inbox/it.results.csv") && env.has_results("hr-inbox/termination-feed.results.csv");
    }, 20s), read_or_empty(env.log));
    require_all_submitted(env.results("inbox/it.results.csv"), 2);
    auto hr = env.results("hr-inbox/termination-feed.results.csv");
    require_all_submitted(hr, 3);
    BOOST_TEST(hr.at(0).at("external_order_number") == "HR-1");
    BOOST_TEST(env.audited() == 5u);
    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait() == 0);
}

BOOST_AUTO_TEST_CASE(sighup_reloads_a_good_config_and_keeps_the_old_one_on_a_bad_one)
{
    Env env;
    NotifyListener notify(env.dir / "notify");
    Child xferd({"run", "--config", env.config.string()}, env.log, {"NOTIFY_SOCKET=" + notify.path().string()});
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return notify.count("READY=1") >= 1; }, 10s), read_or_empty(env.log));

    // Good: a second inbox.
    write_file(env.config, config_yaml(env.sim, env.dir.path(), with([](ConfigOptions& o) { o.second_inbox = true; })));
    xferd.signal(SIGHUP);
    BOOST_REQUIRE(wait_until([&] { return notify.count("RELOADING=1") == 1 && notify.count("READY=1") >= 2; }, 5s));
    BOOST_TEST(notify.count("MONOTONIC_USEC=") == 1u);
    BOOST_TEST(notify.count("STATUS=watching 2 inboxes") >= 1);
    move_in(env.dir / "inbox2" / "second.csv", canonical_csv(env.services, "TWO", 1));
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return env.has_results("inbox2/second.results.csv"); }, 15s),
                          read_or_empty(env.log));

    // Bad: an unknown key. Logged, and the running config (with both inboxes) kept.
    write_file(env.config, config_yaml(env.sim, env.dir.path(), with([](ConfigOptions& o) { o.second_inbox = true; })) + "bogus_key: 1\n");
    xferd.signal(SIGHUP);
    BOOST_REQUIRE(wait_until([&] { return notify.count("RELOADING=1") == 2 && notify.count("READY=1") >= 3; }, 5s));
    BOOST_TEST(read_or_empty(env.log).find("reload failed, the running configuration is kept") != std::string::npos);
    BOOST_TEST(read_or_empty(env.log).find("bogus_key") != std::string::npos);
    move_in(env.dir / "inbox2" / "third.csv", canonical_csv(env.services, "THREE", 1));
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return env.has_results("inbox2/third.results.csv"); }, 15s),
                          read_or_empty(env.log));
    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait() == 0);
    BOOST_TEST(env.audited() == 2u);
}

BOOST_AUTO_TEST_CASE(run_waits_for_an_inbox_another_xferd_holds)
{
    Env env;
    // This test process plays the other xferd (e.g. `xferd once` from the timer).
    auto held = try_lock_inbox(env.dir / "state", env.dir / "inbox");
    BOOST_REQUIRE(held.lock.has_value());
    move_in(env.dir / "inbox" / "waiting.csv", canonical_csv(env.services, "WAIT", 1));
    Child xferd({"run", "--config", env.config.string()}, env.log);
    BOOST_REQUIRE(wait_until([&] {
        return read_or_empty(env.log).find("is being processed by another xferd (pid " + std::to_string(::getpid()) +
                                           "); waiting for it to finish") != std::string::npos;
    }, 10s));
    std::this_thread::sleep_for(1500ms);
    BOOST_TEST(!env.has_results("inbox/waiting.results.csv"));
    held.lock.reset();  // the other one is done
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return env.has_results("inbox/waiting.results.csv"); }, 15s),
                          read_or_empty(env.log));
    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait() == 0);
    // Logged once, not every second.
    std::string log = read_or_empty(env.log);
    BOOST_TEST(log.find("is being processed by another xferd") == log.rfind("is being processed by another xferd"));
}

BOOST_AUTO_TEST_CASE(manual_approval_through_the_pipeline)
{
    Env env(with([](ConfigOptions& o) { o.approval = "mode: manual"; }));
    Child xferd({"run", "--config", env.config.string()}, env.log);
    move_in(env.dir / "inbox" / "review.csv", canonical_csv(env.services, "REV", 3));
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return read_or_empty(env.log).find("review.csv: waiting for operator approval") != std::string::npos; }, 15s),
                          read_or_empty(env.log));
    BOOST_TEST(fs::exists(env.dir / "inbox" / "review.confirmation.csv"));
    BOOST_TEST(env.audited() == 0u);  // confirmed only

    // xferd is restarted meanwhile; the operator approves two of the three rows while it is down.
    xferd.signal(SIGTERM);
    BOOST_REQUIRE(xferd.wait() == 0);
    move_in(env.dir / "inbox" / "review.approve", "# checked\nREV-1\nREV-3\n");
    Child restarted({"run", "--config", env.config.string()}, env.log);
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return env.audited() == 2; }, 15s), read_or_empty(env.log));
    BOOST_REQUIRE(wait_until([&] {
        if (!env.has_results("inbox/review.results.csv")) return false;
        auto rows = env.results("inbox/review.results.csv");
        return rows.size() == 3 && rows[0].at("status") == "SUBMITTED";
    }, 10s));
    auto rows = env.results("inbox/review.results.csv");
    BOOST_TEST(rows[0].at("status") == "SUBMITTED");
    BOOST_TEST(rows[1].at("status") == "NOT_SUBMITTED");
    BOOST_TEST(rows[1].at("message").find("not approved by the operator") != std::string::npos, rows[1].at("message"));
    BOOST_TEST(rows[2].at("status") == "SUBMITTED");

    // Done: a restart neither confirms nor submits it again.
    restarted.signal(SIGTERM);
    BOOST_TEST(restarted.wait() == 0);
    BOOST_TEST(read_or_empty(env.log).find("review.csv: processing") == read_or_empty(env.log).rfind("review.csv: processing"));
    Child again({"run", "--config", env.config.string()}, env.log);
    std::this_thread::sleep_for(2000ms);
    again.signal(SIGTERM);
    BOOST_TEST(again.wait() == 0);
    BOOST_TEST(env.audited() == 2u);
}

BOOST_AUTO_TEST_CASE(a_stale_approval_is_refused_and_nothing_is_submitted)
{
    Env env(with([](ConfigOptions& o) { o.approval = "mode: manual\n  max_age: 1s"; }));
    Child xferd({"run", "--config", env.config.string()}, env.log);
    move_in(env.dir / "inbox" / "late.csv", canonical_csv(env.services, "LATE", 2));
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return read_or_empty(env.log).find("late.csv: waiting for operator approval") != std::string::npos; }, 15s),
                          read_or_empty(env.log));
    std::this_thread::sleep_for(1500ms);  // the confirmation is now older than max_age
    move_in(env.dir / "inbox" / "late.approve", "all\n");
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return fs::exists(env.dir / "inbox" / "late.error.txt"); }, 10s),
                          read_or_empty(env.log));
    std::string refusal = read_or_empty(env.dir / "inbox" / "late.error.txt");
    BOOST_TEST(refusal.find("late.approve: approval refused") != std::string::npos, refusal);
    BOOST_TEST(refusal.find("older than approval.max_age (1s)") != std::string::npos, refusal);
    BOOST_TEST(read_or_empty(env.dir / "inbox" / "late.log").find("approval refused") != std::string::npos);
    std::this_thread::sleep_for(500ms);
    BOOST_TEST(env.audited() == 0u);
    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait() == 0);
}

BOOST_AUTO_TEST_CASE(once_refuses_while_run_holds_the_inbox)
{
    Env env;
    Child xferd({"run", "--config", env.config.string()}, env.log);
    BOOST_REQUIRE(wait_until([&] { return read_or_empty(env.log).find("xferd run: watching") != std::string::npos; }, 10s));
    const fs::path once_log = env.dir / "once.log";
    Child once({"once", "--config", env.config.string()}, once_log);
    int status = once.wait(15s);
    BOOST_TEST(status == 4);  // another xferd is working on the inbox
    BOOST_TEST(read_or_empty(once_log).find("is being processed by another xferd (pid " + std::to_string(xferd.pid()) + ")") !=
                   std::string::npos,
               read_or_empty(once_log));
    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait() == 0);
}

// Issue 8 case 2: an SFTP upload in place (no rename), 8 KiB every ~1.5 s, the file open all
// along. With settle 1s and a rescan every second, a rescan sees it unchanged for longer than
// settle between two blocks; it must still be taken only once closed: one batch, every row.
BOOST_AUTO_TEST_CASE(a_slow_upload_in_place_is_one_batch_taken_once_closed)
{
    constexpr int rows = 2000;
    xferd::sim::Options sim_options;
    sim_options.generate_services = rows;
    Env env(with([](ConfigOptions& o) {
                o.settle = "1s";
                o.rescan = "1s";
                o.concurrency = 16;
            }),
            sim_options);
    std::string csv = "external_order_number,service_id,service_number,contact_number,personal_email\r\n";
    for (int i = 0; i < rows; ++i) {
        char number[16];
        std::snprintf(number, sizeof number, "%03d555%04d", 200 + (i / 10000) % 800, i % 10000);
        csv += "SFTP-" + std::to_string(100000 + i) + "," + std::to_string(90000001 + i) + "," + number +
               ",4155550100,leaver" + std::to_string(i) + "@mail.example\r\n";
    }
    Child xferd({"run", "--config", env.config.string()}, env.log);
    BOOST_REQUIRE(wait_until([&] { return read_or_empty(env.log).find("xferd run: watching") != std::string::npos; }, 10s));

    const fs::path upload = env.dir / "inbox" / "sftp-feed.csv";
    {
        std::ofstream out(upload, std::ios::binary);   // one open file for the whole upload
        for (std::size_t at = 0; at < csv.size(); at += 8192) {
            out.write(csv.data() + at, static_cast<std::streamsize>(std::min<std::size_t>(8192, csv.size() - at)));
            out.flush();
            std::this_thread::sleep_for(1500ms);
            BOOST_REQUIRE_MESSAGE(!fs::exists(env.dir / "inbox" / "sftp-feed.results.csv"),
                                  "taken while still open at byte " << at << "\n" << read_or_empty(env.log));
        }
    }
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return env.has_results("inbox/sftp-feed.results.csv"); }, 120s),
                          read_or_empty(env.log));
    require_all_submitted(env.results("inbox/sftp-feed.results.csv"), rows);
    BOOST_TEST(env.audited() == std::size_t(rows));
    const std::string log = read_or_empty(env.log);
    // Held by the daemon itself (IN_MODIFY without IN_CLOSE_WRITE), not only by intake's lease check.
    BOOST_TEST(log.find("still open for writing") == std::string::npos, log);
    BOOST_TEST(log.find("sftp-feed.csv: processing") == log.rfind("sftp-feed.csv: processing"), log);
    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait(30s) == 0);
}

// An operator deletes the results and the HTML report while `run` runs: the next rescan writes
// them again from the store, with no API call (as `once` does).
BOOST_AUTO_TEST_CASE(deleted_results_are_written_again_while_run_runs)
{
    Env env(with([](ConfigOptions& o) { o.rescan = "1s"; }));
    Child xferd({"run", "--config", env.config.string()}, env.log);
    move_in(env.dir / "inbox" / "kept.csv", canonical_csv(env.services, "DEL", 2));
    const fs::path results = env.dir / "inbox" / "kept.results.csv";
    const fs::path html = env.dir / "inbox" / "kept.confirmation.html";
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return fs::exists(results) && fs::exists(html); }, 15s),
                          read_or_empty(env.log));
    std::this_thread::sleep_for(300ms);   // the batch's last writes are done
    const std::string before = read_or_empty(results);
    auto calls = [&] {
        return env.sim.with_state([](xferd::sim::State& st) {
            std::uint64_t n = 0;
            for (const auto& [endpoint, outcomes] : st.stats.requests)
                for (const auto& [outcome, count] : outcomes) n += count;
            return n;
        });
    };
    const auto calls_before = calls();
    fs::remove(results);
    fs::remove(html);
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return fs::exists(results) && fs::exists(html); }, 10s),
                          read_or_empty(env.log));
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(read_or_empty(results) == before);
    BOOST_TEST(calls() == calls_before, "no API call to write them again");
    BOOST_TEST(env.audited() == 2u);
    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait() == 0);
}

// An approval dropped for a batch that is done (auto mode: nothing waits for it) while `run`
// runs: one WARNING line and NAME.approve.error.txt at the next rescan, not one each rescan.
BOOST_AUTO_TEST_CASE(an_approval_nothing_waits_for_is_said_once_while_run_runs)
{
    Env env(with([](ConfigOptions& o) { o.rescan = "1s"; }));
    Child xferd({"run", "--config", env.config.string()}, env.log);
    move_in(env.dir / "inbox" / "auto.csv", canonical_csv(env.services, "AUT", 2));
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return env.has_results("inbox/auto.results.csv"); }, 15s),
                          read_or_empty(env.log));
    move_in(env.dir / "inbox" / "auto.approve", "all\n");
    const fs::path note = env.dir / "inbox" / "auto.approve.error.txt";
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return fs::exists(note); }, 10s), read_or_empty(env.log));
    BOOST_TEST(read_or_empty(note).find("auto.approve: not taken: auto.csv runs in approval mode auto") != std::string::npos,
               read_or_empty(note));
    std::this_thread::sleep_for(2500ms);   // two more rescans
    const std::string log = read_or_empty(env.log);
    const std::string line = "WARN " + (env.dir / "inbox").string() + "/auto.approve: not taken";
    BOOST_TEST(log.find(line) != std::string::npos, log);
    BOOST_TEST(log.find(line) == log.rfind(line), "said once: " << log);
    BOOST_TEST(env.audited() == 2u);
    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait() == 0);
}
