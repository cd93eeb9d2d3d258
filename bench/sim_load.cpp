// Load generator for mobproc-sim: N keep-alive TLS connections on one thread, each sending
// POST /orders?confirm=true (or GET /ping) back to back for a fixed time. Prints one JSON line.
//
//   sim_load --port P --ca CA.pem [--host 127.0.0.1] [--connections 64] [--duration 5]
//            [--warmup 1] [--request confirm|ping] [--server-pid PID]
// With --server-pid it also reads the server's CPU time over the measured window, so the
// figure "answers per server CPU-second" holds even on a machine shared with other work.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

namespace {

struct Config {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::string ca;
    int connections = 64;
    double duration = 5;
    double warmup = 1;
    std::string request = "confirm";
    int server_pid = 0;
};

// utime + stime of a process, in seconds; negative when unreadable.
double cpu_seconds(int pid)
{
    if (pid <= 0)
        return -1;
    std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
    if (!f)
        return -1;
    char buf[2048] = {};
    std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    std::string s(buf, n);
    auto close = s.rfind(')');  // the command name may contain spaces
    if (close == std::string::npos)
        return -1;
    std::vector<std::string> fields;
    std::size_t pos = close + 2;
    while (pos < s.size()) {
        auto sp = s.find(' ', pos);
        fields.push_back(s.substr(pos, sp - pos));
        if (sp == std::string::npos)
            break;
        pos = sp + 1;
    }
    if (fields.size() < 13)
        return -1;
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return double(std::stol(fields[11]) + std::stol(fields[12])) / double(::sysconf(_SC_CLK_TCK));
}

struct Totals {
    int connected = 0;
    int failed_connects = 0;
    long requests = 0;   // answered 200 inside the measured window
    long errors = 0;     // non-200 answers or transport errors
    std::vector<double> latencies_ms;
    std::vector<long> per_connection;
};

const char* body_text =
    R"({"orderRequest":{"externalOrderNumber":"BENCH-1","serviceId":"38382555","transactionType":"XFER_SERVICE_OUT","properties":[{"groupId":"MISCELLANEOUS","fields":[)"
    R"({"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"},{"id":"ADDITIONAL_INSTRUCTIONS","type":"TEXT","text":"Please confirm with account holder that service has been successfully transferred"},)"
    R"({"id":"PERSONAL_EMAIL","type":"TEXT","text":"peter.edwards@example.com"},{"id":"SERVICE_NUMBER","type":"TEXT","text":"2035551111"}]}]}})";

std::string wire_request(const Config& cfg, const std::string& token)
{
    std::string target = cfg.request == "ping" ? "/mobproc/v1/ping" : "/mobproc/v1/orders?confirm=true";
    std::string method = cfg.request == "ping" ? "GET" : "POST";
    std::string body = cfg.request == "ping" ? "" : body_text;
    std::string out = method + " " + target + " HTTP/1.1\r\nHost: " + cfg.host +
                      "\r\nX-TNGO-TENANT: ACME\r\nclient_id: demo-client\r\nAuthorization: Bearer " + token + "\r\n";
    if (!body.empty())
        out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    out += "\r\n" + body;
    return out;
}

using Stream = beast::ssl_stream<beast::tcp_stream>;

net::awaitable<bool> open(Stream& s, const Config& cfg)
{
    tcp::endpoint ep{net::ip::make_address(cfg.host), cfg.port};
    beast::get_lowest_layer(s).expires_after(std::chrono::seconds(30));
    auto [ec] = co_await beast::get_lowest_layer(s).async_connect(ep, use_tuple);
    if (ec)
        co_return false;
    auto [hs] = co_await s.async_handshake(ssl::stream_base::client, use_tuple);
    co_return !hs;
}

net::awaitable<void> get_token(ssl::context& ctx, const Config& cfg, std::string& token)
{
    Stream s(co_await net::this_coro::executor, ctx);
    if (!co_await open(s, cfg))
        co_return;
    std::string body = "grant_type=password&client_id=demo-client&client_secret=demo-client-secret-7f3a9c"
                       "&scope=MOBPROC&username=command%3A%2F%2Fsvc-offboarding&password=demo-password-2b81e4";
    http::request<http::string_body> req{http::verb::post, "/as/token.oauth2", 11};
    req.set(http::field::host, cfg.host);
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
    req.prepare_payload();
    co_await http::async_write(s, req, use_tuple);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    auto [ec, n] = co_await http::async_read(s, buf, res, use_tuple);
    (void)n;
    if (!ec && res.result_int() == 200)
        token = std::string(boost::json::parse(res.body()).at("access_token").as_string());
}

struct Shared {
    Config cfg;
    std::string wire;
    ssl::context* ctx;
    Clock::time_point start, measure_from, stop;
    Totals totals;
    int pending_connects;
};

net::awaitable<void> worker(Shared& sh, int index)
{
    Stream s(co_await net::this_coro::executor, *sh.ctx);
    bool ok = co_await open(s, sh.cfg);
    --sh.pending_connects;
    if (!ok) {
        ++sh.totals.failed_connects;
        co_return;
    }
    ++sh.totals.connected;
    // Everyone starts sending once all connections are up.
    net::steady_timer wait(co_await net::this_coro::executor);
    while (sh.pending_connects > 0) {
        wait.expires_after(std::chrono::milliseconds(5));
        co_await wait.async_wait(use_tuple);
    }
    beast::flat_buffer buf;
    long mine = 0;
    while (Clock::now() < sh.stop) {
        auto t0 = Clock::now();
        beast::get_lowest_layer(s).expires_after(std::chrono::seconds(30));
        auto [wec, wn] = co_await net::async_write(s, net::buffer(sh.wire), use_tuple);
        (void)wn;
        if (wec) {
            ++sh.totals.errors;
            break;
        }
        http::response<http::string_body> res;
        auto [rec, rn] = co_await http::async_read(s, buf, res, use_tuple);
        (void)rn;
        auto t1 = Clock::now();
        if (rec) {
            ++sh.totals.errors;
            break;
        }
        if (t0 >= sh.measure_from && t1 <= sh.stop) {
            if (res.result_int() == 200) {
                ++sh.totals.requests;
                ++mine;
                if ((sh.totals.requests & 7) == 0)
                    sh.totals.latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            } else {
                ++sh.totals.errors;
            }
        }
    }
    sh.totals.per_connection[std::size_t(index)] = mine;
    co_await s.async_shutdown(use_tuple);
}

}  // namespace

