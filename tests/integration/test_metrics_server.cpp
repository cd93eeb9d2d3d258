// /metrics and /healthz scraped over loopback: numbers move with the facade, health follows
// its callback, bad requests get their status, and slow, garbage or too many clients neither
// block the others nor outlive their deadline; stop() closes everything.
#include <boost/test/unit_test.hpp>

#include "xferd/core/xferd_metrics.hpp"
#include "xferd/service/metrics_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <future>
#include <mutex>
#include <thread>

using namespace xferd;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

struct Reply {
    int status = 0;
    std::string head, body;
    [[nodiscard]] bool has_header(const std::string& line) const { return head.find(line + "\r\n") != std::string::npos; }
};

// A bare HTTP/1.1 client. Reads use recv() itself, so SO_RCVTIMEO bounds them (Asio's blocking
// reads would poll past it): a server that never answers fails the test instead of hanging it.
struct RawClient {
    asio::io_context ioc;
    tcp::socket socket{ioc};
    std::string pending;

    explicit RawClient(std::uint16_t port, const std::string& host = "127.0.0.1")
    {
        socket.connect(tcp::endpoint(asio::ip::make_address(host), port));
        timeval tv{30, 0};
        ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    void send(const std::string& bytes) { asio::write(socket, asio::buffer(bytes)); }
    // More bytes into `pending`; 0 at the end of the stream, -1 on a reset or the timeout.
    ssize_t receive()
    {
        char b[4096];
        ssize_t n = ::recv(socket.native_handle(), b, sizeof b, 0);
        if (n > 0) pending.append(b, static_cast<std::size_t>(n));
        return n;
    }
    Reply read_reply()
    {
        Reply r;
        std::size_t end;
        while ((end = pending.find("\r\n\r\n")) == std::string::npos)
            if (receive() <= 0) throw std::runtime_error("no complete answer header");
        r.head = pending.substr(0, end + 4);
        pending.erase(0, end + 4);
        r.status = std::stoi(r.head.substr(9, 3));
        auto cl = r.head.find("Content-Length: ");
        std::size_t length = cl == std::string::npos ? 0 : std::stoul(r.head.substr(cl + 16));
        while (pending.size() < length)
            if (receive() <= 0) throw std::runtime_error("answer body cut short");
        r.body = pending.substr(0, length);
        pending.erase(0, length);
        return r;
    }
    Reply get(const std::string& target, bool keep_alive = false)
    {
        send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + (keep_alive ? "" : "Connection: close\r\n") + "\r\n");
        return read_reply();
    }
    // True once the server has closed the connection (EOF or reset), false on the 30 s timeout.
    bool closed_by_server()
    {
        for (;;) {
            ssize_t n = receive();
            if (n == 0) return true;
            if (n < 0) return errno == ECONNRESET;
        }
    }
};

// The server on its own io_context thread, as in the daemon.
struct ServerFixture {
    asio::io_context ioc{1};
    XferdMetrics metrics{"9.9.9"};
    std::mutex mutex;
    std::optional<std::string> problem;
    std::unique_ptr<MetricsServer> server;
    std::uint16_t port = 0;
    asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};  // stop() may come twice
    std::thread thread;

    explicit ServerFixture(MetricsServerOptions options = {}, const std::string& host = "127.0.0.1")
    {
        options.listen = ListenAddress{host, 0};
        server = std::make_unique<MetricsServer>(
            ioc.get_executor(), options, [this] { return metrics.render(); },
            [this] {
                std::lock_guard lock(mutex);
                return problem;
            });
        auto started = server->start();
        if (!started) throw std::runtime_error(started.error().message);
        port = *started;
        thread = std::thread([this] { ioc.run(); });
    }
    ~ServerFixture()
    {
        stop();
        work.reset();
        thread.join();
    }
    void stop()
    {
        std::promise<void> done;
        asio::post(ioc, [&] {
            server->stop();
            done.set_value();
        });
        done.get_future().wait();
    }
    std::size_t open_connections()
    {
        std::promise<std::size_t> n;
        asio::post(ioc, [&] { n.set_value(server->open_connections()); });
        return n.get_future().get();
    }
    void set_problem(std::optional<std::string> p)
    {
        std::lock_guard lock(mutex);
        problem = std::move(p);
    }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

#define CHECK_CONTAINS(text, part) \
    BOOST_CHECK_MESSAGE(contains((text), (part)), "expected \"" << (part) << "\" in:\n" << (text))

}  // namespace

BOOST_AUTO_TEST_CASE(scrape_shows_the_facade_and_numbers_move)
{
    ServerFixture f;
    Reply first = RawClient(f.port).get("/metrics");
    BOOST_TEST(first.status == 200);
    BOOST_TEST(first.has_header("Content-Type: text/plain; version=0.0.4; charset=utf-8"));
    CHECK_CONTAINS(first.body, "xferd_build_info{version=\"9.9.9\"} 1\n");
    CHECK_CONTAINS(first.body, "xferd_batches_total{outcome=\"done\"} 0\n");

    f.metrics.batch_finished(BatchResult::done, "abc", 0);
    f.metrics.batch_finished(BatchResult::done_with_problems, "def", 2);
    CallOutcome answered;
    answered.http_status = 200;
    f.metrics.api_request(ApiEndpoint::confirm, answered, 120ms);
    Reply second = RawClient(f.port).get("/metrics?ignored=1");
    BOOST_TEST(second.status == 200);
    CHECK_CONTAINS(second.body, "xferd_batches_total{outcome=\"done\"} 1\n");
    CHECK_CONTAINS(second.body, "xferd_rows_in_doubt 2\n");
    CHECK_CONTAINS(second.body, "xferd_api_requests_total{endpoint=\"confirm\",status=\"200\"} 1\n");
    CHECK_CONTAINS(second.body, "xferd_api_request_duration_seconds_bucket{endpoint=\"confirm\",le=\"0.25\"} 1\n");
}

