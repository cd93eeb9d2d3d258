// Notifications delivered for real: a program that gets the event on stdin, an HTTPS receiver
// on loopback that gets it as a POST. Failures are retried with backoff, hanging hooks are
// cut off at their timeout, a full queue drops and says so, and the caller is never blocked.
#include <boost/test/unit_test.hpp>

#include "connect_proxy.hpp"
#include "https_receiver.hpp"
#include "temp_dir.hpp"

#include "xferd/net/https_transport.hpp"
#include "xferd/service/notifier.hpp"
#include "xferd/sim/tls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

using namespace xferd;
namespace asio = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::TempDir;

namespace {

struct Logs {
    std::vector<std::pair<LogLevel, std::string>> lines;
    NotifyLog fn()
    {
        return [this](LogLevel l, std::string_view m) { lines.emplace_back(l, std::string(m)); };
    }
    [[nodiscard]] std::size_t count(const std::string& part) const
    {
        std::size_t n = 0;
        for (const auto& [l, m] : lines) n += m.find(part) != std::string::npos;
        return n;
    }
    [[nodiscard]] std::string all() const
    {
        std::string out;
        for (const auto& [l, m] : lines) out += m + "\n";
        return out;
    }
};

#define CHECK_LOGGED(logs, part) BOOST_CHECK_MESSAGE((logs).count(part) > 0, "expected \"" << (part) << "\" in:\n" << (logs).all())

NotifyEvent sample_event(const std::string& name = "offboarding.csv")
{
    NotifyEvent e;
    e.kind = NotifyKind::finished_with_problems;
    e.batch_file = "/srv/xferd/inbox/" + name;
    e.sha256 = "5e3c0ffee";
    e.state = "done_with_problems";
    e.counts.rows = 12;
    e.counts.failed = 1;
    e.reports.results_csv = "/srv/xferd/inbox/offboarding.results.csv";
    e.message = "offboarding.csv: 12 rows, 1 FAILED";
    e.host = "testhost";
    return e;
}

fs::path script(const TempDir& dir, const std::string& name, const std::string& body)
{
    fs::path p = dir / name;
    std::ofstream(p) << "#!/bin/sh\n" << body;
    fs::permissions(p, fs::perms(0700));
    return p;
}

std::string slurp(const fs::path& p)
{
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs `body` on the io_context until it and everything it started are done.
template <class F>
void run(asio::io_context& ioc, F body)
{
    asio::co_spawn(ioc, body(), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    ioc.run();
}

NotifierOptions fast(NotifierOptions o)
{
    o.retry_base_delay = 10ms;
    o.retry_max_delay = 50ms;
    return o;
}

std::string metric_line(const XferdMetrics&, const std::string& channel, const std::string& result)
{
    return "xferd_notifications_total{channel=\"" + channel + "\",result=\"" + result + "\"}";
}

bool has_sample(const XferdMetrics& m, const std::string& series, int value)
{
    return m.render().find(series + " " + std::to_string(value) + "\n") != std::string::npos;
}

// A process gone, or a zombie nobody reaps (PID 1 in a container may not).
bool process_gone(pid_t pid)
{
    for (int i = 0; i < 1000; ++i) {
        if (::kill(pid, 0) != 0) return true;
        std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
        auto close = stat.rfind(')');
        if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z') return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

struct Receiver {
    TempDir dir{"xferd-hook-tls"};
    sim::TlsFiles tls = sim::ensure_tls_material(dir.path());
    test::HttpsReceiver server{tls.cert, tls.key};
    [[nodiscard]] NotifierOptions options(const std::string& path = "/hooks/xferd") const
    {
        NotifierOptions o;
        o.webhook = "https://127.0.0.1:" + std::to_string(server.port()) + path;
        o.tls = make_client_tls_context(tls.ca).value();
        return o;
    }
};

// Runs a notifier with `o` until its one event is delivered or given up; returns what it logged.
std::string notify_once(const NotifierOptions& o)
{
    asio::io_context ioc;
    Logs logs;
    Notifier n(ioc.get_executor(), o, nullptr, logs.fn());
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(sample_event());
        co_await n.drain(std::chrono::steady_clock::now() + 60s);
    });
    return logs.all();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_command_gets_the_event_on_stdin_and_its_output_is_logged)
{
    TempDir dir;
    NotifierOptions o;
    o.command = script(dir, "hook.sh", "cat > '" + (dir / "event.json").string() + "'\necho got it\necho careful >&2\n");
    asio::io_context ioc;
    Logs logs;
    XferdMetrics m("t");
    Notifier n(ioc.get_executor(), o, &m, logs.fn());
    BOOST_TEST(n.enabled());
    NotifyEvent e = sample_event();
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(e);
        co_await n.drain(std::chrono::steady_clock::now() + 60s);
    });
    auto o2 = json::parse(slurp(dir / "event.json")).as_object();
    BOOST_TEST(o2.at("event").as_string() == "finished_with_problems");
    BOOST_TEST(o2.at("batch_file").as_string() == "/srv/xferd/inbox/offboarding.csv");
    BOOST_TEST(o2.at("sha256").as_string() == "5e3c0ffee");
    BOOST_TEST(o2.at("state").as_string() == "done_with_problems");
    BOOST_TEST(o2.at("counts").as_object().at("rows").as_int64() == 12);
    BOOST_TEST(o2.at("counts").as_object().at("failed").as_int64() == 1);
    BOOST_TEST(o2.at("reports").as_object().at("results_csv").as_string() == "/srv/xferd/inbox/offboarding.results.csv");
    BOOST_TEST(o2.at("host").as_string() == "testhost");
    BOOST_TEST(o2.at("message").as_string() == "offboarding.csv: 12 rows, 1 FAILED");
    CHECK_LOGGED(logs, "stdout: got it");
    CHECK_LOGGED(logs, "stderr: careful");
    CHECK_LOGGED(logs, "finished_with_problems for offboarding.csv by command " + o.command->string() + ": delivered (exit 0)");
    BOOST_TEST(has_sample(m, metric_line(m, "command", "delivered"), 1));
}

BOOST_AUTO_TEST_CASE(the_command_does_not_inherit_the_secrets)
{
    TempDir dir;
    ::setenv("XFERD_PASSWORD", "hunter2-secret", 1);
    ::setenv("CREDENTIALS_DIRECTORY", "/run/credentials/xferd.service", 1);
    NotifierOptions o;
    o.command = script(dir, "env.sh", "cat >/dev/null\nenv > '" + (dir / "env.txt").string() + "'\n");
    asio::io_context ioc;
    Logs logs;
    Notifier n(ioc.get_executor(), o, nullptr, logs.fn());
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(sample_event());
        co_await n.drain(std::chrono::steady_clock::now() + 60s);
    });
    ::unsetenv("XFERD_PASSWORD");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    std::string env = slurp(dir / "env.txt");
    BOOST_TEST(!env.empty());
    BOOST_TEST(env.find("hunter2-secret") == std::string::npos);
    BOOST_TEST(env.find("CREDENTIALS_DIRECTORY") == std::string::npos);
    BOOST_TEST(logs.all().find("hunter2") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failing_command_is_retried_then_given_up)
{
    TempDir dir;
    NotifierOptions o = fast({});
    o.max_attempts = 3;
    o.command = script(dir, "fail.sh", "cat >/dev/null\necho x >> '" + (dir / "count").string() + "'\necho no route >&2\nexit 3\n");
    asio::io_context ioc;
    Logs logs;
    XferdMetrics m("t");
    Notifier n(ioc.get_executor(), o, &m, logs.fn());
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(sample_event());
        co_await n.drain(std::chrono::steady_clock::now() + 60s);
    });
    BOOST_TEST(slurp(dir / "count") == "x\nx\nx\n");
    CHECK_LOGGED(logs, "attempt 1 of 3 failed (exit 3); trying again in");
    CHECK_LOGGED(logs, "attempt 2 of 3 failed (exit 3)");
    CHECK_LOGGED(logs, "failed (exit 3) after 3 attempt(s); giving up on this event");
    BOOST_TEST(logs.count("stderr: no route") == 3u);
    BOOST_TEST(has_sample(m, metric_line(m, "command", "failed"), 1));
    BOOST_TEST(n.pending() == 0u);
}

