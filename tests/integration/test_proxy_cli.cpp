// The real `xferd once` and `xferd check` through an HTTP CONNECT proxy on loopback (api.proxy,
// HTTPS_PROXY, NO_PROXY), with proxy credentials that appear nowhere but in the proxy's header,
// and what an operator reads when the proxy refuses, is down or talks nonsense.
#include "connect_proxy.hpp"
#include "results_csv.hpp"
#include "xferd_cli.hpp"

#include "xferd/batch/report.hpp"
#include "xferd/core/proxy_settings.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <map>

using namespace xferd;
namespace fs = std::filesystem;
using test::ConnectProxy;

namespace {

const std::string proxy_password = "pr0xy-S3cret-9d2";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Sets environment variables for the xferd processes a test starts; restores them after.
class ScopedEnv {
public:
    explicit ScopedEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars))
    {
        for (const auto& [name, value] : vars_) ::setenv(name.c_str(), value.c_str(), 1);
    }
    ~ScopedEnv()
    {
        for (const auto& [name, value] : vars_) ::unsetenv(name.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::map<std::string, std::string> vars_;
};

fs::path config_with(const test::TempDir& dir, test::SimFixture& sim, const std::string& api_extra)
{
    test::CliConfig c;
    c.api_extra = api_extra + "  retry_base_delay: 20ms\n";
    return test::write_cli_config(dir, sim, c);
}

fs::path drop_batch(const test::TempDir& dir)
{
    const auto input = dir / "inbox/eu.csv";
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), input);
    return input;
}

std::string sim_target(test::SimFixture& sim) { return "CONNECT 127.0.0.1:" + std::to_string(sim.port()) + " HTTP/1.1"; }

// Every row SUBMITTED, and the simulator's audit holds exactly those orders, once each.
void require_all_submitted_and_audited(test::SimFixture& sim, const fs::path& input)
{
    const auto results = test::read_csv_report(output_paths_for(input).results_csv);
    BOOST_TEST(results.size() == 6u);
    std::map<std::string, std::string> order_of;
    for (const auto& row : results) {
        BOOST_TEST(row.at("status") == "SUBMITTED", row.at("external_order_number") << ": " << row.at("message"));
        order_of[row.at("external_order_number")] = row.at("order_id");
    }
    const auto audit = sim.audit_entries();
    BOOST_TEST(audit.size() == results.size());
    for (const auto& entry : audit)
        BOOST_TEST(order_of[std::string(entry.at("externalOrderNumber").as_string())] ==
                   std::string(entry.at("orderId").as_string()));
}

// Every CONNECT the proxy saw asked for the simulator (the token endpoint and the API share it).
void require_connects_to_sim(const ConnectProxy& proxy, test::SimFixture& sim)
{
    BOOST_TEST(proxy.connects() >= 1);
    for (const auto& line : proxy.request_lines()) BOOST_TEST(line == sim_target(sim));
}

// Every file under `dir` (reports, logs, the store, xferd's output), but the secret's own file.
std::vector<fs::path> files_written(const fs::path& dir, const fs::path& except)
{
    std::vector<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path() != except) out.push_back(e.path());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_cli)

BOOST_AUTO_TEST_CASE(once_through_api_proxy_submits_every_row_over_pooled_tunnels)
{
    test::SimFixture sim;
    ConnectProxy proxy;
    test::TempDir dir;
    auto config = config_with(dir, sim, "  proxy: " + proxy.url() + "\n");
    const auto input = drop_batch(dir);
    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    require_all_submitted_and_audited(sim, input);
    require_connects_to_sim(proxy, sim);
    BOOST_TEST(proxy.tunnels() == proxy.connects());
    BOOST_TEST_MESSAGE("CONNECTs for 1 token + 6 confirms + 6 submits: " << proxy.connects());
    // 1 token + 6 confirms + 6 submits over at most api.concurrency (4) kept-alive tunnels.
    BOOST_TEST(proxy.connects() <= 5, proxy.connects() << " CONNECTs: keep-alive connections are reused");
    for (const auto& auth : proxy.authorizations()) BOOST_TEST(auth.empty(), "no credentials configured");
}

BOOST_AUTO_TEST_CASE(once_through_https_proxy_from_the_environment)
{
    test::SimFixture sim;
    ConnectProxy proxy;
    test::TempDir dir;
    ScopedEnv env({{"HTTPS_PROXY", proxy.url()}});
    auto config = config_with(dir, sim, "");
    const auto input = drop_batch(dir);
    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    require_all_submitted_and_audited(sim, input);
    require_connects_to_sim(proxy, sim);
}

