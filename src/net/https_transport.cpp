#include "xferd/net/https_transport.hpp"

#include "xferd/net/tls_verify.hpp"

#include "proxy_tunnel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>
#include <poll.h>

namespace xferd {

namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Result<HttpsUrl> parse_https_url(std::string_view url)
{
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return make_error("'" + std::string(url) + "' is not a valid URL");
    if (parsed->scheme() != "https")
        return make_error("'" + std::string(url) + "' must start with https:// (TLS is always on)");
    HttpsUrl out;
    out.host = parsed->host_address();
    out.port = parsed->has_port() ? std::string(parsed->port()) : "443";
    out.path = parsed->encoded_path();
    while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
    if (out.host.empty()) return make_error("'" + std::string(url) + "' names no host");
    return out;
}

Result<std::shared_ptr<ssl::context>> make_client_tls_context(const std::optional<std::filesystem::path>& ca_file)
{
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx->set_verify_mode(ssl::verify_peer);
    error_code ec;
    if (ca_file) {
        ctx->load_verify_file(ca_file->string(), ec);
        if (ec) return make_error("cannot load the CA file " + ca_file->string() + ": " + ec.message());
    } else {
        ctx->set_default_verify_paths(ec);
        if (ec) return make_error("cannot load the system trust store: " + ec.message());
    }
    return ctx;
}

// One keep-alive TLS connection.
class HttpsConnection {
public:
    HttpsConnection(asio::any_io_executor ex, ssl::context& tls) : stream_(ex, tls) {}

