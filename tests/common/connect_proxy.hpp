// A small HTTP CONNECT proxy on 127.0.0.1 for tests: it tunnels to the target it is asked for,
// counts the CONNECTs and records each request line, target and Proxy-Authorization header; it
// can require credentials (407 otherwise) or misbehave as a test says (403, 502, closing early,
// junk, an endless or dripping header). One thread per connection; the tunnel pumps bytes with
// poll() until either side closes or the proxy stops.
#pragma once

#include "loopback_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace xferd::test {

class ConnectProxy {
public:
    enum class Mode {
        tunnel,           // 200 and a tunnel (credentials checked when `required_authorization` is set)
        refuse_403,       // 403 Forbidden: policy
        refuse_502,       // 502 Bad Gateway: cannot reach the target
        close_early,      // closes without a word
        junk,             // answers something that is not HTTP
        endless_header,   // a status line, then header lines forever, as fast as it can
        dripping_header,  // a status line, then one header byte every 100 ms, never done
    };

    // `required_authorization`: the whole Proxy-Authorization value a CONNECT must carry
    // ("Basic …"), else 407; empty: none needed.
    explicit ConnectProxy(Mode mode = Mode::tunnel, std::string required_authorization = "")
        : mode_(mode), required_(std::move(required_authorization))
    {
    }
    ConnectProxy(const ConnectProxy&) = delete;
    ConnectProxy& operator=(const ConnectProxy&) = delete;

    std::uint16_t port() const { return server_.port(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
    int connects() const { return connects_; }    // CONNECT requests received
    int tunnels() const { return tunnels_; }      // tunnels opened (200 answered)
    std::vector<std::string> request_lines() const { return locked(request_lines_); }
    std::vector<std::string> authorizations() const { return locked(authorizations_); }  // "" when absent

private:
    template <class T>
    T locked(const T& value) const
    {
        std::lock_guard lock(mutex_);
        return value;
    }
    static bool send(boost::asio::ip::tcp::socket& s, const std::string& bytes)
    {
        boost::system::error_code ec;
        boost::asio::write(s, boost::asio::buffer(bytes), ec);
        return !ec;
    }

    // The request head, up to 64 KiB; "" when the client went away first.
    static std::string read_head(boost::asio::ip::tcp::socket& s)
    {
        std::string head;
        char c = 0;
        while (head.size() < 65536 && head.find("\r\n\r\n") == std::string::npos) {
            boost::system::error_code ec;
            if (s.read_some(boost::asio::buffer(&c, 1), ec) != 1 || ec) return "";
            head.push_back(c);
        }
        return head;
    }

    static std::string header_value(const std::string& head, const std::string& name)
    {
        std::string lower = head;
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        auto p = lower.find("\r\n" + name + ":");
        if (p == std::string::npos) return "";
        p += name.size() + 3;
        while (p < head.size() && head[p] == ' ') ++p;
        return head.substr(p, head.find("\r\n", p) - p);
    }

    void serve(boost::asio::ip::tcp::socket client)
    {
        const std::string head = read_head(client);
        if (head.empty()) return;
        const std::string line = head.substr(0, head.find("\r\n"));
        {
            std::lock_guard lock(mutex_);
            request_lines_.push_back(line);
            authorizations_.push_back(header_value(head, "proxy-authorization"));
        }
        if (line.rfind("CONNECT ", 0) != 0) {
            send(client, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        ++connects_;
        if (misbehave(client)) return;
        if (!required_.empty() && header_value(head, "proxy-authorization") != required_) {
            send(client, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                         "Content-Type: text/html\r\nContent-Length: 22\r\n\r\n<p>who are you?</p>\r\n");
            return;
        }
        const std::string target = line.substr(8, line.find(' ', 8) - 8);
        const auto colon = target.rfind(':');
        boost::asio::ip::tcp::socket upstream(server_.io());
        boost::system::error_code ec;
        boost::asio::ip::tcp::resolver resolver(server_.io());
        auto where = resolver.resolve(target.substr(0, colon), target.substr(colon + 1), ec);
        if (!ec) boost::asio::connect(upstream, where, ec);
        if (ec) {
            send(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        server_.track(upstream.native_handle());
        ++tunnels_;
        if (!send(client, "HTTP/1.1 200 Connection established\r\n\r\n")) return;
        pump(client.native_handle(), upstream.native_handle());
    }

    // The modes that never open a tunnel; true when the connection is done with.
    bool misbehave(boost::asio::ip::tcp::socket& client)
    {
        switch (mode_) {
        case Mode::tunnel: return false;
        case Mode::refuse_403: send(client, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"); return true;
        case Mode::refuse_502: send(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"); return true;
        case Mode::close_early: return true;
        case Mode::junk: send(client, "SSH-2.0-OpenSSH_9.2\r\n\r\n"); return true;
        case Mode::endless_header:
            if (!send(client, "HTTP/1.1 200 Connection established\r\n")) return true;
            while (!server_.stopping() && send(client, "X-Filler: " + std::string(1000, 'a') + "\r\n")) {
            }
            return true;
        case Mode::dripping_header:
            if (!send(client, "HTTP/1.1 200 Connection established\r\nX-Drip: ")) return true;
            while (!server_.stopping() && send(client, "a")) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            return true;
        }
        return true;
    }

    void pump(int a, int b)
    {
        char buf[16384];
        while (!server_.stopping()) {
            pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
            if (::poll(p, 2, 100) < 0) return;
            for (int i = 0; i < 2; ++i) {
                if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                ssize_t n = ::read(p[i].fd, buf, sizeof buf);
                if (n <= 0) return;
                const int to = i == 0 ? b : a;
                for (ssize_t off = 0; off < n;) {
                    ssize_t w = ::write(to, buf + off, static_cast<std::size_t>(n - off));
                    if (w <= 0) return;
                    off += w;
                }
            }
        }
    }

    Mode mode_;
    std::string required_;
    std::atomic<int> connects_{0}, tunnels_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> request_lines_, authorizations_;
    LoopbackServer server_{[this](boost::asio::ip::tcp::socket s) { serve(std::move(s)); }};  // last: stops first
};

}  // namespace xferd::test
