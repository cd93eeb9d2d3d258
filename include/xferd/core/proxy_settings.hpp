// The HTTP CONNECT proxy xferd reaches the API through (pure): `api.proxy`, or when that key is
// absent HTTPS_PROXY / https_proxy with NO_PROXY / no_proxy as curl reads them. Which proxy a
// host goes through, and the words for a proxy that refuses. Credentials are never part of any
// text made here except the Proxy-Authorization value itself.
#pragma once

#include "xferd/core/error.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace xferd {

// An http:// proxy (TLS to the proxy itself is not supported: the API's TLS runs inside).
struct ProxyServer {
    std::string host;  // a name or an IP literal (IPv6 without brackets)
    std::string port;  // "1080" when the URL gives none, as curl does
    bool operator==(const ProxyServer&) const = default;
};

// "host:port", with brackets around an IPv6 literal (a CONNECT target, a Host header).
std::string host_and_port(std::string_view host, std::string_view port);
// The Host header of an HTTPS request: the port only when it is not 443 (RFC 9110 § 7.2).
std::string https_host_header(std::string_view host, std::string_view port);
// "http://host:port": the proxy as messages and `xferd check` name it (never with credentials).
std::string proxy_url(const ProxyServer& server);

enum class ProxyOrigin {
    none,          // no key, no HTTPS_PROXY: every host is reached directly
    key,           // api.proxy: http://host:port
    key_disabled,  // api.proxy: none (or empty): the environment is ignored
    env,           // HTTPS_PROXY / https_proxy (with NO_PROXY / no_proxy)
};

struct ProxySettings {
    ProxyOrigin origin = ProxyOrigin::none;
    std::optional<ProxyServer> server;  // key or env
    std::string env_var;                // env: the variable it came from
    std::string no_proxy;               // env: NO_PROXY's value ("" when unset)
    std::string no_proxy_var;           // env: "NO_PROXY" or "no_proxy" ("" when unset)
    bool userinfo_in_env = false;       // env: the URL carried user[:password] (never printed)
    std::string env_username;           // from that userinfo, percent-decoded
    std::string env_password;           // from that userinfo, percent-decoded; a secret
};

// api.proxy's value: "http://host[:port][/]". A user or password in it is refused (a secret does
// not belong in the YAML), as are other schemes, a path, a query or a fragment.
Result<ProxyServer> parse_proxy_key(std::string_view text);

// "none", "" (any case, blanks around): api.proxy switched off, environment ignored.
bool is_proxy_disabled(std::string_view text);

using EnvValue = std::function<std::optional<std::string>(const std::string& name)>;

// The proxy the environment names: HTTPS_PROXY, else https_proxy (an empty one counts as unset);
// http:// or no scheme; user[:password]@ accepted. NO_PROXY, else no_proxy. Errors never
// repeat the credentials. origin is none when neither variable is set.
Result<ProxySettings> proxy_from_environment(const EnvValue& env);

// NO_PROXY as curl reads it: entries separated by commas or blanks; `*` matches every host; an
// entry matches the host itself and its subdomains (`example.com` and `.example.com` both match
// `api.example.com`); an IP address matches itself, `10.0.0.0/8` a range; a port on an entry is
// ignored; names compare case-insensitively, a final dot ignored.
bool no_proxy_matches(std::string_view no_proxy, std::string_view host);

// The proxy to reach `host` through, or nullptr: directly.
const ProxyServer* proxy_for(const ProxySettings& settings, std::string_view host);

// The Proxy-Authorization value for basic credentials: "Basic base64(user:password)".
std::string basic_proxy_authorization(std::string_view user, std::string_view password);

// Why a CONNECT answered with `status` failed, for a person: "the proxy http://p:3128 refused
// CONNECT api:443: HTTP 407 Proxy Authentication Required — check api.proxy_username and the
// proxy password". `reason` is the standard reason phrase (not the proxy's own words).
std::string connect_refusal_text(const ProxyServer& proxy, std::string_view target, int status,
                                 std::string_view reason);

}  // namespace xferd
