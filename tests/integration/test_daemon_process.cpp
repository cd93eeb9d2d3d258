// `xferd run` as a child process with real inbox folders, against mobproc-sim (in-process on
// 127.0.0.1): files moved in, written slowly, dropped while it is down, Office lock files, two
// inboxes with their own column mappings, SIGHUP with a good and a bad config, the sd_notify
// protocol on a NOTIFY_SOCKET this test listens on, and the inbox lock.
#include "xferd/store/inbox_lock.hpp"

#include "fixture_data.hpp"
#include "results_csv.hpp"
#include "sim_fixture.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

using namespace xferd;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string fixtures_file = XFERD_SOURCE_DIR "/samples/sim/fixtures.yaml";
const std::string xferd_binary = XFERD_BINARY_DIR "/xferd";

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout)
{
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(25ms);
    }
    return pred();
}

// ACTIVE fixture services, handed out so no two batches of a test share one.
class Services {
public:
    Services()
    {
        for (auto& s : test::fixture_services(fixtures_file))
            if (s.status == "ACTIVE" && s.id != "38382555") active_.push_back(s);
    }
    test::FixtureService next() { return active_.at(next_++); }

private:
    std::vector<test::FixtureService> active_;
    std::size_t next_ = 0;
};

std::string canonical_csv(Services& services, const std::string& prefix, int rows)
{
    std::string csv = "external_order_number,service_id,service_number,contact_number,personal_email\r\n";
    for (int i = 1; i <= rows; ++i) {
        auto s = services.next();
        csv += prefix + "-" + std::to_string(i) + "," + s.id + "," + s.number + ",2035550100,former" +
               std::to_string(i) + "@example.org\r\n";
    }
    return csv;
}

// The HR feed's own headers (mapped by `columns:` in the config).
std::string hr_csv(Services& services, const std::string& prefix, int rows)
{
    std::string csv = "Worker ID,Case Number,Asset ID,Mobile Number,Personal Mobile,Personal Email,Termination Date\r\n";
    for (int i = 1; i <= rows; ++i) {
        auto s = services.next();
        csv += s.employee_company_id + "," + prefix + "-" + std::to_string(i) + "," + s.id + "," + s.number +
               ",2035550111,hr" + std::to_string(i) + "@example.org,2026-11-30\r\n";
    }
    return csv;
}

void write_file(const fs::path& p, const std::string& content) { std::ofstream(p, std::ios::binary) << content; }

void move_in(const fs::path& p, const std::string& content)
{
    fs::path tmp = p.parent_path() / ("." + p.filename().string() + ".part");
    write_file(tmp, content);
    fs::rename(tmp, p);
}

struct ConfigOptions {
    bool hr_inbox = false;
    bool second_inbox = false;
    std::string settle = "500ms";
    std::string rescan = "2s";
    std::string approval = "mode: auto";  // the approval: section's body
    std::string extra;  // appended as is
};

// ConfigOptions with some fields changed: with([](ConfigOptions& o) { o.settle = "1s"; }).
template <class F>
ConfigOptions with(F change)
{
    ConfigOptions o;
    change(o);
    return o;
}

std::string config_yaml(const test::SimFixture& sim, const fs::path& dir, const ConfigOptions& o)
{
    std::string y;
    y += "api:\n";
    y += "  base_url: " + sim.base_url() + "\n";
    y += "  token_url: " + sim.token_url() + "\n";
    y += "  tenant: ACME\n  client_id: demo-client\n";
    y += "  client_secret_file: " XFERD_SOURCE_DIR "/config/demo-secrets/client_secret\n";
    y += "  username: command://svc-offboarding\n";
    y += "  password_file: " XFERD_SOURCE_DIR "/config/demo-secrets/password\n";
    y += "  ca_file: " + sim.ca_file() + "\n";
    y += "  concurrency: 4\n";
    y += "inbox:\n  - path: " + (dir / "inbox").string() + "\n";
    if (o.second_inbox) y += "  - path: " + (dir / "inbox2").string() + "\n";
    if (o.hr_inbox) {
        y += "  - path: " + (dir / "hr-inbox").string() + "\n";
        y += "    columns:\n";
        y += "      Case Number: external_order_number\n      Asset ID: service_id\n";
        y += "      Mobile Number: service_number\n      Personal Mobile: contact_number\n";
        y += "      Personal Email: personal_email\n      Worker ID: employee_id\n";
    }
    y += "approval:\n  " + o.approval + "\n";
    y += "state_dir: " + (dir / "state").string() + "\n";
    y += "watch:\n  settle: " + o.settle + "\n  rescan_interval: " + o.rescan + "\n";
    y += "  max_parallel_batches: 2\n  shutdown_grace: 10s\n";
    y += o.extra;
    return y;
}

