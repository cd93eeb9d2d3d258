// The HTTPS server: accepts TLS connections on one io_context and runs each request through
// handle(); carries out injected faults (latency, resets, stalls).
#pragma once

#include "xferd/sim/options.hpp"
#include "xferd/sim/state.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace xferd::sim {

class Simulator {
public:
    // Loads fixtures, prepares TLS material and opens the audit file; throws on failure.
    Simulator(boost::asio::io_context& ioc, Options options);
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    // Binds and starts accepting; returns the bound port. Throws on bind failure.
    std::uint16_t start();
    // Closes the listener and every connection; ioc.run() then returns. Call on the io_context's
    // thread (or post it there).
    void stop();

    std::uint16_t port() const;
    // "https://HOST:PORT" ([::1] for IPv6).
    std::string origin() const;
    const std::filesystem::path& ca_file() const;
    // Only from the io_context's thread.
    State& state();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xferd::sim
