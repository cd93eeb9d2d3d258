// api.proxy, HTTPS_PROXY / NO_PROXY and the proxy credentials as load_config reads them and
// `xferd check` prints them: the effective proxy, where it came from, secrets never shown.
#include <boost/test/unit_test.hpp>

#include "xferd/core/config.hpp"
#include "xferd/service/config_loading.hpp"

#include <cstdlib>
#include <fstream>
#include <map>

using namespace xferd;
namespace fs = std::filesystem;

namespace {

struct ConfigFile {
    fs::path dir;
    explicit ConfigFile(const std::string& api_extra)
    {
        std::string tmpl = (fs::temp_directory_path() / "xferd-proxy-config-XXXXXX").string();
        dir = ::mkdtemp(tmpl.data());
        std::ofstream(dir / "xferd.yaml") << "api:\n  base_url: https://mobproc.example.com/mobproc/v1\n"
                                             "  token_url: https://oauth.corp/as/token.oauth2\n"
                                             "  tenant: ACME\n  client_id: c\n  username: u\n"
                                          << api_extra << "state_dir: state\n";
    }
    ~ConfigFile()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    fs::path file() const { return dir / "xferd.yaml"; }
};

EnvLookup env_with(std::map<std::string, std::string> extra)
{
    extra.emplace("XFERD_CLIENT_SECRET", "s3cret-client");
    extra.emplace("XFERD_PASSWORD", "s3cret-password");
    return [extra](const std::string& name) -> std::optional<std::string> {
        auto it = extra.find(name);
        if (it == extra.end()) return std::nullopt;
        return it->second;
    };
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Config loaded(const ConfigFile& f, const EnvLookup& env)
{
    auto c = load_config(f.file(), env);
    BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
    return *c;
}

std::string error_of(const ConfigFile& f, const EnvLookup& env)
{
    auto c = load_config(f.file(), env);
    BOOST_REQUIRE(!c.has_value());
    return c.error().message;
}

}  // namespace

BOOST_AUTO_TEST_CASE(without_key_or_environment_every_host_is_reached_directly)
{
    ConfigFile f("");
    auto c = loaded(f, env_with({}));
    BOOST_TEST((c.api.proxy.origin == ProxyOrigin::none));
    const auto text = describe_config(c);
    BOOST_TEST(has(text, "proxy: ~  # none: no api.proxy, no HTTPS_PROXY"), text);
    BOOST_TEST(has(text, "proxy_username: ~"), text);
}

BOOST_AUTO_TEST_CASE(the_key_wins_over_the_environment_and_none_switches_it_off)
{
    const auto env = env_with({{"HTTPS_PROXY", "http://envproxy:8080"}, {"NO_PROXY", "*"}});
    ConfigFile key("  proxy: http://proxy.corp:3128\n");
    auto c = loaded(key, env);
    BOOST_TEST((c.api.proxy.origin == ProxyOrigin::key));
    BOOST_TEST(c.api.proxy.server->host == "proxy.corp");
    BOOST_TEST(proxy_for(c.api.proxy, "oauth.corp") != nullptr, "NO_PROXY comes with HTTPS_PROXY only");
    BOOST_TEST(has(describe_config(c), "proxy: http://proxy.corp:3128  # from api.proxy"), describe_config(c));

    for (const char* off : {"  proxy: none\n", "  proxy: \"\"\n", "  proxy:\n"}) {
        ConfigFile none(off);
        auto n = loaded(none, env);
        BOOST_TEST((n.api.proxy.origin == ProxyOrigin::key_disabled), off);
        BOOST_TEST(proxy_for(n.api.proxy, "mobproc.example.com") == nullptr);
        BOOST_TEST(has(describe_config(n), "proxy: none  # api.proxy: none (HTTPS_PROXY is ignored)"), describe_config(n));
    }
}

BOOST_AUTO_TEST_CASE(a_key_with_credentials_or_another_scheme_is_an_error_that_never_echoes_them)
{
    ConfigFile secret("  proxy: http://alice:hunter2@proxy:3128\n");
    auto e = error_of(secret, env_with({}));
    BOOST_TEST(has(e, "line 7"), e);
    BOOST_TEST(has(e, "api.proxy_username"), e);
    BOOST_TEST(has(e, "XFERD_PROXY_PASSWORD"), e);
    BOOST_TEST(!has(e, "hunter2"), e);

    ConfigFile socks("  proxy: socks5://proxy:1080\n");
    BOOST_TEST(has(error_of(socks, env_with({})), "must start with http://"));

    ConfigFile in_yaml("  proxy: http://proxy:3128\n  proxy_username: alice\n  proxy_password: hunter2\n");
    auto y = error_of(in_yaml, env_with({}));
    BOOST_TEST(has(y, "'api.proxy_password': a secret does not belong in the config file"), y);
    BOOST_TEST(!has(y, "hunter2"), y);
}

BOOST_AUTO_TEST_CASE(https_proxy_applies_per_host_with_no_proxy_and_its_credentials_are_redacted)
{
    ConfigFile f("");
    auto c = loaded(f, env_with({{"HTTPS_PROXY", "http://alice:hunter2@proxy.corp:3128"}, {"NO_PROXY", ".corp"}}));
    BOOST_TEST((c.api.proxy.origin == ProxyOrigin::env));
    BOOST_TEST(c.api.proxy_username == "alice");
    BOOST_TEST(c.api.proxy_password == "hunter2");
    BOOST_TEST(proxy_for(c.api.proxy, "oauth.corp") == nullptr);
    BOOST_TEST(proxy_for(c.api.proxy, "mobproc.example.com") != nullptr);
    const auto text = describe_config(c);
    BOOST_TEST(has(text, "proxy: http://<redacted>@proxy.corp:3128  # from env HTTPS_PROXY, NO_PROXY=.corp; base_url "
                         "via the proxy, token_url direct (NO_PROXY)"),
               text);
    BOOST_TEST(has(text, "proxy_username: <redacted, from env HTTPS_PROXY>"), text);
    BOOST_TEST(has(text, "proxy_password: <redacted, from env HTTPS_PROXY>"), text);
    BOOST_TEST(!has(text, "hunter2"), text);
    BOOST_TEST(!has(text, "alice"), text);

    auto bad = error_of(f, env_with({{"https_proxy", "ftp://alice:hunter2@proxy.corp"}}));
    BOOST_TEST(has(bad, "https_proxy"), bad);
    BOOST_TEST(!has(bad, "hunter2"), bad);
}

BOOST_AUTO_TEST_CASE(proxy_username_takes_its_password_like_the_other_secrets)
{
    ConfigFile env_pw("  proxy: http://proxy:3128\n  proxy_username: svc-xferd\n");
    auto c = loaded(env_pw, env_with({{"XFERD_PROXY_PASSWORD", "pr0xy-pw"},
                                      {"HTTPS_PROXY", "http://other:secret@envproxy:1"}}));
    BOOST_TEST(c.api.proxy_username == "svc-xferd");
    BOOST_TEST(c.api.proxy_password == "pr0xy-pw");
    auto text = describe_config(c);
    BOOST_TEST(has(text, "proxy_username: svc-xferd"), text);
    BOOST_TEST(has(text, "proxy_password: <redacted, from env XFERD_PROXY_PASSWORD>"), text);
    BOOST_TEST(!has(text, "pr0xy-pw"), text);

    ConfigFile file_pw("  proxy: http://proxy:3128\n  proxy_username: svc-xferd\n  proxy_password_file: proxy_pw\n");
    std::ofstream(file_pw.dir / "proxy_pw") << "from-file\n";
    auto fc = loaded(file_pw, env_with({{"XFERD_PROXY_PASSWORD", "ignored"}}));
    BOOST_TEST(fc.api.proxy_password == "from-file");
    BOOST_TEST(has(describe_config(fc), "proxy_password: <redacted, from " + (file_pw.dir / "proxy_pw").string()));

    // The YAML's user wins over the one in HTTPS_PROXY's URL, and then needs its own password.
    ConfigFile missing("  proxy_username: svc-xferd\n");
    auto e = error_of(missing, env_with({{"HTTPS_PROXY", "http://other:secret@envproxy:1"}}));
    BOOST_TEST(has(e, "no proxy password given"), e);
    BOOST_TEST(has(e, "api.proxy_password_file"), e);
    BOOST_TEST(has(e, "XFERD_PROXY_PASSWORD"), e);
    BOOST_TEST(has(e, "'proxy_password'"), e);
    BOOST_TEST(!has(e, "secret"), e);

    ConfigFile orphan("  proxy_password_file: proxy_pw\n");
    BOOST_TEST(has(error_of(orphan, env_with({})), "'api.proxy_username' is not"));
    ConfigFile colon("  proxy_username: a:b\n");
    BOOST_TEST(has(error_of(colon, env_with({{"XFERD_PROXY_PASSWORD", "x"}})), "without ':'"));
}

BOOST_AUTO_TEST_CASE(commands_without_secrets_read_neither_the_proxy_password_nor_the_environment)
{
    ConfigFile f("  proxy_username: svc-xferd\n");
    auto c = load_config_without_secrets(f.file(), env_with({{"HTTPS_PROXY", "ftp://broken"}}));
    BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
    BOOST_TEST(has(describe_config(*c), "proxy_password: <not read>"), describe_config(*c));
}