// The datagram socket systemd would listen on, with what arrived.
class NotifyListener {
public:
    explicit NotifyListener(const fs::path& path) : path_(path)
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        BOOST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        thread_ = std::thread([this] {
            while (!done_) {
                pollfd p{fd_, POLLIN, 0};
                if (::poll(&p, 1, 50) <= 0) continue;
                char buf[4096];
                ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
                if (n <= 0) continue;
                std::lock_guard l(m_);
                messages_.emplace_back(buf, static_cast<std::size_t>(n));
            }
        });
    }
    ~NotifyListener()
    {
        done_ = true;
        thread_.join();
        ::close(fd_);
    }
    std::vector<std::string> messages() const
    {
        std::lock_guard l(m_);
        return messages_;
    }
    // Messages holding `part` (a whole line of the protocol, e.g. "READY=1").
    std::size_t count(const std::string& part) const
    {
        std::size_t n = 0;
        for (const auto& m : messages()) n += (("\n" + m + "\n").find("\n" + part) != std::string::npos);
        return n;
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
    int fd_ = -1;
    std::thread thread_;
    std::atomic<bool> done_{false};
    mutable std::mutex m_;
    std::vector<std::string> messages_;
};

// build/xferd with arguments, stderr (its log) to a file.
class Child {
public:
    Child(std::vector<std::string> args, const fs::path& log, std::vector<std::string> env_extra = {})
    {
        pid_ = ::fork();
        if (pid_ == 0) {
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            ::dup2(fd, 2);
            ::dup2(fd, 1);
            std::vector<std::string> env;
            for (char** e = environ; *e; ++e) {
                std::string v = *e;
                if (v.starts_with("NOTIFY_SOCKET=") || v.starts_with("WATCHDOG_") || v.starts_with("JOURNAL_STREAM="))
                    continue;
                env.push_back(v);
            }
            for (auto& e : env_extra) env.push_back(e);
            std::vector<char*> argv{const_cast<char*>(xferd_binary.c_str())};
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            std::vector<char*> envp;
            for (auto& e : env) envp.push_back(e.data());
            envp.push_back(nullptr);
            ::execve(xferd_binary.c_str(), argv.data(), envp.data());
            ::_exit(127);
        }
    }
    ~Child()
    {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    pid_t pid() const { return pid_; }
    void signal(int sig) { ::kill(pid_, sig); }
    // Exit status, or -1 when it did not exit in time (or died by a signal).
    int wait(std::chrono::milliseconds timeout = 10s)
    {
        int status = 0;
        bool ok = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
        if (!ok) return -1;
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
    bool exited_ = false;
};

std::string read_or_empty(const fs::path& p) { return fs::exists(p) ? test::read_text(p) : std::string(); }

struct Env {
    test::SimFixture sim;
    test::TempDir dir{"xferd-run"};
    Services services;
    fs::path config = dir / "xferd.yaml";
    fs::path log = dir / "xferd.log";

    explicit Env(const ConfigOptions& o = {})
    {
        for (const char* f : {"inbox", "inbox2", "hr-inbox"}) fs::create_directories(dir / f);
        write_file(config, config_yaml(sim, dir.path(), o));
    }
    std::vector<test::CsvRow> results(const std::string& relative)
    {
        return test::read_csv_report(dir / relative);
    }
    bool has_results(const std::string& relative) { return fs::exists(dir / relative); }
    std::size_t audited() { return sim.audit_entries().size(); }
};

void require_all_submitted(const std::vector<test::CsvRow>& rows, std::size_t expected)
{
    BOOST_TEST(rows.size() == expected);
    for (const auto& r : rows) BOOST_TEST(r.at("status") == "SUBMITTED", r.at("external_order_number") << ": " << r.at("message"));
}

}  // namespace

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