int main(int argc, char** argv)
{
    Config cfg;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--host") cfg.host = v;
        else if (k == "--port") cfg.port = (unsigned short)std::stoi(v);
        else if (k == "--ca") cfg.ca = v;
        else if (k == "--connections") cfg.connections = std::stoi(v);
        else if (k == "--duration") cfg.duration = std::stod(v);
        else if (k == "--warmup") cfg.warmup = std::stod(v);
        else if (k == "--request") cfg.request = v;
        else if (k == "--server-pid") cfg.server_pid = std::stoi(v);
        else {
            std::cerr << "sim_load: unknown option " << k << '\n';
            return 2;
        }
    }
    if (!cfg.port || cfg.ca.empty()) {
        std::cerr << "usage: sim_load --port P --ca CA.pem [--connections N] [--duration S] [--warmup S] "
                     "[--request confirm|ping]\n";
        return 2;
    }
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
    net::io_context ioc(1);
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(cfg.ca);
    ctx.set_verify_mode(ssl::verify_peer);

    std::string token;
    net::co_spawn(ioc, get_token(ctx, cfg, token), net::detached);
    ioc.run();
    if (token.empty()) {
        std::cerr << "sim_load: could not get a token\n";
        return 1;
    }
    ioc.restart();

    Shared sh{cfg, wire_request(cfg, token), &ctx, {}, {}, {}, {}, cfg.connections};
    sh.totals.per_connection.assign(std::size_t(cfg.connections), 0);
    // The clock starts when the last connection is up; workers check the deadline themselves.
    for (int i = 0; i < cfg.connections; ++i)
        net::co_spawn(ioc, worker(sh, i), net::detached);
    sh.start = Clock::now() + std::chrono::hours(1);
    sh.measure_from = sh.start;
    sh.stop = sh.start;
    net::steady_timer arm(ioc);
    net::steady_timer cpu_from(ioc), cpu_to(ioc);
    double cpu_start = -1, cpu_end = -1;
    std::function<void()> poll = [&] {
        if (sh.pending_connects == 0) {
            sh.start = Clock::now();
            sh.measure_from = sh.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cfg.warmup));
            sh.stop = sh.measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cfg.duration));
            cpu_from.expires_at(sh.measure_from);
            cpu_from.async_wait([&](auto) { cpu_start = cpu_seconds(cfg.server_pid); });
            cpu_to.expires_at(sh.stop);
            cpu_to.async_wait([&](auto) { cpu_end = cpu_seconds(cfg.server_pid); });
            return;
        }
        arm.expires_after(std::chrono::milliseconds(1));
        arm.async_wait([&](auto) { poll(); });
    };
    poll();
    ioc.run();

    auto& t = sh.totals;
    std::sort(t.latencies_ms.begin(), t.latencies_ms.end());
    auto pct = [&](double p) {
        return t.latencies_ms.empty() ? 0.0 : t.latencies_ms[std::size_t(p * double(t.latencies_ms.size() - 1))];
    };
    double server_cpu = cpu_start >= 0 && cpu_end >= 0 ? cpu_end - cpu_start : 0.0;
    long idle = std::count(t.per_connection.begin(), t.per_connection.end(), 0L);
    std::printf("{\"request\":\"%s\",\"connections\":%d,\"connected\":%d,\"failedConnects\":%d,\"idleConnections\":%ld,"
                "\"requests\":%ld,\"errors\":%ld,\"seconds\":%.2f,\"rps\":%.0f,\"p50Ms\":%.2f,\"p99Ms\":%.2f,"
                "\"serverCpuSeconds\":%.2f,\"rpsPerServerCpuSecond\":%.0f}\n",
                cfg.request.c_str(), cfg.connections, t.connected, t.failed_connects, idle, t.requests, t.errors,
                cfg.duration, double(t.requests) / cfg.duration, pct(0.5), pct(0.99), server_cpu,
                server_cpu > 0 ? double(t.requests) / server_cpu : 0.0);
    return t.failed_connects == 0 && t.errors == 0 ? 0 : 1;
}
