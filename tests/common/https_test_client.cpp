#include "https_test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <optional>
#include <stdexcept>

namespace xferd::test {

namespace net = boost::asio;
namespace http = boost::beast::http;

struct HttpsTestClient::Impl {
    using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    Impl(std::string host, std::uint16_t port, std::string verify_name)
        : host_(std::move(host)), port_(port), ctx_(net::ssl::context::tls_client),
          verify_name_(verify_name.empty() ? host_ : std::move(verify_name))
    {
    }

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
            ec = net::error::timed_out;
    }

    boost::system::error_code connect()
    {
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

    void close()
    {
        if (stream_) {
            boost::system::error_code ec;
            boost::beast::get_lowest_layer(*stream_).socket().close(ec);
        }
        stream_.reset();
        buffer_.clear();
    }

    std::string host_;
    std::uint16_t port_;
    net::io_context ioc_;
    net::ssl::context ctx_;
    std::string verify_name_;
    std::optional<Stream> stream_;
    boost::beast::flat_buffer buffer_;
    std::chrono::milliseconds timeout_{10000};
};

HttpsTestClient::HttpsTestClient(std::string host, std::uint16_t port, const std::string& ca_file,
                                 std::string verify_name)
    : impl_(std::make_unique<Impl>(std::move(host), port, std::move(verify_name)))
{
    if (!ca_file.empty())  // empty: trust nothing
        impl_->ctx_.load_verify_file(ca_file);
    impl_->ctx_.set_verify_mode(net::ssl::verify_peer);
}

HttpsTestClient::~HttpsTestClient() = default;

void HttpsTestClient::max_tls_version(int version)
{
    SSL_CTX_set_max_proto_version(impl_->ctx_.native_handle(), version);
}

void HttpsTestClient::timeout(std::chrono::milliseconds t) { impl_->timeout_ = t; }

HttpResult HttpsTestClient::request(http::verb method, const std::string& target, std::string body,
                                    const Headers& headers)
{
    HttpResult out;
    auto ec = try_request(method, target, std::move(body), headers, out);
    if (ec)
        throw std::runtime_error("HTTPS " + target + ": " + ec.message());
    return out;
}

boost::system::error_code HttpsTestClient::try_request(http::verb method, const std::string& target,
                                                       std::string body, const Headers& headers, HttpResult& out)
{
    auto& d = *impl_;
    boost::system::error_code ec;
    if (!d.stream_) {
        ec = d.connect();
        if (ec) {
            d.close();
            return ec;
        }
    }
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, d.host_);
    for (auto& [k, v] : headers)
        req.set(k, v);
    req.body() = std::move(body);
    if (!req.body().empty() || method == http::verb::post)
        req.prepare_payload();

    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    d.run([&](auto done) { http::async_write(*d.stream_, req, [done](auto e, auto) { done(e); }); }, ec);
    if (!ec)
        d.run([&](auto done) {
            http::async_read(*d.stream_, d.buffer_, parser, [done](auto e, auto) { done(e); });
        }, ec);
    if (ec) {
        d.close();
        return ec;
    }
    auto& msg = parser.get();
    out.status = int(msg.result_int());
    out.headers.clear();
    for (auto& f : msg)
        out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(msg.body());
    if (!msg.keep_alive())
        d.close();
    return {};
}

bool HttpsTestClient::connected() const { return impl_->stream_.has_value(); }

void HttpsTestClient::close() { impl_->close(); }

}  // namespace xferd::test
