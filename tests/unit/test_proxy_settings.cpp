// The pure proxy rules: api.proxy's and HTTPS_PROXY's URLs, NO_PROXY matching as curl does it,
// which host goes through which proxy, the Basic credentials and the refusal messages.
#include <boost/test/unit_test.hpp>

#include "xferd/core/proxy_settings.hpp"

#include <map>

using namespace xferd;

namespace {

EnvValue env_of(std::map<std::string, std::string> vars)
{
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(the_key_takes_http_host_and_port_and_refuses_credentials_and_other_schemes)
{
    auto p = parse_proxy_key("http://proxy.corp.example:3128");
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST(p->host == "proxy.corp.example");
    BOOST_TEST(p->port == "3128");
    BOOST_TEST(parse_proxy_key("http://proxy/")->port == "1080", "curl's default proxy port");
    BOOST_TEST(parse_proxy_key("  HTTP://[::1]:8080 ")->host == "::1");
    BOOST_TEST(proxy_url(*parse_proxy_key("http://[::1]:8080")) == "http://[::1]:8080");

    auto secret = parse_proxy_key("http://alice:hunter2@proxy:3128");
    BOOST_REQUIRE(!secret.has_value());
    BOOST_TEST(has(secret.error().message, "api.proxy_username"), secret.error().message);
    BOOST_TEST(!has(secret.error().message, "hunter2"), secret.error().message);
    BOOST_TEST(!has(secret.error().message, "alice"), secret.error().message);

    auto tls = parse_proxy_key("https://proxy:3128");
    BOOST_REQUIRE(!tls.has_value());
    BOOST_TEST(has(tls.error().message, "must start with http://"), tls.error().message);
    BOOST_TEST(!parse_proxy_key("proxy:3128").has_value(), "the key spells the scheme");
    BOOST_TEST(!parse_proxy_key("http://proxy:3128/path").has_value());
    BOOST_TEST(!parse_proxy_key("http://proxy:99999").has_value());
    BOOST_TEST(!parse_proxy_key("http://:3128").has_value());
    BOOST_TEST(is_proxy_disabled(" None "));
    BOOST_TEST(is_proxy_disabled(""));
    BOOST_TEST(!is_proxy_disabled("http://proxy:3128"));
}

BOOST_AUTO_TEST_CASE(https_proxy_is_read_before_its_lower_case_form_with_credentials_decoded)
{
    auto none = proxy_from_environment(env_of({}));
    BOOST_REQUIRE(none.has_value());
    BOOST_TEST((none->origin == ProxyOrigin::none));
    BOOST_TEST((proxy_from_environment(env_of({{"HTTPS_PROXY", " "}}))->origin == ProxyOrigin::none),
               "an empty variable counts as unset");

    auto both = proxy_from_environment(env_of({{"HTTPS_PROXY", "http://upper:1"}, {"https_proxy", "http://lower:2"}}));
    BOOST_REQUIRE(both.has_value());
    BOOST_TEST(both->env_var == "HTTPS_PROXY");
    BOOST_TEST(both->server->host == "upper");

    auto lower = proxy_from_environment(env_of({{"https_proxy", "proxy:3128"}, {"no_proxy", "localhost"}}));
    BOOST_REQUIRE(lower.has_value());
    BOOST_TEST((lower->origin == ProxyOrigin::env));
    BOOST_TEST(lower->env_var == "https_proxy");
    BOOST_TEST(proxy_url(*lower->server) == "http://proxy:3128", "no scheme means http, as curl reads it");
    BOOST_TEST(lower->no_proxy_var == "no_proxy");
    BOOST_TEST(lower->no_proxy == "localhost");
    BOOST_TEST(!lower->userinfo_in_env);

    auto creds = proxy_from_environment(env_of({{"HTTPS_PROXY", "http://d%5Calice:p%40ss:w@proxy:3128"}}));
    BOOST_REQUIRE(creds.has_value());
    BOOST_TEST(creds->userinfo_in_env);
    BOOST_TEST(creds->env_username == "d\\alice");
    BOOST_TEST(creds->env_password == "p@ss:w");

    auto bad = proxy_from_environment(env_of({{"HTTPS_PROXY", "socks5://alice:hunter2@proxy:1080"}}));
    BOOST_REQUIRE(!bad.has_value());
    BOOST_TEST(has(bad.error().message, "HTTPS_PROXY"), bad.error().message);
    BOOST_TEST(has(bad.error().message, "socks5://<redacted>@proxy:1080"), bad.error().message);
    BOOST_TEST(!has(bad.error().message, "hunter2"), bad.error().message);
}

BOOST_AUTO_TEST_CASE(no_proxy_matches_names_and_their_subdomains_ips_ranges_and_star)
{
    BOOST_TEST(no_proxy_matches("example.com", "example.com"));
    BOOST_TEST(no_proxy_matches("example.com", "api.EXAMPLE.com"));
    BOOST_TEST(no_proxy_matches(".example.com", "api.example.com"));
    BOOST_TEST(no_proxy_matches(".example.com", "example.com"), "curl ignores the leading dot");
    BOOST_TEST(!no_proxy_matches("example.com", "badexample.com"));
    BOOST_TEST(!no_proxy_matches("api.example.com", "example.com"));
    BOOST_TEST(no_proxy_matches("localhost, internal.corp:8443 ,example.com.", "example.com"));
    BOOST_TEST(no_proxy_matches("localhost internal.corp:8443", "internal.corp"), "a port is ignored; blanks separate");
    BOOST_TEST(no_proxy_matches("*", "anything.example"));
    BOOST_TEST(!no_proxy_matches("*.example.com", "x.example.com"), "only a lone * is a wildcard");
    BOOST_TEST(!no_proxy_matches("", "example.com"));

    BOOST_TEST(no_proxy_matches("127.0.0.1", "127.0.0.1"));
    BOOST_TEST(no_proxy_matches("127.0.0.1:8443", "127.0.0.1"));
    BOOST_TEST(!no_proxy_matches("127.0.0.1", "127.0.0.2"));
    BOOST_TEST(!no_proxy_matches("0.0.1", "127.0.0.1"), "an IP is not a name suffix");
    BOOST_TEST(no_proxy_matches("10.0.0.0/8", "10.20.30.40"));
    BOOST_TEST(!no_proxy_matches("10.0.0.0/8", "11.0.0.1"));
    BOOST_TEST(no_proxy_matches("::1", "::1"));
    BOOST_TEST(no_proxy_matches("[::1]:443", "::1"));
    BOOST_TEST(no_proxy_matches("fd00::/8", "fd12:3456::1"));
    BOOST_TEST(!no_proxy_matches("fd00::/8", "127.0.0.1"));
    BOOST_TEST(!no_proxy_matches("localhost", "127.0.0.1"), "names are not resolved");
}

BOOST_AUTO_TEST_CASE(each_host_is_decided_on_its_own_and_the_key_ignores_no_proxy)
{
    auto env = proxy_from_environment(env_of({{"HTTPS_PROXY", "http://proxy:3128"}, {"NO_PROXY", "oauth.corp"}}));
    BOOST_REQUIRE(env.has_value());
    BOOST_TEST(proxy_for(*env, "oauth.corp") == nullptr);
    BOOST_REQUIRE(proxy_for(*env, "mobproc.example.com") != nullptr);
    BOOST_TEST(proxy_for(*env, "mobproc.example.com")->host == "proxy");

    ProxySettings key;
    key.origin = ProxyOrigin::key;
    key.server = ProxyServer{"proxy", "3128"};
    key.no_proxy = "*";  // never read for the key: only HTTPS_PROXY comes with NO_PROXY
    BOOST_TEST(proxy_for(key, "oauth.corp") != nullptr);

    ProxySettings off;
    off.origin = ProxyOrigin::key_disabled;
    BOOST_TEST(proxy_for(off, "mobproc.example.com") == nullptr);
    BOOST_TEST(proxy_for(ProxySettings{}, "mobproc.example.com") == nullptr);
}

BOOST_AUTO_TEST_CASE(basic_credentials_and_refusals_say_what_to_check)
{
    BOOST_TEST(basic_proxy_authorization("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    BOOST_TEST(basic_proxy_authorization("u", "") == "Basic dTo=");
    BOOST_TEST(host_and_port("::1", "443") == "[::1]:443");
    // The Host header of a request to the API: an IPv6 literal is bracketed, port 443 left out.
    BOOST_TEST(https_host_header("::1", "8443") == "[::1]:8443");
    BOOST_TEST(https_host_header("::1", "443") == "[::1]");
    BOOST_TEST(https_host_header("api.example.com", "443") == "api.example.com");
    BOOST_TEST(https_host_header("127.0.0.1", "8443") == "127.0.0.1:8443");

    const ProxyServer p{"proxy", "3128"};
    BOOST_TEST(connect_refusal_text(p, "api:443", 407, "Proxy Authentication Required") ==
               "the proxy http://proxy:3128 refused CONNECT api:443: HTTP 407 Proxy Authentication Required — check "
               "api.proxy_username and the proxy password");
    BOOST_TEST(has(connect_refusal_text(p, "api:443", 403, "Forbidden"), "policy"));
    BOOST_TEST(has(connect_refusal_text(p, "api:443", 502, "Bad Gateway"), "the proxy cannot reach api:443"));
    BOOST_TEST(connect_refusal_text(p, "api:443", 418, "") == "the proxy http://proxy:3128 refused CONNECT api:443: HTTP 418");
}