    // Resolves (bounded by t.connect), connects (to the proxy, which opens a tunnel, when one is
    // given) and handshakes with the API; on failure fills `attempt`.
    asio::awaitable<bool> open(const HttpsUrl& where, const ProxyRoute* proxy, const HttpsTimeouts& t,
                               HttpAttempt& attempt)
    {
        if (!co_await connect(where, proxy, t, attempt)) co_return false;
        auto& tcp_layer = beast::get_lowest_layer(stream_);
        if (proxy && !co_await open_proxy_tunnel(tcp_layer, where, *proxy, t.connect, attempt)) co_return false;
        expect_peer_name(stream_.native_handle(), where.host);  // the API's name, not the proxy's
        tcp_layer.expires_after(t.tls_handshake);
        auto [hec] = co_await stream_.async_handshake(ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
        if (hec) {
            attempt.outcome.kind = CallOutcome::Kind::tls_failed;
            std::string cause = certificate_problem(stream_.native_handle(), where.host);
            if (cause.empty()) cause = hec == beast::error::timeout ? std::string("timed out") : hec.message();
            attempt.error_text = "TLS handshake with " + where.host + ":" + where.port + " failed: " + cause;
            co_return false;
        }
        co_return true;
    }

    asio::awaitable<void> exchange(http::request<http::string_body>& req, const HttpsTimeouts& t,
                                   const HttpsLimits& limits, HttpAttempt& attempt)
    {
        using K = CallOutcome::Kind;
        auto& tcp_layer = beast::get_lowest_layer(stream_);
        tcp_layer.expires_after(t.request);  // one deadline for write + headers + body: a drip ends there
        req.prepare_payload();
        auto [wec, written] = co_await http::async_write(stream_, req, asio::as_tuple(asio::use_awaitable));
        if (wec) {
            attempt.outcome.kind = wec == beast::error::timeout ? K::timed_out : K::write_failed;
            attempt.error_text = "sending the request failed: " + wec.message();
            reusable_ = false;
            co_return;
        }
        attempt.outcome.request_sent = true;
        http::response_parser<http::string_body> parser;
        parser.body_limit(limits.max_body_bytes);
        auto [hec, hread] = co_await http::async_read_header(stream_, buffer_, parser, asio::as_tuple(asio::use_awaitable));
        error_code rec = hec;
        if (!rec) {
            attempt.headers_received = true;
            auto [bec, bread] = co_await http::async_read(stream_, buffer_, parser, asio::as_tuple(asio::use_awaitable));
            rec = bec;
        }
        tcp_layer.expires_never();
        if (rec) {
            reusable_ = false;
            attempt.outcome.kind = rec == beast::error::timeout ? K::timed_out : K::connection_lost;
            attempt.error_text = read_error_text(rec, attempt.headers_received, limits);
            co_return;
        }
        attempt.response = parser.release();
        attempt.outcome.kind = K::answered;
        attempt.outcome.http_status = static_cast<int>(attempt.response.result_int());
        attempt.outcome.retry_after = parse_retry_after(attempt.response[http::field::retry_after]);
        reusable_ = attempt.response.keep_alive();
    }

    [[nodiscard]] bool reusable() const { return reusable_; }

    // An idle connection the server has closed (or sent something unasked on) is readable:
    // using it would turn a submit into an "in doubt" for nothing.
    [[nodiscard]] bool still_open()
    {
        auto& sock = beast::get_lowest_layer(stream_).socket();
        if (!sock.is_open()) return false;
        pollfd p{sock.native_handle(), POLLIN | POLLRDHUP, 0};
        int n = ::poll(&p, 1, 0);
        return n == 0;
    }

private:
    // TCP to the API, or to the proxy. A failure to reach the proxy names the proxy.
    asio::awaitable<bool> connect(const HttpsUrl& where, const ProxyRoute* proxy, const HttpsTimeouts& t,
                                  HttpAttempt& attempt)
    {
        const std::string& host = proxy ? proxy->server.host : where.host;
        const std::string& port = proxy ? proxy->server.port : where.port;
        const std::string peer = proxy ? "the proxy " + proxy_url(proxy->server) : host + ":" + port;
        std::string problem;
        const std::string what = proxy ? "the proxy's host " + host : host;  // named: no temporary in a co_await (GCC 12)
        auto results = co_await resolve(host, port, what, t, problem);
        if (results) {
            auto& tcp_layer = beast::get_lowest_layer(stream_);
            tcp_layer.expires_after(t.connect);
            auto [cec, ep] = co_await tcp_layer.async_connect(*results, asio::as_tuple(asio::use_awaitable));
            if (!cec) {
                // A request leaves as two TLS records (headers, then body): with Nagle's
                // algorithm the body waits for the ACK of the headers, which the server delays.
                error_code nodelay_ec;
                tcp_layer.socket().set_option(tcp::no_delay(true), nodelay_ec);
                co_return true;
            }
            problem = "cannot connect to " + peer + ": " +
                      (cec == beast::error::timeout ? std::string("timed out") : cec.message());
        }
        attempt.outcome.kind = proxy ? CallOutcome::Kind::proxy_failed : CallOutcome::Kind::connect_failed;
        attempt.error_text = proxy ? problem + " — check " + proxy->setting + " and that the proxy is running" : problem;
        co_return false;
    }

    // DNS has no timeout of its own (nor per-operation cancellation): a timer cancels the lookup
    // at t.connect (api.connect_timeout). The timer's handler shares the resolver and the flag:
    // had it fired just as the lookup ended, it would otherwise touch this frame's locals gone.
    asio::awaitable<std::optional<tcp::resolver::results_type>> resolve(const std::string& host, const std::string& port,
                                                                        const std::string& what, const HttpsTimeouts& t,
                                                                        std::string& problem)
    {
        auto resolver = std::make_shared<tcp::resolver>(stream_.get_executor());
        auto expired = std::make_shared<bool>(false);
        asio::steady_timer guard(stream_.get_executor(), t.connect);
        guard.async_wait([resolver, expired](error_code ec) {
            if (ec) return;  // cancelled: the lookup finished first
            *expired = true;
            resolver->cancel();
        });
        auto [rec, results] = co_await resolver->async_resolve(host, port, asio::as_tuple(asio::use_awaitable));
        guard.cancel();
        if (!rec) co_return results;
        problem = "cannot resolve " + what + ": " + (*expired ? "timed out" : rec.message());
        co_return std::nullopt;
    }

    static std::string read_error_text(const error_code& ec, bool headers_received, const HttpsLimits& limits)
    {
        if (ec == http::error::body_limit)
            return "the answer was larger than api.max_response_bytes (" + std::to_string(limits.max_body_bytes) +
                   " bytes)";
        if (ec == beast::error::timeout)
            return headers_received ? "the answer's body did not arrive within the request timeout"
                                    : "no complete answer within the request timeout";
        if (ec == http::error::header_limit) return "the answer's headers were too large";
        return "connection lost before the answer: " + ec.message();
    }

    ssl::stream<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
    bool reusable_ = true;
};

HttpsTransport::HttpsTransport(asio::any_io_executor ex, std::shared_ptr<ssl::context> tls, HttpsTimeouts timeouts,
                               std::size_t max_idle_per_host, HttpsLimits limits)
    : ex_(std::move(ex)), tls_(std::move(tls)), timeouts_(timeouts), limits_(limits),
      max_idle_per_host_(max_idle_per_host)
{
}

HttpsTransport::~HttpsTransport() = default;

void HttpsTransport::close_idle() { idle_.clear(); }

asio::awaitable<HttpAttempt> HttpsTransport::request(const HttpsUrl& where, http::request<http::string_body> req,
                                                     const ProxyRoute* proxy)
{
    HttpAttempt attempt;
    const std::string key = (proxy ? proxy_url(proxy->server) + " " : std::string()) + where.host + ":" + where.port;
    std::unique_ptr<HttpsConnection> conn;
    auto& idle = idle_[key];
    while (!idle.empty() && !conn) {
        auto candidate = std::move(idle.back());
        idle.pop_back();
        if (candidate->still_open()) conn = std::move(candidate);
    }
    if (!conn) {
        conn = std::make_unique<HttpsConnection>(ex_, *tls_);
        ++opened_;
        if (!co_await conn->open(where, proxy, timeouts_, attempt)) co_return attempt;
    }
    req.set(http::field::host, https_host_header(where.host, where.port));
    req.keep_alive(true);
    co_await conn->exchange(req, timeouts_, limits_, attempt);
    if (conn->reusable() && idle_[key].size() < max_idle_per_host_) idle_[key].push_back(std::move(conn));
    co_return attempt;
}

}  // namespace xferd
