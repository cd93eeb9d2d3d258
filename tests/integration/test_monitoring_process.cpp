// Metrics and notifications as a user of `xferd once` and `xferd run` sees them: the events a
// notify.command script and a webhook (loopback HTTPS receiver) get, with the batch file, its
// state, the counts and the reports; a scrape of /metrics while `run` works.
#include "https_receiver.hpp"
#include "process_env.hpp"

#include "xferd/sim/tls.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>

#include <sys/stat.h>

using namespace xferd;
using namespace xferd::test::process;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;
namespace asio = boost::asio;

namespace {

struct Hooks {
    test::TempDir dir{"xferd-hooks"};
    sim::TlsFiles tls = sim::ensure_tls_material(dir.path());
    test::HttpsReceiver webhook{tls.cert, tls.key};
    fs::path events = dir / "events.jsonl";
    fs::path script = dir / "hook.sh";

    Hooks()
    {
        write_file(script, "#!/bin/sh\ncat >> '" + events.string() + "'\necho >> '" + events.string() + "'\n");
        ::chmod(script.c_str(), 0755);
    }
    [[nodiscard]] std::string config(const std::string& timeout = "5s") const
    {
        return "notify:\n  command: " + script.string() + "\n  webhook: https://127.0.0.1:" +
               std::to_string(webhook.port()) + "/hooks/xferd\n  ca_file: " + tls.ca.string() +
               "\n  timeout: " + timeout + "\n";
    }
    [[nodiscard]] std::vector<json::object> command_events() const
    {
        std::vector<json::object> out;
        std::ifstream in(events);
        std::string line;
        while (std::getline(in, line))
            if (!line.empty()) out.push_back(json::parse(line).as_object());
        return out;
    }
};

const json::object* event_for(const std::vector<json::object>& events, const std::string& kind, const std::string& file)
{
    for (const auto& e : events)
        if (e.at("event").as_string() == kind && std::string(e.at("batch_file").as_string()).ends_with(file)) return &e;
    return nullptr;
}

std::int64_t count(const json::object& e, const char* key) { return e.at("counts").at(key).to_number<std::int64_t>(); }

// GET over plain HTTP on 127.0.0.1; the body, or "" when it failed.
std::string http_get(std::uint16_t port, const std::string& target)
{
    try {
        asio::io_context ioc;
        asio::ip::tcp::socket s(ioc);
        s.connect({asio::ip::make_address("127.0.0.1"), port});
        const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        asio::write(s, asio::buffer(request));
        std::string response;
        boost::system::error_code ec;
        asio::read(s, asio::dynamic_buffer(response), ec);
        auto body = response.find("\r\n\r\n");
        return body == std::string::npos ? std::string() : response.substr(0, body) + "\n\n" + response.substr(body + 4);
    } catch (const std::exception&) {
        return {};
    }
}

// The value of one series line ("name{labels} value"), or -1.
double series(const std::string& text, const std::string& name)
{
    auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + name.size() + 2));
}

// A port free on 127.0.0.1 just now (the config wants a real port).
std::uint16_t free_port()
{
    asio::io_context ioc;
    asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

// Written a while ago: `once` takes it at once (no settle to wait for).
void write_old(const fs::path& p, const std::string& content)
{
    write_file(p, content);
    fs::last_write_time(p, fs::file_time_type::clock::now() - 1h);
}

}  // namespace

