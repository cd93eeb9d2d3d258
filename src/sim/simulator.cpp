// The transport: TLS accept loop and one coroutine per connection on a single io_context.
// Request logic lives in handle(); this file only moves bytes and carries out dispositions.
#include "xferd/sim/simulator.hpp"

#include "xferd/sim/handler.hpp"
#include "xferd/sim/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/ssl.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <unordered_set>

namespace xferd::sim {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

struct Connection {
    Connection(tcp::socket socket, ssl::context& ctx)
        : stream(std::move(socket), ctx), timer(stream.get_executor())
    {
    }
    beast::ssl_stream<beast::tcp_stream> stream;
    net::steady_timer timer;  // injected latency
};

Fixtures load_all(const Options& o)
{
    Fixtures fx = load_fixtures(o.fixtures);
    add_generated_services(fx, o.generate_services);
    return fx;
}

Request to_request(http::request<http::string_body>&& msg, bool loopback)
{
    Request r;
    r.method = std::string(msg.method_string());
    r.target = std::string(msg.target());
    r.headers.reserve(8);
    for (auto& f : msg) {
        std::string name(f.name_string());
        for (auto& c : name)
            c = char(std::tolower(static_cast<unsigned char>(c)));
        r.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    r.body = std::move(msg.body());
    r.from_loopback = loopback;
    return r;
}

http::response<http::string_body> to_message(Response&& res, unsigned version, bool keep_alive)
{
    http::response<http::string_body> out;
    out.version(version);
    out.result(unsigned(res.status));
    out.set(http::field::server, "mobproc-sim");
    out.set(http::field::content_type, res.content_type);
    for (auto& [name, value] : res.headers)
        out.set(name, value);
    out.keep_alive(keep_alive);
    out.body() = std::move(res.body);
    out.prepare_payload();
    return out;
}

}  // namespace

class Simulator::Impl {
public:
    Impl(net::io_context& ioc, Options options)
        : ioc_(ioc),
          options_(std::move(options)),
          ssl_(ssl::context::tls_server),
          acceptor_(ioc),
          state_(load_all(options_), options_)
    {
        if (options_.tls_dir.empty())
            throw TlsError("a TLS directory is required");
        tls_ = ensure_tls_material(options_.tls_dir);
        ssl_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        SSL_CTX_set_min_proto_version(ssl_.native_handle(), TLS1_2_VERSION);
        ssl_.use_certificate_chain_file(tls_.cert.string());
        ssl_.use_private_key_file(tls_.key.string(), ssl::context::pem);

        if (!options_.audit.empty()) {
            audit_ = std::fopen(options_.audit.c_str(), "a");
            if (!audit_)
                throw std::runtime_error("cannot open audit file " + options_.audit.string());
            state_.on_audit = [this](const boost::json::object& record) {
                std::string line = boost::json::serialize(record);
                line.push_back('\n');
                std::fwrite(line.data(), 1, line.size(), audit_);
                std::fflush(audit_);
            };
        }
    }

    ~Impl()
    {
        if (audit_)
            std::fclose(audit_);
    }

    std::uint16_t start()
    {
        std::string host = options_.listen_host == "localhost" ? "127.0.0.1" : options_.listen_host;
        tcp::endpoint ep{net::ip::make_address(host), options_.listen_port};
        acceptor_.open(ep.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        if (ep.address().is_v6())
            acceptor_.set_option(net::ip::v6_only(true));
        acceptor_.bind(ep);
        acceptor_.listen(net::socket_base::max_listen_connections);
        port_ = acceptor_.local_endpoint().port();
        origin_ = "https://" + (ep.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port_);
        state_.base_url = origin_ + "/mobproc/v1";
        state_.started = state_.now();
        net::co_spawn(ioc_, accept_loop(), net::detached);
        return port_;
    }

    void stop()
    {
        if (stopped_)
            return;
        stopped_ = true;
        boost::system::error_code ec;
        acceptor_.close(ec);
        for (auto* c : connections_) {
            c->timer.cancel();
            beast::get_lowest_layer(c->stream).close();
        }
    }

    net::awaitable<void> accept_loop()
    {
        net::steady_timer backoff(ioc_);
        while (!stopped_) {
            auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
            if (stopped_)
                break;
            if (ec) {
                // Out of descriptors and the like: wait a little rather than spin.
                backoff.expires_after(50ms);
                co_await backoff.async_wait(use_tuple);
                continue;
            }
            boost::system::error_code opt_ec;
            socket.set_option(tcp::no_delay(true), opt_ec);
            net::co_spawn(ioc_, session(std::move(socket)), net::detached);
        }
    }

    net::awaitable<void> session(tcp::socket socket)
    {
        boost::system::error_code ec;
        auto remote = socket.remote_endpoint(ec);
        bool loopback = !ec && remote.address().is_loopback();
        auto conn = std::make_unique<Connection>(std::move(socket), ssl_);
        connections_.insert(conn.get());
        struct Unregister {
            Impl* self;
            Connection* c;
            ~Unregister() { self->connections_.erase(c); }
        } unregister{this, conn.get()};

        try {
            co_await serve(*conn, loopback);
        } catch (const std::exception& e) {
            std::cerr << "mobproc-sim: connection error: " << e.what() << '\n';
        }
        beast::get_lowest_layer(conn->stream).close();
    }

    net::awaitable<void> serve(Connection& conn, bool loopback)
    {
        auto& lowest = beast::get_lowest_layer(conn.stream);
        lowest.expires_after(10s);
        auto [hs_ec] = co_await conn.stream.async_handshake(ssl::stream_base::server, use_tuple);
        if (hs_ec || stopped_)
            co_return;

        beast::flat_buffer buffer;
        bool graceful = true;
        while (!stopped_) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(options_.max_body_bytes);
            parser.header_limit(16 * 1024);
            lowest.expires_after(options_.idle_timeout);
            auto [read_ec, n] = co_await http::async_read(conn.stream, buffer, parser, use_tuple);
            (void)n;
            if (stopped_)
                co_return;
            if (read_ec) {
                // A syntax error or an over-long request gets an answer; anything else (the peer
                // went away, idle timeout, TLS failure) just ends the connection.
                bool http_error = read_ec.category() == beast::http::make_error_code(http::error::bad_target).category() &&
                                  read_ec != http::error::end_of_stream &&
                                  read_ec != http::error::partial_message;
                if (http_error) {
                    int status = read_ec == http::error::body_limit ? 413 : 400;
                    co_await write(conn, transport_error(status, state_), 11, false);
                    co_await drain(conn);
                    break;
                }
                co_return;
            }
            auto& msg = parser.get();
            bool keep_alive = msg.keep_alive();
            unsigned version = msg.version();
            Response res;
            try {
                res = handle(to_request(parser.release(), loopback), state_);
            } catch (const std::exception& e) {
                std::cerr << "mobproc-sim: handler error: " << e.what() << '\n';
                res = transport_error(500, state_);
                keep_alive = false;
            }
            if (res.disposition == Disposition::reset_before || res.disposition == Disposition::reset_after) {
                reset(conn);
                co_return;
            }
            if (res.delay.count() > 0) {
                conn.timer.expires_after(res.delay);
                co_await conn.timer.async_wait(use_tuple);
                if (stopped_)
                    co_return;
            }
            if (res.disposition == Disposition::stall) {
                co_await stall(conn, to_message(std::move(res), version, keep_alive));
                co_return;
            }
            if (!co_await write(conn, std::move(res), version, keep_alive)) {
                graceful = false;
                break;
            }
            if (!keep_alive)
                break;
        }
        if (graceful && !stopped_) {
            lowest.expires_after(2s);
            co_await conn.stream.async_shutdown(use_tuple);
        }
    }

