// The mobproc-sim executable: the "listening on" line, TLS files, the audit file, SIGTERM.
#include <boost/test/unit_test.hpp>

#include "sim_fixture.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace xferd::test;
namespace fs = std::filesystem;

namespace {

struct Process {
    pid_t pid = -1;
    FILE* out = nullptr;
    std::string first_line;

    explicit Process(std::vector<std::string> args)
    {
        int fds[2];
        BOOST_REQUIRE(::pipe(fds) == 0);
        pid = ::fork();
        BOOST_REQUIRE(pid >= 0);
        if (pid == 0) {
            ::dup2(fds[1], 1);
            ::close(fds[0]);
            ::close(fds[1]);
            std::vector<char*> argv;
            std::string exe = XFERD_BINARY_DIR "/mobproc-sim";
            argv.push_back(exe.data());
            for (auto& a : args)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(exe.c_str(), argv.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        out = ::fdopen(fds[0], "r");
        char line[256] = {};
        if (std::fgets(line, sizeof line, out))
            first_line = line;
    }
    int terminate(int sig = SIGTERM)
    {
        ::kill(pid, sig);
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    ~Process()
    {
        if (pid > 0)
            terminate(SIGKILL);
        if (out)
            std::fclose(out);
    }
};

std::uint16_t port_of(const std::string& line)
{
    return std::uint16_t(std::stoi(line.substr(line.rfind(':') + 1)));
}

}  // namespace

BOOST_AUTO_TEST_CASE(prints_listening_line_writes_tls_files_and_exits_0_on_sigterm)
{
    TempDir dir;
    Process p({"--listen", "127.0.0.1:0", "--fixtures", XFERD_SOURCE_DIR "/samples/sim/fixtures.yaml",
               "--tls-dir", (dir / "tls").string(), "--audit", (dir / "audit.jsonl").string()});
    BOOST_TEST_REQUIRE(p.first_line.starts_with("listening on https://127.0.0.1:"));
    BOOST_TEST(p.first_line.back() == '\n');
    auto port = port_of(p.first_line);
    BOOST_TEST(port > 0);
    for (auto name : {"ca.pem", "cert.pem", "key.pem"})
        BOOST_TEST(fs::exists(dir / "tls" / name));
    struct stat st{};
    ::stat((dir / "tls" / "key.pem").c_str(), &st);
    BOOST_TEST((st.st_mode & 0777) == 0600);

    HttpsTestClient c("127.0.0.1", port, (dir / "tls" / "ca.pem").string());
    auto token = c.post("/as/token.oauth2",
                        "grant_type=password&client_id=demo-client&client_secret=demo-client-secret-7f3a9c"
                        "&scope=MOBPROC&username=command%3A%2F%2Fsvc-offboarding&password=demo-password-2b81e4",
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
    BOOST_TEST_REQUIRE(token.status == 200);
    auto h = SimFixture::api_headers(std::string(token.json().at("access_token").as_string()));
    auto res = c.post("/mobproc/v1/orders",
                      R"({"orderRequest":{"externalOrderNumber":"PROC-1","serviceId":"38382555","transactionType":"XFER_SERVICE_OUT","properties":[{"groupId":"MISCELLANEOUS","fields":[)"
                      R"({"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"},{"id":"PERSONAL_EMAIL","type":"TEXT","text":"p@example.com"},)"
                      R"({"id":"SERVICE_NUMBER","type":"TEXT","text":"2035551111"}]}]}})",
                      h);
    BOOST_TEST(res.status == 200);
    // Flushed per line: visible while the simulator still runs.
    auto audit = read_text(dir / "audit.jsonl");
    BOOST_TEST(audit.find("\"externalOrderNumber\":\"PROC-1\"") != std::string::npos);
    BOOST_TEST(audit.find("\"orderId\":\"13298555\"") != std::string::npos);
    BOOST_TEST(p.terminate(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(reuses_existing_tls_material_and_exits_0_on_sigint)
{
    TempDir dir;
    std::string ca_before;
    {
        Process first({"--fixtures", XFERD_SOURCE_DIR "/samples/sim/fixtures.yaml", "--tls-dir",
                       (dir / "tls").string()});
        BOOST_TEST_REQUIRE(first.first_line.starts_with("listening on "));
        ca_before = read_text(dir / "tls" / "ca.pem");
        BOOST_TEST(first.terminate(SIGINT) == 0);
    }
    Process second({"--fixtures", XFERD_SOURCE_DIR "/samples/sim/fixtures.yaml", "--tls-dir",
                    (dir / "tls").string()});
    BOOST_TEST_REQUIRE(second.first_line.starts_with("listening on "));
    BOOST_TEST(read_text(dir / "tls" / "ca.pem") == ca_before);
    HttpsTestClient c("127.0.0.1", port_of(second.first_line), (dir / "tls" / "ca.pem").string());
    BOOST_TEST(c.get("/mobproc/v1/ping").status == 400);
    BOOST_TEST(second.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(bad_arguments_exit_2)
{
    TempDir dir;
    Process p({"--fixtures", XFERD_SOURCE_DIR "/samples/sim/fixtures.yaml", "--tls-dir", dir.path().string(),
               "--fail-rate", "2"});
    BOOST_TEST(p.first_line.empty());
    int status = 0;
    ::waitpid(p.pid, &status, 0);
    p.pid = -1;
    BOOST_TEST(WEXITSTATUS(status) == 2);
}