BOOST_AUTO_TEST_CASE(a_hanging_command_is_killed_with_its_children_and_the_caller_goes_on)
{
    TempDir dir;
    NotifierOptions o;
    o.max_attempts = 1;
    o.timeout = 3s;
    fs::path pid_file = dir / "child.pid";
    o.command = script(dir, "hang.sh", "sleep 300 &\necho $! > '" + pid_file.string() + "'\nwait\n");
    asio::io_context ioc;
    Logs logs;
    Notifier n(ioc.get_executor(), o, nullptr, logs.fn());
    int ticks = 0;
    std::size_t pending_after_ticks = 0;
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(sample_event());
        // The "batch" keeps running on the same thread while the hook hangs.
        asio::steady_timer t(co_await asio::this_coro::executor);
        for (; ticks < 5; ++ticks) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        pending_after_ticks = n.pending();
        co_await n.drain(std::chrono::steady_clock::now() + 120s);
    });
    BOOST_TEST(ticks == 5);
    BOOST_TEST(pending_after_ticks == 1u);  // still hanging while the caller went on
    CHECK_LOGGED(logs, "failed (killed after the timeout) after 1 attempt(s)");
    pid_t child = std::stoi(slurp(pid_file));
    BOOST_TEST(process_gone(child));
}

BOOST_AUTO_TEST_CASE(a_webhook_gets_the_event_as_a_json_post_and_its_path_is_never_logged)
{
    Receiver r;
    asio::io_context ioc;
    Logs logs;
    XferdMetrics m("t");
    Notifier n(ioc.get_executor(), r.options("/hooks/T0/s3cr3t"), &m, logs.fn());
    NotifyEvent e = sample_event();
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(e);
        co_await n.drain(std::chrono::steady_clock::now() + 60s);
    });
    auto got = r.server.received();
    BOOST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].method == "POST");
    BOOST_TEST(got[0].target == "/hooks/T0/s3cr3t");
    BOOST_TEST(got[0].content_type == "application/json");
    BOOST_TEST(got[0].body == to_json_text(e));
    CHECK_LOGGED(logs, "by webhook https://127.0.0.1:" + std::to_string(r.server.port()) + ": delivered (answered 200)");
    BOOST_TEST(logs.all().find("s3cr3t") == std::string::npos);
    BOOST_TEST(has_sample(m, metric_line(m, "webhook", "delivered"), 1));
}

