// A listening address as the config spells it: "127.0.0.1:9469" or "[::1]:9469". Only IP
// literals: a listener must not depend on name resolution at start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xferd {

struct ListenAddress {
    std::string host;        // "127.0.0.1", "::1" (without brackets)
    std::uint16_t port = 0;  // 0: any free port (tests)
    [[nodiscard]] bool is_loopback() const;
};

// nullopt when malformed, not an IP literal, or the port is not 0..65535.
std::optional<ListenAddress> parse_listen_address(std::string_view text);
// "127.0.0.1:9469", "[::1]:9469"
std::string to_string(const ListenAddress& address);

}  // namespace xferd
