// MobprocClient against a server that misbehaves (tests/common/misbehaving_server.hpp): every
// answer is bounded in size and time, a long Retry-After is capped, and a refused certificate
// says why (expired, host name mismatch, unknown issuer, self-signed).
#include "xferd/net/mobproc_client.hpp"

#include "misbehaving_server.hpp"
#include "temp_dir.hpp"
#include "test_certs.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

using namespace xferd;
using namespace std::chrono_literals;
using test::MisbehavingConnection;
using test::MisbehavingServer;
using test::ServerRequest;

namespace {

ApiConfig api_for(const MisbehavingServer& server, const std::filesystem::path& ca)
{
    ApiConfig api;
    api.base_url = server.base_url();
    api.token_url = server.token_url();
    api.tenant = "ACME";
    api.client_id = "demo-client";
    api.client_secret = "s3cr3t-client";
    api.username = "command://svc";
    api.password = "s3cr3t-password";
    api.ca_file = ca;
    api.max_attempts = 1;
    api.retry_base_delay = 10ms;
    return api;
}

struct Ran {
    ApiResponse answer;
    double seconds = 0;
};

Ran confirm_once(const ApiConfig& api)
{
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(api.ca_file);
    BOOST_TEST_REQUIRE(tls.has_value());
    MobprocClient client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    Ran out;
    auto t0 = std::chrono::steady_clock::now();
    asio::co_spawn(ctx, client.confirm_order("{}"), [&](std::exception_ptr e, ApiResponse r) {
        if (e) std::rethrow_exception(e);
        out.answer = std::move(r);
    });
    ctx.run();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Certs {
    test::TempDir dir;
    test::TestCa ca{dir.path() / "ca"};
    test::CertFiles good = ca.issue("good", "IP:127.0.0.1");
};

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_server)

BOOST_AUTO_TEST_CASE(a_body_dripping_one_byte_at_a_time_ends_at_the_request_timeout)
{
    Certs certs;
    MisbehavingServer server(certs.good.cert, certs.good.key, [](MisbehavingConnection& c, const ServerRequest&) {
        if (!c.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")) return false;
        while (c.pause(200ms))  // each byte well within any per-read timeout
            if (!c.write("x")) return false;
        return false;
    });
    auto api = api_for(server, certs.ca.ca_file());
    api.request_timeout = 1500ms;
    auto r = confirm_once(api);
    BOOST_TEST((r.answer.kind == ApiResponse::Kind::failed));
    BOOST_TEST(has(r.answer.message, "did not arrive within the request timeout"), r.answer.message);
    BOOST_TEST(r.seconds >= 1.4);
    BOOST_TEST(r.seconds < 6.0, "one deadline for headers and body, not one per read");
}

BOOST_AUTO_TEST_CASE(headers_dripping_end_at_the_request_timeout_too)
{
    Certs certs;
    MisbehavingServer server(certs.good.cert, certs.good.key, [](MisbehavingConnection& c, const ServerRequest&) {
        const std::string head = "HTTP/1.1 200 OK\r\nX-Slow: " + std::string(1000, 'a');
        for (char ch : head)
            if (!c.pause(100ms) || !c.write(std::string(1, ch))) return false;
        return false;
    });
    auto api = api_for(server, certs.ca.ca_file());
    api.request_timeout = 1s;
    auto r = confirm_once(api);
    BOOST_TEST((r.answer.kind == ApiResponse::Kind::failed));
    BOOST_TEST(has(r.answer.message, "no complete answer within the request timeout"), r.answer.message);
    BOOST_TEST(r.seconds < 5.0);
}

BOOST_AUTO_TEST_CASE(a_100_mb_answer_is_refused_as_too_large_not_as_unreachable)
{
    Certs certs;
    MisbehavingServer server(certs.good.cert, certs.good.key, [](MisbehavingConnection& c, const ServerRequest&) {
        if (!c.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"))
            return false;
        const std::string chunk(64 * 1024, ' ');
        for (int i = 0; i < 1600; ++i)
            if (!c.write(chunk)) return false;
        return false;
    });
    auto api = api_for(server, certs.ca.ca_file());
    auto r = confirm_once(api);
    BOOST_TEST((r.answer.kind == ApiResponse::Kind::failed));
    BOOST_TEST(has(r.answer.message, "the answer was larger than api.max_response_bytes (262144 bytes)"),
               r.answer.message);
    BOOST_TEST(r.seconds < 10.0);
}

BOOST_AUTO_TEST_CASE(an_endless_chunked_answer_stops_at_max_response_bytes)
{
    Certs certs;
    MisbehavingServer server(certs.good.cert, certs.good.key, [](MisbehavingConnection& c, const ServerRequest&) {
        if (!c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return false;
        const std::string chunk = "1000\r\n" + std::string(0x1000, 'x') + "\r\n";
        while (!c.stopping())
            if (!c.write(chunk)) return false;
        return false;
    });
    auto api = api_for(server, certs.ca.ca_file());
    api.max_response_bytes = 64 * 1024;
    auto r = confirm_once(api);
    BOOST_TEST(has(r.answer.message, "larger than api.max_response_bytes (65536 bytes)"), r.answer.message);
}

BOOST_AUTO_TEST_CASE(a_long_retry_after_waits_the_cap)
{
    Certs certs;
    std::atomic<int> calls{0};
    MisbehavingServer server(certs.good.cert, certs.good.key,
                             [&](MisbehavingConnection& c, const ServerRequest&) {
                                 if (calls++ == 0) return c.answer(503, "{}", "Retry-After: 3600\r\n");
                                 return c.answer(200, R"({"status":"SUCCESS"})");
                             });
    auto api = api_for(server, certs.ca.ca_file());
    api.max_attempts = 3;
    api.max_retry_after = 1s;
    auto r = confirm_once(api);
    BOOST_TEST(r.answer.ok(), r.answer.message);
    BOOST_TEST(r.answer.attempts == 2u);
    BOOST_TEST(r.seconds >= 0.9);
    BOOST_TEST(r.seconds < 5.0, "waited the 1 s cap, not the hour");
}

BOOST_AUTO_TEST_CASE(refused_certificates_say_why)
{
    Certs certs;
    test::TestCa other_ca(certs.dir.path() / "other", "another CA");
    struct Case {
        test::CertFiles files;
        std::filesystem::path trusted;
        std::string expected;
    };
    const Case cases[] = {
        {certs.ca.issue("expired", "IP:127.0.0.1", -7200, -3600), certs.ca.ca_file(), "certificate has expired"},
        {certs.ca.issue("other-host", "DNS:other.example,IP:10.9.8.7"), certs.ca.ca_file(),
         "host name mismatch: the server's certificate is not for 127.0.0.1"},
        {other_ca.issue("unknown", "IP:127.0.0.1"), certs.ca.ca_file(), "issued by an unknown authority"},
        {certs.ca.self_signed("self", "IP:127.0.0.1"), certs.ca.ca_file(), "self-signed"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.expected)
        {
            MisbehavingServer server(c.files.cert, c.files.key,
                                     [](MisbehavingConnection& conn, const ServerRequest&) { return conn.answer(200, "{}"); });
            auto r = confirm_once(api_for(server, c.trusted));
            BOOST_TEST((r.answer.kind == ApiResponse::Kind::failed));
            BOOST_TEST(has(r.answer.message, c.expected), r.answer.message);
            BOOST_TEST(!has(r.answer.message, "s3cr3t"));
        }
    }
    // And the good one goes through, so the cases above fail for their certificate alone.
    MisbehavingServer server(certs.good.cert, certs.good.key, [](MisbehavingConnection& conn, const ServerRequest&) {
        return conn.answer(200, R"({"status":"SUCCESS"})");
    });
    auto r = confirm_once(api_for(server, certs.ca.ca_file()));
    BOOST_TEST(r.answer.ok(), r.answer.message);
}

BOOST_AUTO_TEST_SUITE_END()

// `xferd once` at concurrency 64 against a server whose every answer is an endless chunked
// body: each answer stops at api.max_response_bytes, so the child's peak RSS stays small.
#include "child_process.hpp"
#include "test_files.hpp"

#include <sys/resource.h>

#include <fstream>

BOOST_AUTO_TEST_SUITE(hostile_server_process)

BOOST_AUTO_TEST_CASE(endless_bodies_at_concurrency_64_keep_once_under_64_mib)
{
    Certs certs;
    MisbehavingServer server(certs.good.cert, certs.good.key, [](MisbehavingConnection& c, const ServerRequest&) {
        if (!c.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"))
            return false;
        const std::string chunk = "4000\r\n" + std::string(0x4000, ' ') + "\r\n";
        while (!c.stopping())
            if (!c.write(chunk)) return false;
        return false;
    });
    const auto& dir = certs.dir.path();
    std::filesystem::create_directories(dir / "inbox");
    std::ofstream(dir / "secret") << "not-a-real-secret";
    std::ofstream(dir / "xferd.yaml") << "api:\n  base_url: " << server.base_url() << "\n  token_url: "
                                      << server.token_url() << "\n  tenant: ACME\n  client_id: demo-client\n"
                                      << "  client_secret_file: secret\n  username: u\n  password_file: secret\n"
                                      << "  ca_file: " << certs.ca.ca_file().string()
                                      << "\n  concurrency: 64\n  max_attempts: 1\n  outage_after: 1h\n"
                                      << "inbox:\n  - path: inbox\nwatch:\n  settle: 0s\nstate_dir: state\n";
    {
        std::ofstream csv(dir / "inbox/many.csv");
        csv << "external_order_number,service_id,service_number,contact_number,personal_email\n";
        for (int i = 0; i < 128; ++i)
            csv << "RSS-" << i << "," << 38390017 + i << ",30355" << 10000 + i << ",4155550100,p" << i
                << "@mail.example\n";
    }
    int status = -1;
    {
        test::ChildProcess p({XFERD_BINARY_DIR "/xferd", "once", "--config", (dir / "xferd.yaml").string()},
                             dir / "out.txt", dir / "err.txt");
        auto st = p.wait_for(300s);
        BOOST_TEST_REQUIRE(st.has_value(), "xferd did not finish");
        status = *st;
    }
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);
    const long peak_kib = usage.ru_maxrss;
    BOOST_TEST(status == 1, test::read_text(dir / "out.txt") << test::read_text(dir / "err.txt"));
    BOOST_TEST(server.api_requests() >= 64, "the confirms ran, " << server.api_requests());
    BOOST_TEST(peak_kib < 64 * 1024, "peak RSS " << peak_kib << " KiB");
    const std::string results = test::read_text(dir / "inbox/many.results.csv");
    BOOST_TEST(results.find("larger than api.max_response_bytes (262144 bytes)") != std::string::npos,
               results.substr(0, 2000));
    BOOST_TEST_MESSAGE("peak RSS of xferd once: " << peak_kib << " KiB");
}

BOOST_AUTO_TEST_SUITE_END()