BOOST_AUTO_TEST_CASE(a_webhook_answering_500_twice_gets_three_attempts)
{
    Receiver r;
    r.server.answer({500, 500});
    asio::io_context ioc;
    Logs logs;
    XferdMetrics m("t");
    Notifier n(ioc.get_executor(), fast(r.options()), &m, logs.fn());
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(sample_event());
        co_await n.drain(std::chrono::steady_clock::now() + 60s);
    });
    BOOST_TEST(r.server.received().size() == 3u);
    BOOST_TEST(logs.count("failed (answered 500: scripted failure); trying again in") == 2u);
    CHECK_LOGGED(logs, "delivered (answered 200)");
    BOOST_TEST(has_sample(m, metric_line(m, "webhook", "delivered"), 1));
    BOOST_TEST(has_sample(m, metric_line(m, "webhook", "failed"), 0));
}

BOOST_AUTO_TEST_CASE(a_webhook_refusing_the_event_is_not_retried)
{
    Receiver r;
    r.server.answer({404});
    asio::io_context ioc;
    Logs logs;
    Notifier n(ioc.get_executor(), fast(r.options()), nullptr, logs.fn());
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(sample_event());
        co_await n.drain(std::chrono::steady_clock::now() + 60s);
    });
    BOOST_TEST(r.server.received().size() == 1u);
    CHECK_LOGGED(logs, "failed (answered 404: scripted failure) after 1 attempt(s)");
}

BOOST_AUTO_TEST_CASE(a_hanging_receiver_is_cut_off_at_the_timeout)
{
    Receiver r;
    r.server.hang(true);
    NotifierOptions o = fast(r.options());
    o.timeout = 500ms;
    o.max_attempts = 2;
    asio::io_context ioc;
    Logs logs;
    XferdMetrics m("t");
    Notifier n(ioc.get_executor(), o, &m, logs.fn());
    int ticks = 0;
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(sample_event());
        asio::steady_timer t(co_await asio::this_coro::executor);
        for (; ticks < 3; ++ticks) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        co_await n.drain(std::chrono::steady_clock::now() + 120s);
    });
    BOOST_TEST(ticks == 3);
    BOOST_TEST(r.server.received().size() == 2u);
    CHECK_LOGGED(logs, "failed (no complete answer within the request timeout) after 2 attempt(s)");
    BOOST_TEST(has_sample(m, metric_line(m, "webhook", "failed"), 1));
}

BOOST_AUTO_TEST_CASE(an_untrusted_receiver_gets_nothing)
{
    Receiver r;
    NotifierOptions o = fast(r.options());
    o.max_attempts = 2;
    o.tls = make_client_tls_context(std::nullopt).value();  // the system store does not know the test CA
    asio::io_context ioc;
    Logs logs;
    Notifier n(ioc.get_executor(), o, nullptr, logs.fn());
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(sample_event());
        co_await n.drain(std::chrono::steady_clock::now() + 60s);
    });
    BOOST_TEST(r.server.received().empty());
    CHECK_LOGGED(logs, "TLS handshake with 127.0.0.1:" + std::to_string(r.server.port()) + " failed");
}

