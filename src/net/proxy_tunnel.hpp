// The CONNECT exchange with an HTTP proxy, on a TCP stream already connected to it (private to
// the transport). Bounded: the proxy's answer is read under one deadline, its headers up to a
// size limit, and nothing but the status line and headers is read.
#pragma once

#include "xferd/net/https_transport.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <cstddef>

namespace xferd {

inline constexpr std::size_t max_proxy_header_bytes = 16 * 1024;

// Asks the proxy for a tunnel to where.host:where.port. True when it answered 2xx; else fills
// `attempt` (proxy_failed, or proxy_refused with the proxy's status) and returns false.
boost::asio::awaitable<bool> open_proxy_tunnel(boost::beast::tcp_stream& stream, const HttpsUrl& where,
                                               const ProxyRoute& proxy, std::chrono::milliseconds deadline,
                                               HttpAttempt& attempt);

}  // namespace xferd
