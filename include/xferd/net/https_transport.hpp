// HTTPS requests over pooled keep-alive connections (Beast + OpenSSL). One attempt per call:
// retries, tokens and meaning live above, in MobprocClient and the pure retry policy.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/proxy_settings.hpp"
#include "xferd/core/retry.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xferd {

namespace asio = boost::asio;
namespace http = boost::beast::http;

struct HttpsTimeouts {
    std::chrono::milliseconds connect{10'000};        // DNS resolution, then TCP connect (each)
    std::chrono::milliseconds tls_handshake{10'000};
    std::chrono::milliseconds request{30'000};        // write + headers + whole body of one request
};

struct HttpsLimits {
    std::uint64_t max_body_bytes = 256 * 1024;  // a larger answer is dropped (a failed attempt)
};

// https://host:port/path → its parts. Only https is accepted.
struct HttpsUrl {
    std::string host;
    std::string port;
    std::string path;  // without a trailing '/'
};
Result<HttpsUrl> parse_https_url(std::string_view url);

// A TLS client context that always verifies the peer: the given CA file, or the system store.
Result<std::shared_ptr<asio::ssl::context>> make_client_tls_context(
    const std::optional<std::filesystem::path>& ca_file);

// An HTTP CONNECT proxy a request goes through: TCP to the proxy, CONNECT host:port, then TLS
// with the API itself (its name, its certificate) inside the tunnel.
struct ProxyRoute {
    ProxyServer server;
    std::string setting;        // where it was configured, for messages: "api.proxy", "HTTPS_PROXY"
    std::string authorization;  // the Proxy-Authorization value, or "": a secret, never in any text
};

struct ApiConfig;

// The proxy `host` is reached through: api.proxy, or HTTPS_PROXY unless NO_PROXY names it; with
// api.proxy_username's credentials. Used for the API, its token endpoint and notify.webhook.
std::optional<ProxyRoute> proxy_route_to(const ApiConfig& api, const std::string& host);

struct HttpAttempt {
    CallOutcome outcome;                              // what happened, for the retry policy
    http::response<http::string_body> response;       // when outcome.kind == answered
    std::string error_text;                           // when not answered: what failed
    bool headers_received = false;                    // the server sent a status line and headers
};

class HttpsConnection;

class HttpsTransport {
public:
    HttpsTransport(asio::any_io_executor ex, std::shared_ptr<asio::ssl::context> tls, HttpsTimeouts timeouts,
                   std::size_t max_idle_per_host = 64, HttpsLimits limits = {});
    ~HttpsTransport();
    HttpsTransport(const HttpsTransport&) = delete;
    HttpsTransport& operator=(const HttpsTransport&) = delete;

    // Sends `req` to host:port on an idle pooled connection (one the server has not closed) or
    // a new one, and reads the answer. Never throws for network errors. `proxy`: through that
    // proxy (it must outlive the call); connections are pooled per (proxy, host:port).
    asio::awaitable<HttpAttempt> request(const HttpsUrl& where, http::request<http::string_body> req,
                                         const ProxyRoute* proxy = nullptr);

    void close_idle();
    [[nodiscard]] std::size_t connections_opened() const { return opened_; }

private:
    asio::any_io_executor ex_;
    std::shared_ptr<asio::ssl::context> tls_;
    HttpsTimeouts timeouts_;
    HttpsLimits limits_;
    std::size_t max_idle_per_host_;
    std::map<std::string, std::vector<std::unique_ptr<HttpsConnection>>> idle_;
    std::size_t opened_ = 0;
};

}  // namespace xferd
