// The units in systemd/: `systemd-analyze verify` is clean on each, and the services are
// hardened to an exposure score of 2.0 or lower. Skipped (with a message) where
// systemd-analyze is not installed or too old for --offline: the executable then exits 77,
// which ctest reports as skipped (tests/common/test_main.cpp).
#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
namespace utf = boost::unit_test;

namespace {

const fs::path units_dir = fs::path(XFERD_SOURCE_DIR) / "systemd";

struct Run {
    int status = -1;
    std::string output;  // stdout and stderr
};

Run run(const std::string& command)
{
    Run r;
    std::FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

std::string read(const fs::path& p)
{
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

boost::test_tools::assertion_result systemd_analyze_available(utf::test_unit_id)
{
    Run v = run("systemd-analyze --version");
    if (v.status != 0) {
        boost::test_tools::assertion_result r(false);
        r.message() << "systemd-analyze is not installed (apt-get install systemd); unit checks skipped";
        return r;
    }
    Run help = run("systemd-analyze --help");
    if (help.output.find("--offline") == std::string::npos) {
        boost::test_tools::assertion_result r(false);
        r.message() << "this systemd-analyze has no --offline (systemd >= 250 needed); unit checks skipped";
        return r;
    }
    return true;
}

// A copy of the unit whose ExecStart names an executable that exists here (verify checks that
// /usr/bin/xferd exists, and it is not installed where the tests run).
fs::path staged(const xferd::test::TempDir& dir, const std::string& unit)
{
    const fs::path exe = dir / "xferd";
    if (!fs::exists(exe)) {
        std::ofstream(exe) << "#!/bin/sh\nexit 0\n";
        fs::permissions(exe, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    }
    std::string text = read(units_dir / unit);
    text = std::regex_replace(text, std::regex("/usr/bin/xferd"), exe.string());
    fs::path out = dir / unit;
    std::ofstream(out) << text;
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(units_are_there_and_say_what_the_product_needs)
{
    std::string service = read(units_dir / "xferd.service");
    for (const char* line : {"Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "WatchdogSec=", "StateDirectory=xferd",
                             "LoadCredential=client_secret:/etc/xferd/client_secret",
                             "LoadCredential=password:/etc/xferd/password", "ReadWritePaths=/srv/xferd",
                             "ExecStart=/usr/bin/xferd run --config /etc/xferd/xferd.yaml"})
        BOOST_TEST(service.find(line) != std::string::npos, "xferd.service: " << line);
    std::string once = read(units_dir / "xferd-once.service");
    BOOST_TEST(once.find("Type=oneshot") != std::string::npos);
    BOOST_TEST(once.find("ExecStart=/usr/bin/xferd once --config /etc/xferd/xferd.yaml") != std::string::npos);
    std::string timer = read(units_dir / "xferd.timer");
    BOOST_TEST(timer.find("Persistent=true") != std::string::npos);
    BOOST_TEST(timer.find("Unit=xferd-once.service") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verify_is_clean, *utf::precondition(systemd_analyze_available))
{
    xferd::test::TempDir dir("xferd-units");
    std::string files;
    for (const char* unit : {"xferd.service", "xferd-once.service", "xferd.timer"})
        files += " " + staged(dir, unit).string();
    Run r = run("cd " + dir.path().string() + " && systemd-analyze verify" + files);
    BOOST_TEST(r.status == 0, r.output);
    BOOST_TEST(r.output.empty(), "systemd-analyze verify said:\n" << r.output);
}

BOOST_AUTO_TEST_CASE(services_are_hardened, *utf::precondition(systemd_analyze_available))
{
    for (const char* unit : {"xferd.service", "xferd-once.service"}) {
        Run r = run("systemd-analyze security --offline=true --no-pager " + (units_dir / unit).string());
        std::smatch m;
        BOOST_REQUIRE_MESSAGE(std::regex_search(r.output, m, std::regex(R"(Overall exposure level for \S+: ([0-9.]+))")),
                              unit << ": no score in:\n" << r.output);
        double score = std::stod(m[1]);
        BOOST_TEST_MESSAGE(unit << ": exposure " << score);
        BOOST_TEST(score <= 2.0, unit << " exposure " << score << " > 2.0:\n" << r.output);
    }
}
