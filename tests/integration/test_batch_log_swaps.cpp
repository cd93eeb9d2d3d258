// NAME.log changed under a running batch: swapped for a symlink to a secret (never written
// through; said at WARNING; the lines go to the process log) or deleted (a new NAME.log).
#include "temp_dir.hpp"
#include "test_files.hpp"

#include "xferd/batch/report.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

using namespace xferd;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// What the process log (stderr) says while `f` runs.
template <class F>
std::string stderr_of(const fs::path& file, F f)
{
    std::fflush(stderr);
    int saved = ::dup(2);
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    BOOST_REQUIRE(saved >= 0 && fd >= 0);
    ::dup2(fd, 2);
    ::close(fd);
    f();
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    return test::read_text(file);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_log_swaps)

BOOST_AUTO_TEST_CASE(a_log_swapped_for_a_symlink_while_running_is_not_followed)
{
    test::TempDir dir;
    const std::string secret = "client_secret=do-not-touch\n";
    std::ofstream(dir / "secret") << secret;
    const fs::path path = dir / "b.log";
    std::string said = stderr_of(dir / "stderr.txt", [&] {
        BatchLog log(path);
        log.info("first line");
        fs::remove(path);
        fs::create_symlink(dir / "secret", path);
        log.info("second line");
        log.error("third line");
    });
    BOOST_TEST(test::read_text(dir / "secret") == secret, "nothing written through the link");
    BOOST_TEST(fs::is_symlink(path));
    BOOST_TEST(contains(said, "WARN " + path.string() + " is a symbolic link, not followed"), said);
    BOOST_TEST(contains(said, "INFO b.log: second line"), said);
    BOOST_TEST(contains(said, "ERROR b.log: third line"), said);
    BOOST_TEST(!contains(said, "first line"), "written to the log while it was one: " << said);
}

BOOST_AUTO_TEST_CASE(a_log_deleted_while_running_is_started_again)
{
    test::TempDir dir;
    const fs::path path = dir / "b.log";
    std::string said = stderr_of(dir / "stderr.txt", [&] {
        BatchLog log(path);
        log.info("first line");
        fs::remove(path);
        log.info("second line");
    });
    BOOST_TEST_REQUIRE(fs::exists(path));
    const std::string text = test::read_text(path);
    BOOST_TEST(contains(text, "INFO second line"), text);
    BOOST_TEST(said.empty(), said);
}

BOOST_AUTO_TEST_CASE(a_log_that_is_a_symlink_from_the_start_is_left_alone)
{
    test::TempDir dir;
    std::ofstream(dir / "secret") << "x\n";
    const fs::path path = dir / "b.log";
    fs::create_symlink(dir / "secret", path);
    for (bool append : {false, true}) {
        std::string said = stderr_of(dir / "stderr.txt", [&] {
            BatchLog log(path, append);
            BOOST_TEST(!log.is_open());
            log.warn("a line");
        });
        BOOST_TEST(test::read_text(dir / "secret") == "x\n");
        BOOST_TEST(fs::is_symlink(path), "not moved aside as an earlier log");
        BOOST_TEST(!fs::exists(dir / "b.1.log"));
        BOOST_TEST(contains(said, "is a symbolic link, not followed"), said);
        BOOST_TEST(contains(said, "WARN b.log: a line"), said);
    }
}

BOOST_AUTO_TEST_SUITE_END()
