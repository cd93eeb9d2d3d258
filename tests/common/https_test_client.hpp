// A small blocking HTTPS client for tests: one keep-alive connection, certificate verification
// against a given CA file, a timeout per request, transport errors reported instead of hidden.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xferd::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
    int status = 0;
    Headers headers;
    std::string body;

    // Case-insensitive header lookup; empty when absent.
    std::string header(std::string_view name) const
    {
        for (auto& [k, v] : headers)
            if (k.size() == name.size() &&
                std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
                    return std::tolower(static_cast<unsigned char>(a)) ==
                           std::tolower(static_cast<unsigned char>(b));
                }))
                return v;
        return {};
    }
    boost::json::value json() const { return boost::json::parse(body); }
};

class HttpsTestClient {
public:
    HttpsTestClient(std::string host, std::uint16_t port, const std::string& ca_file,
                    std::string verify_name = {})
        : host_(std::move(host)), port_(port), ctx_(boost::asio::ssl::context::tls_client),
          verify_name_(verify_name.empty() ? host_ : std::move(verify_name))
    {
        if (!ca_file.empty())  // empty: trust nothing
            ctx_.load_verify_file(ca_file);
        ctx_.set_verify_mode(boost::asio::ssl::verify_peer);
    }

    // Caps the TLS version, to check that the server refuses old protocols.
    void max_tls_version(int version) { SSL_CTX_set_max_proto_version(ctx_.native_handle(), version); }
    void timeout(std::chrono::milliseconds t) { timeout_ = t; }

    // Throws std::runtime_error on a transport failure.
    HttpResult request(boost::beast::http::verb method, const std::string& target, std::string body = {},
                       const Headers& headers = {})
    {
        HttpResult out;
        auto ec = try_request(method, target, std::move(body), headers, out);
        if (ec)
            throw std::runtime_error("HTTPS " + target + ": " + ec.message());
        return out;
    }
    HttpResult get(const std::string& target, const Headers& headers = {})
    {
        return request(boost::beast::http::verb::get, target, {}, headers);
    }
    // Adds Content-Type: application/json unless `headers` sets one.
    HttpResult post(const std::string& target, std::string body, Headers headers = {})
    {
        bool has_ct = false;
        for (auto& [k, v] : headers)
            has_ct = has_ct || k == "Content-Type" || k == "content-type";
        if (!has_ct)
            headers.emplace_back("Content-Type", "application/json");
        return request(boost::beast::http::verb::post, target, std::move(body), headers);
    }

    // The transport error (connect, TLS, write, read, timeout) or success; never throws for those.
    boost::system::error_code try_request(boost::beast::http::verb method, const std::string& target,
                                          std::string body, const Headers& headers, HttpResult& out)
    {
        namespace http = boost::beast::http;
        boost::system::error_code ec;
        if (!stream_) {
            ec = connect();
            if (ec) {
                close();
                return ec;
            }
        }
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, host_);
        for (auto& [k, v] : headers)
            req.set(k, v);
        req.body() = std::move(body);
        if (!req.body().empty() || method == http::verb::post)
            req.prepare_payload();

        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        run([&](auto done) { http::async_write(*stream_, req, [done](auto e, auto) { done(e); }); }, ec);
        if (!ec)
            run([&](auto done) {
                http::async_read(*stream_, buffer_, parser, [done](auto e, auto) { done(e); });
            }, ec);
        if (ec) {
            close();
            return ec;
        }
        auto& msg = parser.get();
        out.status = int(msg.result_int());
        out.headers.clear();
        for (auto& f : msg)
            out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        out.body = std::move(msg.body());
        if (!msg.keep_alive())
            close();
        return {};
    }

    bool connected() const { return stream_.has_value(); }
    void close()
    {
        if (stream_) {
            boost::system::error_code ec;
            boost::beast::get_lowest_layer(*stream_).socket().close(ec);
        }
        stream_.reset();
        buffer_.clear();
    }

private:
    using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    // Runs one async operation to completion (or to the timeout) on the private io_context.
    template <class Start>
    void run(Start start, boost::system::error_code& ec)
    {
        bool finished = false;
        boost::beast::get_lowest_layer(*stream_).expires_after(timeout_);
        start([&](boost::system::error_code e) {
            ec = e;
            finished = true;
        });
        ioc_.restart();
        ioc_.run();
        if (!finished)
            ec = boost::asio::error::timed_out;
    }

    boost::system::error_code connect()
    {
        namespace net = boost::asio;
        stream_.emplace(ioc_, ctx_);
        stream_->set_verify_callback(net::ssl::host_name_verification(verify_name_));
        boost::system::error_code ec;
        net::ip::make_address(verify_name_, ec);
        if (ec)  // SNI carries host names only, never IP addresses
            SSL_set_tlsext_host_name(stream_->native_handle(), verify_name_.c_str());
        ec.clear();
        net::ip::tcp::endpoint ep{net::ip::make_address(host_, ec), port_};
        if (ec)
            return ec;
        run([&](auto done) {
            boost::beast::get_lowest_layer(*stream_).async_connect(ep, [done](auto e) { done(e); });
        }, ec);
        if (ec)
            return ec;
        run([&](auto done) {
            stream_->async_handshake(net::ssl::stream_base::client, [done](auto e) { done(e); });
        }, ec);
        return ec;
    }

    std::string host_;
    std::uint16_t port_;
    boost::asio::io_context ioc_;
    boost::asio::ssl::context ctx_;
    std::string verify_name_;
    std::optional<Stream> stream_;
    boost::beast::flat_buffer buffer_;
    std::chrono::milliseconds timeout_{10000};
};

}  // namespace xferd::test
