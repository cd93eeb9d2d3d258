// The per-inbox lock that keeps `xferd once` and `xferd run` off the same folder.
#include "xferd/store/inbox_lock.hpp"

#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

using namespace xferd;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_CASE(second_holder_is_refused_with_the_holders_pid_until_released)
{
    test::TempDir dir("xferd-lock");
    fs::create_directories(dir / "inbox");
    auto first = try_lock_inbox(dir / "state", dir / "inbox");
    BOOST_REQUIRE(first.lock.has_value());
    BOOST_TEST(first.lock->file().parent_path() == dir / "state" / "locks");
    BOOST_TEST(first.lock->file().extension() == ".lock");

    // Another open file description (as another process would have): busy, and says who.
    // The same folder spelt differently maps to the same lock.
    auto second = try_lock_inbox(dir / "state", dir.path() / "." / "inbox" / "");
    BOOST_TEST(!second.lock.has_value());
    BOOST_TEST(second.busy);
    BOOST_TEST(second.holder_pid == static_cast<long>(::getpid()));
    BOOST_TEST(second.message == "inbox " + fs::weakly_canonical(dir / "inbox").string() +
                                     " is being processed by another xferd (pid " + std::to_string(::getpid()) + ")");

    first.lock.reset();  // released
    auto third = try_lock_inbox(dir / "state", dir / "inbox");
    BOOST_TEST(third.lock.has_value());
}

BOOST_AUTO_TEST_CASE(a_child_process_holding_the_lock_blocks_us_and_its_death_frees_it)
{
    test::TempDir dir("xferd-lock");
    fs::create_directories(dir / "inbox");
    int ready[2];
    BOOST_REQUIRE(::pipe(ready) == 0);
    pid_t child = ::fork();
    if (child == 0) {
        auto held = try_lock_inbox(dir / "state", dir / "inbox");
        char c = held.lock ? 'y' : 'n';
        (void)!::write(ready[1], &c, 1);
        ::pause();  // killed by the parent, without unlocking
        ::_exit(0);
    }
    char c = 0;
    BOOST_REQUIRE(::read(ready[0], &c, 1) == 1);
    BOOST_REQUIRE(c == 'y');
    auto attempt = try_lock_inbox(dir / "state", dir / "inbox");
    BOOST_TEST(attempt.busy);
    BOOST_TEST(attempt.holder_pid == static_cast<long>(child));
    auto all = lock_inboxes_now(dir / "state", {dir / "inbox"});
    BOOST_REQUIRE(!all.has_value());
    BOOST_TEST(all.error().message.find("(pid " + std::to_string(child) + ")") != std::string::npos);

    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    ::close(ready[0]);
    ::close(ready[1]);
    auto after = lock_inboxes_now(dir / "state", {dir / "inbox", dir / "inbox"});  // one lock per folder
    BOOST_REQUIRE(after.has_value());
    BOOST_TEST(after->size() == 1u);
}

BOOST_AUTO_TEST_CASE(different_inboxes_have_different_locks)
{
    test::TempDir dir("xferd-lock");
    fs::create_directories(dir / "a");
    fs::create_directories(dir / "b");
    BOOST_TEST(lock_file_for(dir / "state", dir / "a") != lock_file_for(dir / "state", dir / "b"));
    auto locks = lock_inboxes_now(dir / "state", {dir / "a", dir / "b"});
    BOOST_REQUIRE(locks.has_value());
    BOOST_TEST(locks->size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_unwritable_state_dir_is_an_error_not_busy)
{
    test::TempDir dir("xferd-lock");
    fs::create_directories(dir / "inbox");
    std::ofstream(dir / "state") << "a file, not a folder";
    auto attempt = try_lock_inbox(dir / "state", dir / "inbox");
    BOOST_TEST(!attempt.lock.has_value());
    BOOST_TEST(!attempt.busy);
    BOOST_TEST(attempt.message.find("cannot create") != std::string::npos, attempt.message);
}