BOOST_AUTO_TEST_CASE(once_notifies_the_command_and_the_webhook_with_counts_and_reports)
{
    Hooks hooks;
    Env env(with([&](ConfigOptions& o) { o.extra = hooks.config(); }));
    write_old(env.dir / "inbox" / "leavers.csv", canonical_csv(env.services, "NOTE", 3));
    write_old(env.dir / "inbox" / "empty.csv", "external_order_number,service_id,service_number,contact_number,personal_email\r\n");
    // Two rows of three INVALID: over approval.max_reject_ratio, the batch gate holds it.
    std::string held = canonical_csv(env.services, "GATE", 3);
    for (int i = 0; i < 2; ++i) held.replace(held.rfind("@example.org"), 12, "-not-an-address");
    write_old(env.dir / "inbox" / "mapping-gone-wrong.csv", held);
    Child once({"once", "--config", env.config.string()}, env.log);
    BOOST_TEST(once.wait(60s) == 1, read_or_empty(env.log));   // a file was rejected, one held

    // Both delivered before `once` exited.
    for (const auto& events : {hooks.command_events(), [&] {
             std::vector<json::object> out;
             for (const auto& r : hooks.webhook.received()) out.push_back(json::parse(r.body).as_object());
             return out;
         }()}) {
        BOOST_TEST(events.size() == 3u, read_or_empty(env.log));
        const json::object* done = event_for(events, "batch_done", "/inbox/leavers.csv");
        BOOST_REQUIRE_MESSAGE(done, read_or_empty(env.log));
        BOOST_TEST(done->at("state").as_string() == "done");
        BOOST_TEST(count(*done, "rows") == 3);
        BOOST_TEST(count(*done, "submitted") == 3);
        BOOST_TEST(count(*done, "failed") == 0);
        BOOST_TEST(done->at("reports").at("results_csv").as_string() == (env.dir / "inbox" / "leavers.results.csv").string());
        BOOST_TEST(done->at("reports").at("confirmation_html").as_string() ==
                   (env.dir / "inbox" / "leavers.confirmation.html").string());
        const json::object* rejected = event_for(events, "file_rejected", "/inbox/empty.csv");
        BOOST_REQUIRE(rejected);
        BOOST_TEST(rejected->at("state").as_string() == "rejected");
        BOOST_TEST(rejected->at("reports").at("error_file").as_string() == (env.dir / "inbox" / "empty.error.txt").string());
        const json::object* gate = event_for(events, "batch_held", "/inbox/mapping-gone-wrong.csv");
        BOOST_REQUIRE(gate);
        BOOST_TEST(gate->at("state").as_string() == "held");
        BOOST_TEST(count(*gate, "rows") == 3);
        BOOST_TEST(count(*gate, "invalid") == 2);
        BOOST_TEST(count(*gate, "submitted") == 0);
    }
    BOOST_TEST(hooks.webhook.received().at(0).target == "/hooks/xferd");
    BOOST_TEST(env.audited() == 3u);
}

BOOST_AUTO_TEST_CASE(once_waits_only_notify_timeout_for_a_hook_that_hangs)
{
    Hooks hooks;
    hooks.webhook.hang(true);
    Env env(with([&](ConfigOptions& o) { o.extra = hooks.config("1s"); }));
    write_old(env.dir / "inbox" / "leavers.csv", canonical_csv(env.services, "HANG", 2));
    const auto started = std::chrono::steady_clock::now();
    Child once({"once", "--config", env.config.string()}, env.log);
    BOOST_TEST(once.wait(60s) == 0, read_or_empty(env.log));   // the batch is not failed by its hook
    BOOST_TEST((std::chrono::steady_clock::now() - started < 30s));
    require_all_submitted(env.results("inbox/leavers.results.csv"), 2);
    BOOST_TEST(event_for(hooks.command_events(), "batch_done", "/inbox/leavers.csv") != nullptr);
    BOOST_TEST(read_or_empty(env.log).find("notification(s) not delivered") != std::string::npos, read_or_empty(env.log));
}

