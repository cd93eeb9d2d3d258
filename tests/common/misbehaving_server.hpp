// A TLS server on 127.0.0.1 that answers as a test script says, byte by byte if need be: slow
// drips, endless bodies, huge answers, odd certificates. One thread per connection; the script
// gets the connection and the stop flag. The token endpoint (/as/token.oauth2) answers a token
// unless the script handles it.
#pragma once

#include "loopback_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <filesystem>
#include <sstream>
#include <list>
#include <mutex>
#include <string>
#include <thread>

namespace xferd::test {

struct ServerRequest {
    std::string method, target, head, body;
};

class MisbehavingConnection {
public:
    using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
    MisbehavingConnection(Stream& s, const std::atomic<bool>& stop) : stream_(s), stop_(stop) {}

    // The next request (head and Content-Length body); false when the client went away.
    bool read(ServerRequest& out)
    {
        boost::system::error_code ec;
        std::size_t n = boost::asio::read_until(stream_, buf_, "\r\n\r\n", ec);
        if (ec) return false;
        std::string data(boost::asio::buffers_begin(buf_.data()), boost::asio::buffers_begin(buf_.data()) + n);
        buf_.consume(n);
        out.head = data;
        std::istringstream first(data);
        first >> out.method >> out.target;
        std::size_t length = 0;
        if (auto p = lower(data).find("content-length:"); p != std::string::npos)
            length = std::stoul(data.substr(p + 15));
        while (buf_.size() < length) {
            auto more = stream_.read_some(buf_.prepare(length - buf_.size()), ec);
            if (ec) return false;
            buf_.commit(more);
        }
        out.body.assign(boost::asio::buffers_begin(buf_.data()), boost::asio::buffers_begin(buf_.data()) + length);
        buf_.consume(length);
        return true;
    }
    // Writes `bytes`; false when the client went away.
    bool write(std::string_view bytes)
    {
        boost::system::error_code ec;
        boost::asio::write(stream_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
        return !ec;
    }
    bool answer(int status, const std::string& body, const std::string& extra_headers = "")
    {
        return write("HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body);
    }
    // Sleeps unless the server stops; false when it stops.
    bool pause(std::chrono::milliseconds d)
    {
        auto until = std::chrono::steady_clock::now() + d;
        while (std::chrono::steady_clock::now() < until) {
            if (stop_) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return !stop_;
    }
    [[nodiscard]] bool stopping() const { return stop_; }

private:
    static std::string lower(std::string s)
    {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    }
    Stream& stream_;
    const std::atomic<bool>& stop_;
    boost::asio::streambuf buf_;
};

class MisbehavingServer {
public:
    // Called for each API request (the token endpoint is answered before it); returns false to
    // close the connection.
    using Script = std::function<bool(MisbehavingConnection&, const ServerRequest&)>;

    MisbehavingServer(const std::filesystem::path& cert, const std::filesystem::path& key, Script script)
        : tls_(boost::asio::ssl::context::tls_server), script_(std::move(script))
    {
        tls_.use_certificate_chain_file(cert.string());
        tls_.use_private_key_file(key.string(), boost::asio::ssl::context::pem);
    }
    MisbehavingServer(const MisbehavingServer&) = delete;
    MisbehavingServer& operator=(const MisbehavingServer&) = delete;

    std::string origin() const { return "https://127.0.0.1:" + std::to_string(server_.port()); }
    std::string base_url() const { return origin() + "/mobproc/v1"; }
    std::string token_url() const { return origin() + "/as/token.oauth2"; }
    int api_requests() const { return api_requests_; }
    int token_requests() const { return token_requests_; }
    int connections() const { return server_.connections(); }

    static std::string token_answer(int expires_in = 3600)
    {
        return R"({"access_token":"tok","refresh_token":"ref","token_type":"Bearer","expires_in":)" +
               std::to_string(expires_in) + "}";
    }

private:
    void serve(boost::asio::ip::tcp::socket sock)
    {
        MisbehavingConnection::Stream stream(std::move(sock), tls_);
        boost::system::error_code ec;
        stream.handshake(boost::asio::ssl::stream_base::server, ec);
        if (ec) return;
        MisbehavingConnection conn(stream, server_.stopping());
        ServerRequest req;
        while (!server_.stopping() && conn.read(req)) {
            if (req.target.rfind("/as/token.oauth2", 0) == 0) {
                ++token_requests_;
                if (!conn.answer(200, token_answer())) return;
                continue;
            }
            ++api_requests_;
            if (!script_(conn, req)) return;
        }
    }

    boost::asio::ssl::context tls_;
    Script script_;
    std::atomic<int> api_requests_{0}, token_requests_{0};
    LoopbackServer server_{[this](boost::asio::ip::tcp::socket sock) { serve(std::move(sock)); }};  // last: stops first
};

}  // namespace xferd::test