BOOST_AUTO_TEST_CASE(healthz_follows_the_health_callback)
{
    ServerFixture f;
    Reply ok = RawClient(f.port).get("/healthz");
    BOOST_TEST(ok.status == 200);
    BOOST_TEST(ok.body == "ok\n");
    f.set_problem("store not writable: /var/lib/xferd is read-only");
    Reply bad = RawClient(f.port).get("/healthz");
    BOOST_TEST(bad.status == 503);
    BOOST_TEST(bad.body == "unhealthy: store not writable: /var/lib/xferd is read-only\n");
    f.set_problem(std::nullopt);
    BOOST_TEST(RawClient(f.port).get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(only_get_on_the_two_paths)
{
    ServerFixture f;
    BOOST_TEST(RawClient(f.port).get("/").status == 404);
    BOOST_TEST(RawClient(f.port).get("/metrics/extra").status == 404);
    RawClient post(f.port);
    post.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    Reply p = post.read_reply();
    BOOST_TEST(p.status == 405);
    BOOST_TEST(p.has_header("Allow: GET"));
    RawClient head(f.port);
    head.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    BOOST_TEST(head.read_reply().status == 405);
    RawClient garbage(f.port);
    garbage.send("\x16\x03\x01 this is not HTTP\r\n\r\n");
    BOOST_TEST(garbage.read_reply().status == 400);
    BOOST_TEST(garbage.closed_by_server());
    RawClient big(f.port);
    big.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n");
    BOOST_TEST(big.read_reply().status == 431);
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_several_requests_on_one_connection)
{
    MetricsServerOptions o;
    o.max_requests_per_connection = 3;
    ServerFixture f(o);
    RawClient c(f.port);
    BOOST_TEST(c.get("/healthz", true).status == 200);
    BOOST_TEST(c.get("/metrics", true).status == 200);
    Reply third = c.get("/healthz", true);
    BOOST_TEST(third.status == 200);
    BOOST_TEST(third.has_header("Connection: close"));  // the per-connection cap
    BOOST_TEST(c.closed_by_server());
}

BOOST_AUTO_TEST_CASE(a_slow_client_does_not_block_others_and_is_dropped_at_its_deadline)
{
    MetricsServerOptions o;
    o.read_timeout = 500ms;
    ServerFixture f(o);
    RawClient slow(f.port);
    slow.send("GET /metr");  // and nothing more
    RawClient silent(f.port);
    for (int i = 0; i < 5; ++i) BOOST_TEST(RawClient(f.port).get("/metrics").status == 200);
    BOOST_TEST(slow.closed_by_server());
    BOOST_TEST(silent.closed_by_server());
}

BOOST_AUTO_TEST_CASE(connections_over_the_cap_are_closed_at_once)
{
    MetricsServerOptions o;
    o.max_connections = 2;
    ServerFixture f(o);
    auto a = std::make_unique<RawClient>(f.port);
    auto b = std::make_unique<RawClient>(f.port);
    BOOST_TEST(a->get("/healthz", true).status == 200);  // both are being served
    BOOST_TEST(b->get("/healthz", true).status == 200);
    RawClient third(f.port);
    BOOST_TEST(third.closed_by_server());
    a.reset();
    b.reset();
    for (int i = 0; i < 3000 && f.open_connections() > 0; ++i) std::this_thread::sleep_for(10ms);
    BOOST_TEST(f.open_connections() == 0u);
    BOOST_TEST(RawClient(f.port).get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(stop_closes_the_listener_and_the_connections)
{
    ServerFixture f;
    RawClient idle(f.port);
    BOOST_TEST(idle.get("/healthz", true).status == 200);
    f.stop();
    BOOST_TEST(idle.closed_by_server());
    asio::io_context ioc;
    tcp::socket s(ioc);
    boost::system::error_code ec;
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), f.port), ec);
    BOOST_TEST(ec == asio::error::connection_refused);
}

BOOST_AUTO_TEST_CASE(serves_on_ipv6_loopback)
{
    std::unique_ptr<ServerFixture> f;
    try {
        f = std::make_unique<ServerFixture>(MetricsServerOptions{}, "::1");
    } catch (const std::exception& e) {
        BOOST_TEST_MESSAGE("no IPv6 loopback here, skipped: " << e.what());
        return;
    }
    BOOST_TEST(RawClient(f->port, "::1").get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_is_an_error_naming_the_address)
{
    ServerFixture f;
    asio::io_context ioc;
    MetricsServerOptions o;
    o.listen = ListenAddress{"127.0.0.1", f.port};
    MetricsServer second(ioc.get_executor(), o, [] { return std::string(); }, nullptr);
    auto r = second.start();
    BOOST_REQUIRE(!r);
    CHECK_CONTAINS(r.error().message, "cannot serve metrics on 127.0.0.1:" + std::to_string(f.port) + ": bind:");
}
