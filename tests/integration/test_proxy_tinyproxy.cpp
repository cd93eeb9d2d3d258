// `xferd once` through a real proxy, Debian's tinyproxy with basic credentials, on 127.0.0.1:
// the tunnel, the Proxy-Authorization header and keep-alive through a proxy xferd's own tests
// did not write. Skipped (exit 77) when tinyproxy is not installed (apt-get install tinyproxy).
#include "results_csv.hpp"
#include "xferd_cli.hpp"

#include "xferd/batch/report.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <sstream>
#include <thread>

using namespace xferd;
namespace fs = std::filesystem;
namespace utf = boost::unit_test;
using namespace std::chrono_literals;

namespace {

const std::string proxy_password = "tiny-S3cret-41c7";

std::optional<fs::path> tinyproxy_binary()
{
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const fs::path candidate = fs::path(dir) / "tinyproxy";
        if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

boost::test_tools::assertion_result tinyproxy_available(utf::test_unit_id)
{
    boost::test_tools::assertion_result r(tinyproxy_binary().has_value());
    if (!r) r.message() << "tinyproxy is not installed (apt-get install tinyproxy); skipped";
    return r;
}

std::uint16_t free_port()
{
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

bool accepts(std::uint16_t port)
{
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket s(io);
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
}

}  // namespace

BOOST_AUTO_TEST_CASE(once_through_tinyproxy_with_basic_credentials, *utf::precondition(tinyproxy_available))
{
    test::SimFixture sim;
    test::TempDir dir;
    const std::uint16_t port = free_port();
    std::ofstream(dir / "tinyproxy.conf") << "Port " << port << "\nListen 127.0.0.1\nTimeout 30\nMaxClients 16\n"
                                          << "LogLevel Info\nLogFile \"" << (dir / "tinyproxy.log").string() << "\"\n"
                                          << "PidFile \"" << (dir / "tinyproxy.pid").string() << "\"\n"
                                          << "Allow 127.0.0.1\nBasicAuth svc-proxy " << proxy_password << "\n";
    test::ChildProcess tinyproxy({tinyproxy_binary()->string(), "-d", "-c", (dir / "tinyproxy.conf").string()},
                                 dir / "tinyproxy.out", dir / "tinyproxy.out");
    for (int i = 0; i < 200 && !accepts(port); ++i) std::this_thread::sleep_for(50ms);
    BOOST_TEST_REQUIRE(accepts(port), "tinyproxy did not start: " << test::read_text(dir / "tinyproxy.out"));

    std::ofstream(dir / "proxy_password") << proxy_password << "\n";
    test::CliConfig c;
    c.api_extra = "  proxy: http://127.0.0.1:" + std::to_string(port) +
                  "\n  proxy_username: svc-proxy\n  proxy_password_file: proxy_password\n";
    const auto config = test::write_cli_config(dir, sim, c);
    const auto input = dir / "inbox/eu.csv";
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), input);
    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    BOOST_TEST(sim.audit_entries().size() == 6u);
    for (const auto& row : test::read_csv_report(output_paths_for(input).results_csv))
        BOOST_TEST(row.at("status") == "SUBMITTED", row.at("message"));
    BOOST_TEST(!(r.out + r.err).empty());
    BOOST_TEST((r.out + r.err).find(proxy_password) == std::string::npos);
    const std::string log = test::read_text(dir / "tinyproxy.log");
    BOOST_TEST(log.find("CONNECT") != std::string::npos, "tinyproxy saw no CONNECT:\n" << log);

    // Without the credentials tinyproxy answers 407: exit 3, the proxy credentials named.
    c.api_extra = "  proxy: http://127.0.0.1:" + std::to_string(port) + "\n";
    fs::copy_file(test::source_path("samples/batches/offboarding-2026-11-excel.csv"), dir / "inbox/more.csv");
    auto refused = test::run_xferd(dir, {"once", "--config", test::write_cli_config(dir, sim, c).string()});
    BOOST_TEST(refused.status == 3, refused.out << refused.err);
    BOOST_TEST((refused.out + refused.err).find("HTTP 407 Proxy Authentication Required — check api.proxy_username") !=
                   std::string::npos,
               refused.out << refused.err);
    tinyproxy.signal(SIGTERM);
    tinyproxy.wait_for(10s);
}
