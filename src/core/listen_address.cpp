#include "xferd/core/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace xferd {

std::optional<ListenAddress> parse_listen_address(std::string_view text)
{
    std::string_view host, port;
    bool v6 = !text.empty() && text.front() == '[';
    if (v6) {
        auto close = text.find("]:");
        if (close == std::string_view::npos) return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    std::string h(host);
    unsigned char buf[16];
    if (h.empty() || ::inet_pton(v6 ? AF_INET6 : AF_INET, h.c_str(), buf) != 1) return std::nullopt;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) return std::nullopt;
    return ListenAddress{std::move(h), static_cast<std::uint16_t>(value)};
}

std::string to_string(const ListenAddress& address)
{
    bool v6 = address.host.find(':') != std::string::npos;
    return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

bool ListenAddress::is_loopback() const
{
    return host == "::1" || host.starts_with("127.");
}

}  // namespace xferd