BOOST_AUTO_TEST_CASE(a_full_queue_drops_new_events_and_says_so)
{
    TempDir dir;
    NotifierOptions o;
    o.queue_capacity = 2;
    o.timeout = 60s;
    o.command = script(dir, "slow.sh", "sleep 60\n");
    asio::io_context ioc;
    Logs logs;
    XferdMetrics m("t");
    Notifier n(ioc.get_executor(), o, &m, logs.fn());
    run(ioc, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 5; ++i) n.notify(sample_event("batch" + std::to_string(i) + ".csv"));
        BOOST_TEST(n.pending() == 2u);
        co_await n.drain(std::chrono::steady_clock::now() + 100ms);  // gives up: the hook hangs
        n.stop();                                                     // kills it
    });
    CHECK_LOGGED(logs, "2 events already waiting; dropped finished_with_problems for batch2.csv");
    CHECK_LOGGED(logs, "dropped finished_with_problems for batch4.csv");
    CHECK_LOGGED(logs, "2 notification(s) not delivered before the deadline");
    CHECK_LOGGED(logs, "stopping with 2 notification(s) not delivered");
    BOOST_TEST(has_sample(m, metric_line(m, "command", "dropped"), 3));
    BOOST_TEST(n.pending() == 0u);
}

BOOST_AUTO_TEST_CASE(without_channels_nothing_is_queued)
{
    asio::io_context ioc;
    Logs logs;
    Notifier n(ioc.get_executor(), NotifierOptions{}, nullptr, logs.fn());
    BOOST_TEST(!n.enabled());
    run(ioc, [&]() -> asio::awaitable<void> {
        n.notify(sample_event());
        BOOST_TEST(n.pending() == 0u);
        co_await n.drain(std::chrono::steady_clock::now() + 60s);
    });
    BOOST_TEST(logs.lines.empty());
}

BOOST_AUTO_TEST_CASE(options_come_from_the_config)
{
    Receiver r;
    Config c;
    c.notify.webhook = "https://127.0.0.1:" + std::to_string(r.server.port()) + "/x";
    c.notify.timeout = 1500ms;
    c.api.ca_file = r.tls.ca;  // used when notify.ca_file is not set
    auto o = notifier_options(c);
    BOOST_REQUIRE(o);
    BOOST_TEST(o->timeout.count() == 1500);
    BOOST_TEST(o->tls != nullptr);
    auto logged = notify_once(*o);
    BOOST_TEST(r.server.received().size() == 1u, logged);

    c.notify.ca_file = r.dir.path() / "missing-ca.pem";
    auto bad = notifier_options(c);
    BOOST_REQUIRE(!bad);
    BOOST_TEST(bad.error().message.find("missing-ca.pem") != std::string::npos);
}

// notify.webhook goes the way the API's calls go: through api.proxy (with its credentials, never
// logged), and straight to a host NO_PROXY names.
BOOST_AUTO_TEST_CASE(the_webhook_goes_through_the_api_proxy_and_no_proxy_is_honoured)
{
    Receiver r;
    const std::string target = "127.0.0.1:" + std::to_string(r.server.port());
    const std::string password = "pr0xy-s3cret";
    test::ConnectProxy proxy(test::ConnectProxy::Mode::tunnel, basic_proxy_authorization("hooks", password));
    Config c;
    c.notify.webhook = "https://" + target + "/x";
    c.api.ca_file = r.tls.ca;
    c.api.proxy.origin = ProxyOrigin::key;
    c.api.proxy.server = ProxyServer{"127.0.0.1", std::to_string(proxy.port())};
    c.api.proxy_username = "hooks";
    c.api.proxy_password = password;
    auto deliver = [&](const Config& config) {
        auto o = notifier_options(config);
        BOOST_REQUIRE(o);
        auto logged = notify_once(*o);
        BOOST_TEST(logged.find(password) == std::string::npos);
        return logged;
    };
    auto through = deliver(c);
    BOOST_TEST(r.server.received().size() == 1u, through);
    BOOST_TEST(proxy.tunnels() == 1);
    BOOST_TEST_REQUIRE(proxy.request_lines().size() == 1u);
    BOOST_TEST(proxy.request_lines()[0] == "CONNECT " + target + " HTTP/1.1");

    c.api.proxy.origin = ProxyOrigin::env;   // HTTPS_PROXY, with NO_PROXY naming the receiver
    c.api.proxy.env_var = "HTTPS_PROXY";
    c.api.proxy.no_proxy = "127.0.0.1";
    c.api.proxy.no_proxy_var = "NO_PROXY";
    auto direct = deliver(c);
    BOOST_TEST(r.server.received().size() == 2u, direct);
    BOOST_TEST(proxy.connects() == 1, "NO_PROXY names the receiver: no CONNECT");
}
