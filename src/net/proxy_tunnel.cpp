#include "proxy_tunnel.hpp"

#include "xferd/core/config.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace xferd {

namespace beast = boost::beast;
using boost::system::error_code;

namespace {

std::string answer_problem(const error_code& ec, std::chrono::milliseconds deadline)
{
    if (ec == beast::error::timeout)
        return "no complete answer within " + std::to_string(deadline.count()) + " ms (api.connect_timeout)";
    if (ec == http::error::header_limit)
        return "its answer's headers were larger than " + std::to_string(max_proxy_header_bytes / 1024) + " KiB";
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset)
        return "it closed the connection";
    return "its answer is not HTTP (" + ec.message() + ")";
}

bool failed(HttpAttempt& attempt, const ProxyRoute& proxy, const std::string& what)
{
    attempt.outcome.kind = CallOutcome::Kind::proxy_failed;
    attempt.error_text = what + " — check " + proxy.setting + " and that the proxy is running";
    return false;
}

}  // namespace

std::optional<ProxyRoute> proxy_route_to(const ApiConfig& api, const std::string& host)
{
    const ProxyServer* server = proxy_for(api.proxy, host);
    if (!server) return std::nullopt;
    ProxyRoute route{*server, api.proxy.origin == ProxyOrigin::key ? "api.proxy" : api.proxy.env_var, ""};
    if (!api.proxy_username.empty()) route.authorization = basic_proxy_authorization(api.proxy_username, api.proxy_password);
    return route;
}

asio::awaitable<bool> open_proxy_tunnel(beast::tcp_stream& stream, const HttpsUrl& where, const ProxyRoute& proxy,
                                        std::chrono::milliseconds deadline, HttpAttempt& attempt)
{
    const std::string target = host_and_port(where.host, where.port);
    const std::string asked = "the proxy " + proxy_url(proxy.server) + " ";
    stream.expires_after(deadline);  // the proxy resolves and connects to the API before it answers
    http::request<http::empty_body> req{http::verb::connect, target, 11};
    req.set(http::field::host, target);
    if (!proxy.authorization.empty()) req.set(http::field::proxy_authorization, proxy.authorization);
    auto [wec, written] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    if (wec) {
        stream.expires_never();
        co_return failed(attempt, proxy, asked + "did not take CONNECT " + target + ": " + answer_problem(wec, deadline));
    }
    // The buffer must hold nothing past the headers: the next bytes are the API's TLS.
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    parser.header_limit(max_proxy_header_bytes);
    parser.skip(true);  // a 2xx answer to CONNECT has no body, whatever its headers say
    auto [rec, read] = co_await http::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    stream.expires_never();
    if (rec)
        co_return failed(attempt, proxy, asked + "did not answer CONNECT " + target + ": " + answer_problem(rec, deadline));
    const unsigned status = parser.get().result_int();
    if (status < 200 || status > 299) {
        attempt.outcome.kind = CallOutcome::Kind::proxy_refused;
        attempt.outcome.http_status = static_cast<int>(status);
        const auto known = http::int_to_status(status);
        const std::string reason = known == http::status::unknown ? "" : std::string(http::obsolete_reason(known));
        attempt.error_text = connect_refusal_text(proxy.server, target, static_cast<int>(status), reason);
        co_return false;
    }
    if (buffer.size() != 0)
        co_return failed(attempt, proxy, asked + "sent data after its answer to CONNECT " + target +
                                             " (before the API's TLS handshake)");
    co_return true;
}

}  // namespace xferd