    net::awaitable<bool> write(Connection& conn, Response res, unsigned version, bool keep_alive)
    {
        auto msg = to_message(std::move(res), version, keep_alive);
        beast::get_lowest_layer(conn.stream).expires_after(30s);
        auto [ec, n] = co_await http::async_write(conn.stream, msg, use_tuple);
        (void)n;
        co_return !ec;
    }

    // Reads and drops what the client is still sending (the rest of a refused body), so that it
    // can finish writing and read our answer instead of failing with a broken pipe.
    net::awaitable<void> drain(Connection& conn)
    {
        beast::get_lowest_layer(conn.stream).expires_after(2s);
        std::size_t total = 0;
        std::vector<char> sink(16 * 1024);
        while (!stopped_ && total < 64 * 1024 * 1024) {
            auto [ec, n] = co_await conn.stream.async_read_some(net::buffer(sink), use_tuple);
            if (ec)
                break;
            total += n;
        }
    }

    // TCP reset: linger 0 makes close() send RST instead of FIN.
    static void reset(Connection& conn)
    {
        auto& socket = beast::get_lowest_layer(conn.stream).socket();
        boost::system::error_code ec;
        socket.set_option(net::socket_base::linger(true, 0), ec);
        socket.close(ec);
    }

    // Sends the headers and half the body, then waits until the client or stop() gives up.
    net::awaitable<void> stall(Connection& conn, http::response<http::string_body> msg)
    {
        std::ostringstream os;
        os << msg;
        std::string wire = os.str();
        auto header_end = wire.find("\r\n\r\n");
        std::size_t cut = header_end == std::string::npos ? wire.size() / 2
                                                          : header_end + 4 + (wire.size() - header_end - 4) / 2;
        auto& lowest = beast::get_lowest_layer(conn.stream);
        lowest.expires_after(30s);
        auto [ec, n] = co_await net::async_write(conn.stream, net::buffer(wire.data(), cut), use_tuple);
        (void)n;
        if (ec)
            co_return;
        lowest.expires_after(10min);
        char sink[1024];
        while (!stopped_) {
            auto [rec, got] = co_await conn.stream.async_read_some(net::buffer(sink), use_tuple);
            (void)got;
            if (rec)
                break;
        }
    }

    net::io_context& ioc_;
    Options options_;
    ssl::context ssl_;
    tcp::acceptor acceptor_;
    State state_;
    TlsFiles tls_;
    std::FILE* audit_ = nullptr;
    std::uint16_t port_ = 0;
    std::string origin_;
    bool stopped_ = false;
    std::unordered_set<Connection*> connections_;
};

Simulator::Simulator(net::io_context& ioc, Options options)
    : impl_(std::make_unique<Impl>(ioc, std::move(options)))
{
}

Simulator::~Simulator() = default;

std::uint16_t Simulator::start() { return impl_->start(); }
void Simulator::stop() { impl_->stop(); }
std::uint16_t Simulator::port() const { return impl_->port_; }
std::string Simulator::origin() const { return impl_->origin_; }
const std::filesystem::path& Simulator::ca_file() const { return impl_->tls_.ca; }
State& Simulator::state() { return impl_->state_; }

}  // namespace xferd::sim
