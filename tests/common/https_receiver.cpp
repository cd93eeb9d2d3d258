#include "https_receiver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <deque>
#include <mutex>
#include <thread>

namespace xferd::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpsReceiver::Impl {
    asio::io_context ioc{1};
    asio::ssl::context tls{asio::ssl::context::tls_server};
    tcp::acceptor acceptor{ioc};
    std::thread thread;
    mutable std::mutex mutex;
    std::deque<int> statuses;
    bool hang = false;
    std::vector<ReceivedRequest> received;

    asio::awaitable<void> serve(tcp::socket socket)
    {
        asio::ssl::stream<beast::tcp_stream> stream(std::move(socket), tls);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
        auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
        if (hec) co_return;
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
            auto [rec, n] = co_await http::async_read(stream, buffer, req, asio::as_tuple(asio::use_awaitable));
            if (rec) co_return;
            int status = 200;
            bool hanging = false;
            {
                std::lock_guard lock(mutex);
                received.push_back({std::string(req.method_string()), std::string(req.target()),
                                    std::string(req[http::field::content_type]), req.body()});
                hanging = hang;
                if (!statuses.empty()) {
                    status = statuses.front();
                    statuses.pop_front();
                }
            }
            if (hanging) {
                // Never answer: wait until the client gives up and closes.
                beast::get_lowest_layer(stream).expires_never();
                char b[64];
                co_await stream.async_read_some(asio::buffer(b), asio::as_tuple(asio::use_awaitable));
                co_return;
            }
            http::response<http::string_body> res{static_cast<http::status>(status), 11};
            res.body() = std::string(status == 200 ? "ok" : "scripted failure");
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            auto [wec, w] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            if (wec || !req.keep_alive()) co_return;
        }
    }

    asio::awaitable<void> accept_loop()
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            asio::co_spawn(ioc, serve(std::move(socket)), asio::detached);
        }
    }
};

HttpsReceiver::HttpsReceiver(const std::filesystem::path& cert, const std::filesystem::path& key)
    : impl_(std::make_unique<Impl>())
{
    impl_->tls.use_certificate_chain_file(cert.string());
    impl_->tls.use_private_key_file(key.string(), asio::ssl::context::pem);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen();
    asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

HttpsReceiver::~HttpsReceiver()
{
    impl_->ioc.stop();
    impl_->thread.join();
}

std::uint16_t HttpsReceiver::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpsReceiver::answer(std::vector<int> statuses)
{
    std::lock_guard lock(impl_->mutex);
    impl_->statuses.assign(statuses.begin(), statuses.end());
}

void HttpsReceiver::hang(bool on)
{
    std::lock_guard lock(impl_->mutex);
    impl_->hang = on;
}

std::vector<ReceivedRequest> HttpsReceiver::received() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->received;
}

}  // namespace xferd::test
