#include "xferd/core/proxy_settings.hpp"

#include "xferd/core/ascii_text.hpp"

#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <vector>

namespace xferd {

namespace {

// A proxy URL as written, its userinfo hidden: what an error may quote.
std::string redacted(std::string_view text)
{
    const auto at = text.rfind('@');
    if (at == std::string_view::npos) return std::string(text);
    const auto scheme_end = text.find("://");
    const std::size_t start = scheme_end == std::string_view::npos || scheme_end > at ? 0 : scheme_end + 3;
    return std::string(text.substr(0, start)) + "<redacted>" + std::string(text.substr(at));
}

struct ParsedProxy {
    ProxyServer server;
    bool has_userinfo = false;
    std::string user, password;
};

// http://[user[:password]@]host[:port][/]; `scheme_optional`: "host:port" alone is http too.
Result<ParsedProxy> parse_proxy(std::string_view raw, bool scheme_optional, std::string_view what)
{
    const std::string text = trim_blanks(raw);
    const std::string shown = "'" + redacted(text) + "'";
    std::string with_scheme = text;
    if (scheme_optional && text.find("://") == std::string::npos) with_scheme = "http://" + text;
    auto parsed = boost::urls::parse_uri(with_scheme);
    if (!parsed) return make_error(ErrorKind::config, std::string(what) + " " + shown + " is not a valid proxy URL; write http://host:port");
    if (lower_ascii(parsed->scheme()) != "http")
        return make_error(ErrorKind::config, std::string(what) + " " + shown +
                                                 " must start with http:// (xferd talks plain HTTP to the proxy "
                                                 "and TLS to the API through it)");
    if (parsed->has_query() || parsed->has_fragment() || (!parsed->encoded_path().empty() && parsed->encoded_path() != "/"))
        return make_error(ErrorKind::config, std::string(what) + " " + shown + " must be http://host:port, without a path or query");
    ParsedProxy out;
    out.server.host = parsed->host_address();
    if (out.server.host.empty()) return make_error(ErrorKind::config, std::string(what) + " " + shown + " names no host");
    out.server.port = parsed->has_port() ? std::string(parsed->port()) : "1080";
    unsigned port = 0;
    auto [end, ec] = std::from_chars(out.server.port.data(), out.server.port.data() + out.server.port.size(), port);
    if (ec != std::errc{} || end != out.server.port.data() + out.server.port.size() || port == 0 || port > 65535)
        return make_error(ErrorKind::config, std::string(what) + " " + shown + ": the port must be from 1 to 65535");
    out.has_userinfo = parsed->has_userinfo();
    out.user = parsed->user();
    out.password = parsed->password();
    return out;
}

std::vector<std::string> no_proxy_entries(std::string_view list)
{
    std::vector<std::string> out;
    std::string current;
    for (char c : list) {
        if (c == ',' || c == ' ' || c == '\t') {
            if (!current.empty()) out.push_back(std::move(current));
            current.clear();
        } else {
            current.push_back(c);
        }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

// "[::1]:443" → "::1"; "host:443" → "host"; "::1" (two colons or more: an IPv6 literal) stays.
std::string without_port(std::string entry)
{
    if (entry.starts_with('[')) {
        const auto close = entry.find(']');
        return close == std::string::npos ? entry : entry.substr(1, close - 1);
    }
    const auto colon = entry.find(':');
    if (colon != std::string::npos && entry.find(':', colon + 1) == std::string::npos) entry.resize(colon);
    return entry;
}

// The address's bytes (4 or 16), or empty when `text` is no IP literal.
std::vector<unsigned char> ip_bytes(std::string_view text)
{
    if (auto v4 = boost::urls::parse_ipv4_address(text)) {
        auto b = v4->to_bytes();
        return {b.begin(), b.end()};
    }
    if (auto v6 = boost::urls::parse_ipv6_address(text)) {
        auto b = v6->to_bytes();
        return {b.begin(), b.end()};
    }
    return {};
}

bool same_prefix(const std::vector<unsigned char>& a, const std::vector<unsigned char>& b, unsigned bits)
{
    for (std::size_t i = 0; i < a.size() && bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
        const unsigned take = std::min(bits, 8u);
        const auto mask = static_cast<unsigned char>(0xFF << (8 - take));
        if ((a[i] & mask) != (b[i] & mask)) return false;
    }
    return true;
}

// "10.0.0.0/8", "fd00::/8", or a single address.
bool ip_entry_matches(const std::string& entry, const std::vector<unsigned char>& host)
{
    const auto slash = entry.find('/');
    const auto net = ip_bytes(std::string_view(entry).substr(0, slash));
    if (net.empty() || net.size() != host.size()) return false;
    unsigned bits = static_cast<unsigned>(net.size() * 8);
    if (slash != std::string::npos) {
        const std::string_view tail = std::string_view(entry).substr(slash + 1);
        auto [end, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), bits);
        if (ec != std::errc{} || end != tail.data() + tail.size() || bits > net.size() * 8) return false;
    }
    return same_prefix(net, host, bits);
}

bool name_entry_matches(std::string entry, const std::string& host)
{
    while (entry.starts_with('.')) entry.erase(0, 1);
    if (entry.ends_with('.')) entry.pop_back();
    if (entry.empty()) return false;
    if (host == entry) return true;
    return host.size() > entry.size() && host.ends_with(entry) && host[host.size() - entry.size() - 1] == '.';
}

}  // namespace

std::string host_and_port(std::string_view host, std::string_view port)
{
    const bool v6 = host.find(':') != std::string_view::npos;
    return (v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::string(port);
}

std::string https_host_header(std::string_view host, std::string_view port)
{
    if (port != "443") return host_and_port(host, port);
    return host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
}

std::string proxy_url(const ProxyServer& server) { return "http://" + host_and_port(server.host, server.port); }

bool is_proxy_disabled(std::string_view text)
{
    const std::string v = lower_ascii(trim_blanks(text));
    return v.empty() || v == "none";
}

Result<ProxyServer> parse_proxy_key(std::string_view text)
{
    auto parsed = parse_proxy(text, false, "'api.proxy'");
    if (!parsed) return parsed.error();
    if (parsed->has_userinfo)
        return make_error(ErrorKind::config,
                          "'api.proxy' must not hold a user name or password (a secret does not belong in the "
                          "config file): write http://host:port, set api.proxy_username, and give the password "
                          "as api.proxy_password_file, the environment variable XFERD_PROXY_PASSWORD or the "
                          "systemd credential 'proxy_password'");
    return parsed->server;
}

Result<ProxySettings> proxy_from_environment(const EnvValue& env)
{
    ProxySettings out;
    auto first_set = [&env](std::initializer_list<const char*> names, std::string& value) -> std::string {
        for (const char* name : names)
            if (auto v = env(name); v && !trim_blanks(*v).empty()) {
                value = *v;
                return name;
            }
        return "";
    };
    std::string value;
    out.env_var = first_set({"HTTPS_PROXY", "https_proxy"}, value);
    if (out.env_var.empty()) return out;
    auto parsed = parse_proxy(value, true, "the environment variable " + out.env_var);
    if (!parsed) return parsed.error();
    out.origin = ProxyOrigin::env;
    out.server = parsed->server;
    out.userinfo_in_env = parsed->has_userinfo;
    out.env_username = parsed->user;
    out.env_password = parsed->password;
    out.no_proxy_var = first_set({"NO_PROXY", "no_proxy"}, out.no_proxy);
    return out;
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view raw_host)
{
    std::string host = lower_ascii(raw_host);
    if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
    if (host.ends_with('.')) host.pop_back();
    const auto host_ip = ip_bytes(host);
    for (const std::string& raw : no_proxy_entries(no_proxy)) {
        if (raw == "*") return true;
        const std::string entry = lower_ascii(raw.find('/') != std::string::npos ? raw : without_port(raw));
        if (!host_ip.empty() ? ip_entry_matches(entry, host_ip) : name_entry_matches(entry, host)) return true;
    }
    return false;
}

const ProxyServer* proxy_for(const ProxySettings& settings, std::string_view host)
{
    if (!settings.server) return nullptr;
    if (settings.origin == ProxyOrigin::key) return &*settings.server;
    if (settings.origin == ProxyOrigin::env && !no_proxy_matches(settings.no_proxy, host)) return &*settings.server;
    return nullptr;
}

std::string basic_proxy_authorization(std::string_view user, std::string_view password)
{
    const std::string plain = std::string(user) + ":" + std::string(password);
    std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                  reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
    encoded.resize(static_cast<std::size_t>(n));
    return "Basic " + encoded;
}

std::string connect_refusal_text(const ProxyServer& proxy, std::string_view target, int status, std::string_view reason)
{
    std::string text = "the proxy " + proxy_url(proxy) + " refused CONNECT " + std::string(target) + ": HTTP " +
                       std::to_string(status) + (reason.empty() ? "" : " " + std::string(reason));
    if (status == 407) return text + " — check api.proxy_username and the proxy password";
    if (status == 403) return text + " — the proxy's policy does not let xferd reach " + std::string(target) +
                              ": ask its administrators to allow it";
    if (status == 502 || status == 503 || status == 504)
        return text + " — the proxy cannot reach " + std::string(target) +
               ": check the host in api.base_url / api.token_url and the proxy's own connection";
    return text;
}

}  // namespace xferd
