// The `metrics:` and `notify:` config sections (kept apart from test_config.cpp, which is long
// enough): what each key accepts, what it refuses and what `xferd check` shows.
#include "config_test_support.hpp"
#include <boost/test/unit_test.hpp>

#include "xferd/core/config.hpp"
#include "xferd/service/config_loading.hpp"

#include <fstream>
#include <map>

using namespace xferd;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using TempDir = test::ConfigDir;

EnvLookup env_secrets()
{
    return [](const std::string& name) -> std::optional<std::string> {
        if (name == "XFERD_CLIENT_SECRET") return "s1";
        if (name == "XFERD_PASSWORD") return "s2";
        return std::nullopt;
    };
}

Result<Config> load_with(const TempDir& dir, const std::string& extra)
{
    auto file = dir.write("xferd.yaml",
                          "api:\n"
                          "  base_url: https://127.0.0.1:8443/mobproc/v1\n"
                          "  token_url: https://127.0.0.1:8443/as/token.oauth2\n"
                          "  tenant: ACME\n"
                          "  client_id: demo-client\n"
                          "  username: command://svc-offboarding\n"
                          "state_dir: state\n" +
                              extra);
    return load_config(file, env_secrets());
}

std::string error_of(const Result<Config>& r)
{
    BOOST_REQUIRE_MESSAGE(!r, "expected the config to be refused");
    return r.error().message;
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

#define CHECK_CONTAINS(text, part) \
    BOOST_CHECK_MESSAGE(contains((text), (part)), "expected \"" << (part) << "\" in:\n" << (text))

}  // namespace