BOOST_AUTO_TEST_CASE(run_serves_metrics_that_move_with_the_batches)
{
    const std::uint16_t port = free_port();
    Env env(with([&](ConfigOptions& o) {
        o.approval = "mode: manual";
        o.extra = "metrics:\n  listen: 127.0.0.1:" + std::to_string(port) + "\n";
    }));
    Child xferd({"run", "--config", env.config.string()}, env.log);
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return read_or_empty(env.log).find("xferd run: watching") != std::string::npos; }, 10s),
                          read_or_empty(env.log));
    BOOST_TEST(http_get(port, "/healthz").starts_with("HTTP/1.1 200"));
    std::string m = http_get(port, "/metrics");
    BOOST_TEST(series(m, "xferd_batches_total{outcome=\"done\"}") == 0);

    move_in(env.dir / "inbox" / "review.csv", canonical_csv(env.services, "MET", 3));
    BOOST_REQUIRE_MESSAGE(wait_until([&] {
        return series(http_get(port, "/metrics"), "xferd_batches_waiting_for_approval") == 1;
    }, 20s), read_or_empty(env.log));
    m = http_get(port, "/metrics");
    BOOST_TEST(series(m, "xferd_batches_total{outcome=\"waiting_for_approval\"}") == 1);
    BOOST_TEST(series(m, "xferd_rows_total{phase=\"validate\",outcome=\"valid\"}") == 3);
    BOOST_TEST(series(m, "xferd_rows_total{phase=\"confirm\",outcome=\"approved\"}") == 3);
    BOOST_TEST(series(m, "xferd_rows_total{phase=\"submit\",outcome=\"submitted\"}") == 0);
    BOOST_TEST(series(m, "xferd_store_commit_duration_seconds_count") > 0);

    move_in(env.dir / "inbox" / "review.approve", "all\n");
    BOOST_REQUIRE_MESSAGE(wait_until([&] {
        return series(http_get(port, "/metrics"), "xferd_batches_total{outcome=\"done\"}") == 1;
    }, 20s), read_or_empty(env.log));
    m = http_get(port, "/metrics");
    BOOST_TEST(series(m, "xferd_rows_total{phase=\"submit\",outcome=\"submitted\"}") == 3);
    BOOST_TEST(series(m, "xferd_rows_total{phase=\"confirm\",outcome=\"approved\"}") == 3);   // not counted twice
    BOOST_TEST(series(m, "xferd_batches_waiting_for_approval") == 0);
    BOOST_TEST(series(m, "xferd_batches_total{outcome=\"waiting_for_approval\"}") == 1);
    // The API client reports too: its requests, their durations and the token it got.
    BOOST_TEST(series(m, "xferd_api_request_duration_seconds_count{endpoint=\"confirm\"}") >= 3, m);
    BOOST_TEST(series(m, "xferd_api_request_duration_seconds_count{endpoint=\"submit\"}") >= 3, m);
    BOOST_TEST(series(m, "xferd_token_requests_total{grant=\"password\",result=\"ok\"}") >= 1, m);
    BOOST_TEST(env.audited() == 3u);

    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait(20s) == 0);
}

BOOST_AUTO_TEST_CASE(run_notifies_waiting_for_approval_and_a_refused_approval)
{
    Hooks hooks;
    Env env(with([&](ConfigOptions& o) {
        o.approval = "mode: manual\n  max_age: 1s";
        o.extra = hooks.config();
    }));
    Child xferd({"run", "--config", env.config.string()}, env.log);
    move_in(env.dir / "inbox" / "late.csv", canonical_csv(env.services, "LATE", 2));
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return event_for(hooks.command_events(), "waiting_for_approval", "/inbox/late.csv"); }, 20s),
                          read_or_empty(env.log));
    const json::object waiting = *event_for(hooks.command_events(), "waiting_for_approval", "/inbox/late.csv");
    BOOST_TEST(waiting.at("state").as_string() == "waiting_for_approval");
    BOOST_TEST(count(waiting, "approved") == 2);
    BOOST_TEST(waiting.at("approval").at("approve_file").as_string() == (env.dir / "inbox" / "late.approve").string());
    BOOST_TEST(waiting.at("reports").at("confirmation_csv").as_string() == (env.dir / "inbox" / "late.confirmation.csv").string());

    std::this_thread::sleep_for(1500ms);  // the confirmation is now older than approval.max_age
    move_in(env.dir / "inbox" / "late.approve", "all\n");
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return event_for(hooks.command_events(), "approval_refused", "/inbox/late.csv"); }, 20s),
                          read_or_empty(env.log));
    const json::object refused = *event_for(hooks.command_events(), "approval_refused", "/inbox/late.csv");
    BOOST_TEST(refused.at("refusal").at("approval_file").as_string() == (env.dir / "inbox" / "late.approve").string());
    BOOST_TEST(std::string(refused.at("refusal").at("reason").as_string()).find("max_age") != std::string::npos);
    BOOST_TEST(wait_until([&] { return hooks.webhook.received().size() == 2; }, 10s));
    // A refused approval does not say "waiting for approval" again.
    BOOST_TEST(hooks.command_events().size() == 2u);
    BOOST_TEST(env.audited() == 0u);
    xferd.signal(SIGTERM);
    BOOST_TEST(xferd.wait(20s) == 0);
}
