// The sd_notify messages as systemd receives them, on a NOTIFY_SOCKET this test listens on.
#include "xferd/service/sd_notify.hpp"

#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

using namespace xferd;

namespace {

struct NotifySocket {
    explicit NotifySocket(const std::filesystem::path& path)
    {
        fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind");
        timeval tv{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~NotifySocket() { ::close(fd); }
    std::string receive()
    {
        char buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    }
    int fd;
};

}  // namespace

BOOST_AUTO_TEST_CASE(without_notify_socket_everything_is_a_no_op)
{
    ::unsetenv("NOTIFY_SOCKET");
    ::setenv("WATCHDOG_USEC", "2000000", 1);
    SdNotifier n;
    BOOST_TEST(!n.enabled());
    BOOST_TEST(!n.watchdog_period().has_value());
    n.ready();
    n.status("x");
    n.stopping();
    ::unsetenv("WATCHDOG_USEC");
}

BOOST_AUTO_TEST_CASE(messages_on_the_socket)
{
    test::TempDir dir("xferd-notify");
    NotifySocket sock(dir / "notify");
    ::setenv("NOTIFY_SOCKET", (dir / "notify").c_str(), 1);
    ::setenv("WATCHDOG_USEC", "3000000", 1);
    ::unsetenv("WATCHDOG_PID");
    SdNotifier n;
    BOOST_TEST(n.enabled());
    BOOST_REQUIRE(n.watchdog_period().has_value());
    BOOST_TEST(n.watchdog_period()->count() == 1'500'000);  // half of WatchdogSec

    n.ready_with_status("watching 2 inboxes");
    BOOST_TEST(sock.receive() == "READY=1\nSTATUS=watching 2 inboxes");
    n.status("processing a.csv\nand more");
    BOOST_TEST(sock.receive() == "STATUS=processing a.csv and more");
    n.watchdog();
    BOOST_TEST(sock.receive() == "WATCHDOG=1");
    n.reloading();
    std::string reloading = sock.receive();
    BOOST_TEST(reloading.starts_with("RELOADING=1\nMONOTONIC_USEC="), reloading);
    BOOST_TEST(std::stoull(reloading.substr(reloading.find('=', 12) + 1)) > 0u);
    n.ready();
    BOOST_TEST(sock.receive() == "READY=1");
    n.stopping();
    BOOST_TEST(sock.receive() == "STOPPING=1");

    // WATCHDOG_PID naming another process: not our watchdog.
    ::setenv("WATCHDOG_PID", "1", 1);
    SdNotifier other;
    BOOST_TEST(!other.watchdog_period().has_value());
    ::unsetenv("WATCHDOG_PID");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("NOTIFY_SOCKET");
}