BOOST_AUTO_TEST_CASE(monitoring_is_off_by_default)
{
    TempDir dir;
    auto c = load_with(dir, "");
    BOOST_REQUIRE(c);
    BOOST_TEST(!c->metrics.listen);
    BOOST_TEST(!c->notify.command);
    BOOST_TEST(!c->notify.webhook);
    BOOST_TEST(!c->notify.ca_file);
    BOOST_TEST(c->notify.timeout.count() == 10'000);
    std::string shown = describe_config(*c);
    CHECK_CONTAINS(shown, "metrics:\n  listen: ~  # off");
}

BOOST_AUTO_TEST_CASE(metrics_listen_takes_ipv4_and_bracketed_ipv6)
{
    TempDir dir;
    auto v4 = load_with(dir, "metrics:\n  listen: 127.0.0.1:9469\n");
    BOOST_REQUIRE(v4);
    BOOST_REQUIRE(v4->metrics.listen);
    BOOST_TEST(v4->metrics.listen->host == "127.0.0.1");
    BOOST_TEST(v4->metrics.listen->port == 9469);
    CHECK_CONTAINS(describe_config(*v4), "listen: 127.0.0.1:9469");
    auto v6 = load_with(dir, "metrics:\n  listen: \"[::1]:9470\"\n");
    BOOST_REQUIRE(v6);
    BOOST_TEST(v6->metrics.listen->host == "::1");
    BOOST_TEST(v6->metrics.listen->port == 9470);
    CHECK_CONTAINS(describe_config(*v6), "[::1]:9470");
}

BOOST_AUTO_TEST_CASE(metrics_listen_refuses_what_it_cannot_bind_as_written)
{
    TempDir dir;
    for (std::string bad : {"localhost:9469", "127.0.0.1", "9469", "127.0.0.1:0", "127.0.0.1:70000",
                            "\"::1:9469\"", "\"[::1]\"", "127.0.0.1:94x9"}) {
        std::string e = error_of(load_with(dir, "metrics:\n  listen: " + bad + "\n"));
        CHECK_CONTAINS(e, "line 9: 'metrics.listen' must be IP:PORT or [IPv6]:PORT");
    }
    CHECK_CONTAINS(error_of(load_with(dir, "metrics:\n  lisen: 127.0.0.1:9469\n")),
                   "unknown key 'lisen' under 'metrics' (did you mean 'listen'?)");
}

BOOST_AUTO_TEST_CASE(listen_addresses_parse_and_print)
{
    auto a = parse_listen_address("0.0.0.0:80");
    BOOST_REQUIRE(a);
    BOOST_TEST(to_string(*a) == "0.0.0.0:80");
    BOOST_TEST(!a->is_loopback());
    auto b = parse_listen_address("[::1]:0");
    BOOST_REQUIRE(b);
    BOOST_TEST(to_string(*b) == "[::1]:0");
    BOOST_TEST(b->is_loopback());
    BOOST_TEST(parse_listen_address("127.0.0.2:1")->is_loopback());
    BOOST_TEST(!parse_listen_address("[127.0.0.1]:1"));
    BOOST_TEST(!parse_listen_address("127.0.0.1:"));
    BOOST_TEST(!parse_listen_address(""));
}

BOOST_AUTO_TEST_CASE(notify_command_must_be_an_absolute_executable)
{
    TempDir dir;
    auto script = dir.write("hook.sh", "#!/bin/sh\ncat >/dev/null\n", fs::perms(0700));
    auto plain = dir.write("plain.txt", "not a program\n", fs::perms(0600));
    auto ok = load_with(dir, "notify:\n  command: " + script.string() + "\n");
    BOOST_REQUIRE(ok);
    BOOST_TEST(ok->notify.command->string() == script.string());
    CHECK_CONTAINS(describe_config(*ok), "command: " + script.string());

    CHECK_CONTAINS(error_of(load_with(dir, "notify:\n  command: hook.sh\n")),
                   "'notify.command' must be the absolute path of a program (it is run without a shell");
    CHECK_CONTAINS(error_of(load_with(dir, "notify:\n  command: " + script.string() + " --urgent\n")),
                   "is not an executable file");
    CHECK_CONTAINS(error_of(load_with(dir, "notify:\n  command: " + plain.string() + "\n")),
                   "'notify.command': " + plain.string() + " is not an executable file");
    CHECK_CONTAINS(error_of(load_with(dir, "notify:\n  command: " + dir.path.string() + "\n")),
                   "is not an executable file");
}

BOOST_AUTO_TEST_CASE(notify_webhook_is_https_only_and_its_path_is_not_shown)
{
    TempDir dir;
    auto ok = load_with(dir, "notify:\n  webhook: https://hooks.example.com:8443/services/T0/B0/s3cr3t\n");
    BOOST_REQUIRE(ok);
    BOOST_TEST(*ok->notify.webhook == "https://hooks.example.com:8443/services/T0/B0/s3cr3t");
    std::string shown = describe_config(*ok);
    CHECK_CONTAINS(shown, "webhook: https://hooks.example.com:8443/<redacted path>");
    BOOST_TEST(!contains(shown, "s3cr3t"));

    CHECK_CONTAINS(error_of(load_with(dir, "notify:\n  webhook: http://hooks.example.com/x\n")),
                   "'notify.webhook' must be an https:// URL, not http://");
    std::string e = error_of(load_with(dir, "notify:\n  webhook: https://user:pw@hooks.example.com/x\n"));
    CHECK_CONTAINS(e, "'notify.webhook' must not contain a user name or password");
    BOOST_TEST(!contains(e, "pw@"));
    CHECK_CONTAINS(error_of(load_with(dir, "notify:\n  webhook: https://hooks.example.com/x?token=1\n")),
                   "'notify.webhook' must not have a '?query' or '#fragment' part");
}

BOOST_AUTO_TEST_CASE(notify_timeout_and_ca_file)
{
    TempDir dir;
    auto ok = load_with(dir, "notify:\n  webhook: https://127.0.0.1:9/x\n  timeout: 2500ms\n  ca_file: hooks-ca.pem\n");
    BOOST_REQUIRE(ok);
    BOOST_TEST(ok->notify.timeout.count() == 2500);
    BOOST_TEST(ok->notify.ca_file->string() == (dir.path / "hooks-ca.pem").string());
    std::string shown = describe_config(*ok);
    CHECK_CONTAINS(shown, "timeout: 2500ms");
    CHECK_CONTAINS(shown, "ca_file: " + (dir.path / "hooks-ca.pem").string());

    CHECK_CONTAINS(error_of(load_with(dir, "notify:\n  timeout: 50ms\n")),
                   "'notify.timeout' must be between 100ms and 10m, not 50ms");
    CHECK_CONTAINS(error_of(load_with(dir, "notify:\n  timeout: soon\n")), "'notify.timeout' must be a duration");
    CHECK_CONTAINS(error_of(load_with(dir, "notify:\n  comand: /bin/true\n")),
                   "unknown key 'comand' under 'notify' (did you mean 'command'?)");
}

BOOST_AUTO_TEST_CASE(the_example_serves_metrics_on_loopback_and_notifies_nobody)
{
    auto c = load_config(fs::path(XFERD_SOURCE_DIR) / "config" / "xferd.example.yaml", env_secrets());
    BOOST_REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    BOOST_REQUIRE(c->metrics.listen);
    BOOST_TEST(to_string(*c->metrics.listen) == "127.0.0.1:9469");
    BOOST_TEST(c->metrics.listen->is_loopback());
    BOOST_TEST(!c->notify.command);
    BOOST_TEST(!c->notify.webhook);
    BOOST_TEST(c->notify.timeout.count() == 10'000);
}