BOOST_AUTO_TEST_CASE(no_proxy_bypasses_the_proxy_and_api_proxy_none_ignores_the_environment)
{
    test::SimFixture sim;
    ConnectProxy proxy;
    {
        test::TempDir dir;
        ScopedEnv env({{"HTTPS_PROXY", proxy.url()}, {"NO_PROXY", "localhost,127.0.0.1"}});
        auto config = config_with(dir, sim, "");
        const auto input = drop_batch(dir);
        auto r = test::run_xferd(dir, {"once", "--config", config.string()});
        BOOST_TEST(r.status == 0, r.out << r.err);
        require_all_submitted_and_audited(sim, input);
    }
    BOOST_TEST(proxy.connects() == 0);
    test::TempDir dir;
    ScopedEnv env({{"HTTPS_PROXY", proxy.url()}});
    auto r = test::run_xferd(dir, {"check", "--config", config_with(dir, sim, "  proxy: none\n").string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    BOOST_TEST(has(r.out, "proxy: none  # api.proxy: none (HTTPS_PROXY is ignored)"), r.out);
    BOOST_TEST(proxy.connects() == 0);
}

BOOST_AUTO_TEST_CASE(proxy_credentials_reach_the_proxy_and_nothing_else)
{
    test::SimFixture sim;
    const std::string basic = basic_proxy_authorization("svc-proxy", proxy_password);
    ConnectProxy proxy(ConnectProxy::Mode::tunnel, basic);
    test::TempDir dir;
    std::ofstream(dir / "proxy_password") << proxy_password << "\n";
    auto config = config_with(dir, sim, "  proxy: " + proxy.url() +
                                            "\n  proxy_username: svc-proxy\n  proxy_password_file: proxy_password\n");
    const auto input = drop_batch(dir);
    auto check = test::run_xferd(dir, {"check", "--config", config.string()}, "check");
    BOOST_TEST(check.status == 0, check.out << check.err);
    BOOST_TEST(has(check.out, "proxy: " + proxy.url() + "  # from api.proxy"), check.out);
    BOOST_TEST(has(check.out, "proxy_password: <redacted, from " + (dir / "proxy_password").string() + ">"), check.out);
    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    require_all_submitted_and_audited(sim, input);
    require_connects_to_sim(proxy, sim);
    for (const auto& auth : proxy.authorizations()) BOOST_TEST(auth == basic);

    const std::string encoded = basic.substr(6);
    const auto files = files_written(dir.path(), dir / "proxy_password");
    BOOST_TEST(files.size() >= 5u, "results, confirmation, log, store, outputs");
    for (const auto& file : files) {
        const std::string text = test::read_text(file);
        BOOST_TEST(!has(text, proxy_password), file.string() << " holds the proxy password");
        BOOST_TEST(!has(text, encoded), file.string() << " holds the Proxy-Authorization value");
    }
}

BOOST_AUTO_TEST_CASE(credentials_in_the_https_proxy_url_are_used_and_never_printed)
{
    test::SimFixture sim;
    ConnectProxy proxy(ConnectProxy::Mode::tunnel, basic_proxy_authorization("svc-proxy", proxy_password));
    test::TempDir dir;
    ScopedEnv env({{"HTTPS_PROXY", "http://svc-proxy:" + proxy_password + "@127.0.0.1:" + std::to_string(proxy.port())}});
    auto r = test::run_xferd(dir, {"check", "--config", config_with(dir, sim, "").string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    BOOST_TEST(has(r.out, "proxy: http://<redacted>@127.0.0.1:" + std::to_string(proxy.port())), r.out);
    BOOST_TEST(has(r.out, "# API: OK"), r.out);
    BOOST_TEST(!has(r.out + r.err, proxy_password));
    BOOST_TEST(!has(r.out + r.err, "svc-proxy"));
    require_connects_to_sim(proxy, sim);
}

BOOST_AUTO_TEST_CASE(a_407_stops_once_with_exit_3_naming_the_proxy_credentials_without_retrying)
{
    test::SimFixture sim;
    ConnectProxy proxy(ConnectProxy::Mode::tunnel, basic_proxy_authorization("svc-proxy", "the-right-one"));
    test::TempDir dir;
    ScopedEnv env({{"XFERD_PROXY_PASSWORD", proxy_password}});
    auto config = config_with(dir, sim, "  proxy: " + proxy.url() + "\n  proxy_username: svc-proxy\n");
    const auto input = drop_batch(dir);
    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 3, r.out << r.err);
    const std::string said = r.out + r.err;
    BOOST_TEST(has(said, "the proxy " + proxy.url() + " refused CONNECT 127.0.0.1:" + std::to_string(sim.port()) +
                             ": HTTP 407 Proxy Authentication Required — check api.proxy_username and the proxy "
                             "password"),
               said);
    BOOST_TEST(!has(said, proxy_password));
    BOOST_TEST(proxy.connects() == 1, "wrong proxy credentials are not tried again (account lockout)");
    BOOST_TEST(!fs::exists(output_paths_for(input).results_csv), "the batch is left untouched");
    BOOST_TEST(sim.audit_entries().empty());

    auto check = test::run_xferd(dir, {"check", "--config", config.string()}, "check");
    BOOST_TEST(check.status == 3, check.out << check.err);
    BOOST_TEST(has(check.err, "HTTP 407 Proxy Authentication Required — check api.proxy_username"), check.err);
    BOOST_TEST(!has(check.err, "check api.client_id"), "not the API's credentials: " << check.err);
}

BOOST_AUTO_TEST_CASE(a_proxy_that_is_down_is_named_not_the_api)
{
    test::SimFixture sim;
    std::string url;
    {
        ConnectProxy gone;
        url = gone.url();
    }
    test::TempDir dir;
    auto config = config_with(dir, sim, "  proxy: " + url + "\n");
    drop_batch(dir);
    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 3, r.out << r.err);
    BOOST_TEST(has(r.out + r.err, "cannot connect to the proxy " + url + ": Connection refused — check api.proxy"),
               r.out << r.err);
    BOOST_TEST(sim.audit_entries().empty());
}

BOOST_AUTO_TEST_CASE(a_misbehaving_proxy_is_bounded_and_each_failure_says_what_happened)
{
    test::SimFixture sim;
    const std::vector<std::pair<ConnectProxy::Mode, std::string>> cases{
        {ConnectProxy::Mode::endless_header, "did not answer CONNECT 127.0.0.1:" + std::to_string(sim.port()) +
                                                 ": its answer's headers were larger than 16 KiB"},
        {ConnectProxy::Mode::dripping_header, "did not answer CONNECT 127.0.0.1:" + std::to_string(sim.port()) +
                                                  ": no complete answer within 300 ms (api.connect_timeout)"},
        {ConnectProxy::Mode::close_early, ": it closed the connection — check api.proxy"},
        {ConnectProxy::Mode::junk, ": its answer is not HTTP"},
        {ConnectProxy::Mode::refuse_403, "HTTP 403 Forbidden — the proxy's policy does not let xferd reach"},
        {ConnectProxy::Mode::refuse_502, "HTTP 502 Bad Gateway — the proxy cannot reach 127.0.0.1:"},
    };
    for (const auto& [mode, expected] : cases) {
        BOOST_TEST_CONTEXT("expected: " << expected)
        {
            ConnectProxy proxy(mode);
            test::TempDir dir;
            auto config = config_with(dir, sim, "  proxy: " + proxy.url() + "\n  connect_timeout: 300ms\n");
            auto r = test::run_xferd(dir, {"check", "--config", config.string()}, std::chrono::seconds(60));
            BOOST_TEST(r.status == 3, r.out << r.err);
            BOOST_TEST(has(r.err, expected), r.err);
            BOOST_TEST(!has(r.out, "# token endpoint: OK"));
            // 403 is the same next time: asked once; the rest may pass: asked api.max_attempts (2) times.
            BOOST_TEST(proxy.connects() == (mode == ConnectProxy::Mode::refuse_403 ? 1 : 2));
        }
    }
    BOOST_TEST(sim.audit_entries().empty());
}

BOOST_AUTO_TEST_CASE(check_through_the_proxy_authenticates_and_calls_the_api)
{
    test::SimFixture sim;
    ConnectProxy proxy;
    test::TempDir dir;
    ScopedEnv env({{"https_proxy", proxy.url()}});
    auto r = test::run_xferd(dir, {"check", "--config", config_with(dir, sim, "").string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    BOOST_TEST(has(r.out, "proxy: " + proxy.url() + "  # from env https_proxy; base_url via the proxy, token_url via the proxy"),
               r.out);
    BOOST_TEST(has(r.out, "# token endpoint: OK"), r.out);
    BOOST_TEST(has(r.out, "# API: OK (GET /me answered for tenant ACME)"), r.out);
    require_connects_to_sim(proxy, sim);
}

BOOST_AUTO_TEST_SUITE_END()
