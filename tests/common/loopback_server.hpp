// A TCP server on 127.0.0.1:<any free port> for the test doubles (a misbehaving API, a CONNECT
// proxy): one thread per connection running `serve`; the destructor stops accepting, shuts
// every connection down (so blocked reads and writes end) and joins the threads. Declare it as
// the last member of its owner, so it is gone before what `serve` uses.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace xferd::test {

class LoopbackServer {
public:
    using Serve = std::function<void(boost::asio::ip::tcp::socket)>;

    explicit LoopbackServer(Serve serve) : serve_(std::move(serve))
    {
        acceptor_.open(boost::asio::ip::tcp::v4());
        acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
        acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept_thread_ = std::thread([this] { accept_loop(); });
    }
    ~LoopbackServer()
    {
        stop_ = true;
        ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
        accept_thread_.join();
        {
            std::lock_guard lock(mutex_);
            for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
        }
        for (auto& t : threads_) t.join();
    }
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] const std::atomic<bool>& stopping() const { return stop_; }
    [[nodiscard]] int connections() const { return connections_; }
    boost::asio::io_context& io() { return io_; }

    // One more descriptor for the destructor to shut down (a connection `serve` opened onwards).
    void track(int fd)
    {
        std::lock_guard lock(mutex_);
        fds_.push_back(fd);
    }

private:
    void accept_loop()
    {
        while (!stop_) {
            boost::system::error_code ec;
            boost::asio::ip::tcp::socket sock(io_);
            acceptor_.accept(sock, ec);
            if (ec || stop_) return;
            ++connections_;
            track(sock.native_handle());
            std::lock_guard lock(mutex_);
            threads_.emplace_back([this, s = std::move(sock)]() mutable { serve_(std::move(s)); });
        }
    }

    Serve serve_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_{io_};
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::mutex mutex_;
    std::list<int> fds_;
    std::list<std::thread> threads_;
    std::thread accept_thread_;
};

}  // namespace xferd::test
