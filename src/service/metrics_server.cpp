#include "xferd/service/metrics_server.hpp"

#include "xferd/batch/process_log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <set>

namespace xferd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// A request body is never needed; a small one is read and ignored rather than refused.
constexpr std::size_t max_body_bytes = 4096;

struct Session {
    explicit Session(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
};

http::response<http::string_body> text_response(http::status status, std::string body, unsigned version)
{
    http::response<http::string_body> res{status, version};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(body);
    return res;
}

}  // namespace

struct MetricsServer::State {
    State(asio::any_io_executor e, MetricsServerOptions o, MetricsRender r, HealthCheck h)
        : ex(std::move(e)), options(std::move(o)), render(std::move(r)), health(std::move(h)), acceptor(ex)
    {
    }
    asio::any_io_executor ex;
    MetricsServerOptions options;
    MetricsRender render;
    HealthCheck health;
    tcp::acceptor acceptor;
    std::set<Session*> sessions;
    bool stopped = false;

    http::response<http::string_body> answer(const http::request<http::string_body>& req) const;
};

namespace {

asio::awaitable<void> write_response(Session& s, http::response<http::string_body>& res,
                                     std::chrono::milliseconds timeout, error_code& ec)
{
    res.set(http::field::server, "xferd");
    res.prepare_payload();
    s.stream.expires_after(timeout);
    auto [wec, n] = co_await http::async_write(s.stream, res, asio::as_tuple(asio::use_awaitable));
    ec = wec;
}

// Why a request could not be read, as the answer to send before closing (none: just close).
std::optional<http::response<http::string_body>> read_error_answer(const error_code& ec)
{
    if (ec == http::error::header_limit)
        return text_response(http::status::request_header_fields_too_large, "request header too large\n", 11);
    if (ec == http::error::body_limit) return text_response(http::status::payload_too_large, "body too large\n", 11);
    if (ec.category() == http::make_error_code(http::error::bad_method).category() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message)
        return text_response(http::status::bad_request, "bad request\n", 11);
    return std::nullopt;  // end of stream, timeout, reset, stop(): nobody to answer
}

// After an error answer the client may still be sending (a huge header): closing with unread
// bytes would reset the connection and could destroy the answer before it is read. Read and
// drop what comes, briefly and boundedly, until the client closes.
asio::awaitable<void> drain_before_close(Session& s)
{
    error_code ignored;
    s.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    s.stream.expires_after(std::chrono::seconds(1));
    char sink[4096];
    for (std::size_t total = 0; total < 256 * 1024;) {
        auto [ec, n] = co_await s.stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
        if (ec) break;
        total += n;
    }
}

asio::awaitable<void> serve(std::shared_ptr<MetricsServer::State> state, std::shared_ptr<Session> s)
{
    const auto& o = state->options;
    beast::flat_buffer buffer(o.max_header_bytes + max_body_bytes);
    for (unsigned n = 0; n < o.max_requests_per_connection && !state->stopped; ++n) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
        parser.body_limit(max_body_bytes);
        s->stream.expires_after(o.read_timeout);
        auto [ec, bytes] = co_await http::async_read(s->stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        error_code wec;
        if (ec) {
            if (auto res = read_error_answer(ec); res && !state->stopped) {
                res->keep_alive(false);
                co_await write_response(*s, *res, o.write_timeout, wec);
                if (!wec) co_await drain_before_close(*s);
            }
            break;
        }
        const auto& req = parser.get();
        auto res = state->answer(req);
        bool keep = req.keep_alive() && n + 1 < o.max_requests_per_connection && !state->stopped;
        res.keep_alive(keep);
        co_await write_response(*s, res, o.write_timeout, wec);
        if (wec || !keep) break;
    }
    error_code ignored;
    s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    s->stream.close();
}

asio::awaitable<void> accept_loop(std::shared_ptr<MetricsServer::State> state)
{
    for (;;) {
        auto [ec, socket] = co_await state->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (state->stopped || !state->acceptor.is_open()) co_return;
        if (ec) {
            // Out of file descriptors and the like: pause rather than spin.
            log_line(LogLevel::warn, "metrics: accept failed: " + ec.message());
            asio::steady_timer pause(state->ex, std::chrono::milliseconds(200));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (state->sessions.size() >= state->options.max_connections) {
            error_code ignored;
            socket.close(ignored);  // over the cap: refuse at once, keep serving the others
            continue;
        }
        auto session = std::make_shared<Session>(std::move(socket));
        state->sessions.insert(session.get());
        asio::co_spawn(
            state->ex,
            [state, session]() -> asio::awaitable<void> {
                co_await serve(state, session);
            },
            [state, raw = session.get()](std::exception_ptr) { state->sessions.erase(raw); });
    }
}

}  // namespace

http::response<http::string_body> MetricsServer::State::answer(const http::request<http::string_body>& req) const
{
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    if (path != "/metrics" && path != "/healthz")
        return text_response(http::status::not_found, "not found: try /metrics or /healthz\n", req.version());
    if (req.method() != http::verb::get) {
        auto res = text_response(http::status::method_not_allowed, "only GET\n", req.version());
        res.set(http::field::allow, "GET");
        return res;
    }
    if (path == "/metrics") {
        auto res = text_response(http::status::ok, render(), req.version());
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        return res;
    }
    std::optional<std::string> problem = health ? health() : std::nullopt;
    if (stopped) problem = "stopping";
    if (problem) return text_response(http::status::service_unavailable, "unhealthy: " + *problem + "\n", req.version());
    return text_response(http::status::ok, "ok\n", req.version());
}

MetricsServer::MetricsServer(asio::any_io_executor ex, MetricsServerOptions options, MetricsRender render,
                             HealthCheck health)
    : state_(std::make_shared<State>(std::move(ex), std::move(options), std::move(render), std::move(health)))
{
}

MetricsServer::~MetricsServer() { stop(); }

Result<std::uint16_t> MetricsServer::start()
{
    const auto& listen = state_->options.listen;
    error_code ec;
    auto address = asio::ip::make_address(listen.host, ec);
    if (ec) return make_error("metrics.listen " + to_string(listen) + ": not an IP address");
    tcp::endpoint endpoint(address, listen.port);
    auto& a = state_->acceptor;
    auto fail = [&](const char* what) -> Result<std::uint16_t> {
        std::string message = "cannot serve metrics on " + to_string(listen) + ": " + what + ": " + ec.message();
        error_code ignored;
        a.close(ignored);
        return make_error(std::move(message));
    };
    if (a.open(endpoint.protocol(), ec); ec) return fail("socket");
    if (a.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("SO_REUSEADDR");
    if (a.bind(endpoint, ec); ec) return fail("bind");
    if (a.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
    std::uint16_t port = a.local_endpoint(ec).port();
    if (ec) return fail("local address");
    asio::co_spawn(state_->ex, accept_loop(state_), log_if_thrown("the metrics listener"));
    ListenAddress bound{listen.host, port};
    log_info("metrics: serving /metrics and /healthz on http://" + to_string(bound));
    if (!listen.is_loopback())
        log_warn("metrics: " + to_string(bound) + " is not a loopback address; anyone who can reach it can read "
                 "the metrics (they hold no secrets, but firewall it)");
    return port;
}

void MetricsServer::stop()
{
    if (!state_ || state_->stopped) return;
    state_->stopped = true;
    error_code ignored;
    state_->acceptor.close(ignored);
    for (Session* s : state_->sessions) s->stream.socket().close(ignored);
}

std::size_t MetricsServer::open_connections() const { return state_->sessions.size(); }

}  // namespace xferd
