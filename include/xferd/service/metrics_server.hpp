// GET /metrics (Prometheus text format) and GET /healthz over plain HTTP, on the daemon's
// io_context. Bounded in every direction: a cap on simultaneous connections (more are closed
// at once), a header size limit, one read deadline per request (a slow or silent client is
// dropped), a cap on requests per keep-alive connection. Anything but GET gets 405, any other
// path 404. Meant for a loopback address (see docs/monitoring.md); it serves no secrets.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/listen_address.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace xferd {

struct MetricsServerOptions {
    ListenAddress listen;                              // port 0: any free port (tests)
    std::size_t max_connections = 16;
    std::size_t max_header_bytes = 8 * 1024;
    std::chrono::milliseconds read_timeout{10'000};    // a whole request must arrive within this
    std::chrono::milliseconds write_timeout{10'000};
    unsigned max_requests_per_connection = 1'000;
};

// The exposition text (e.g. XferdMetrics::render), called once per scrape.
using MetricsRender = std::function<std::string()>;
// nullopt while healthy; else why not ("stopping", "store not writable: …"): /healthz says 503.
using HealthCheck = std::function<std::optional<std::string>()>;

class MetricsServer {
public:
    MetricsServer(boost::asio::any_io_executor ex, MetricsServerOptions options, MetricsRender render,
                  HealthCheck health);
    ~MetricsServer();  // stop()
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Binds and starts accepting; the port bound, or why it could not (address in use, …).
    Result<std::uint16_t> start();
    // Closes the listening socket and every open connection; call on the io_context's thread.
    // Idempotent. The coroutines still pending end on their own as their sockets close.
    void stop();

    [[nodiscard]] std::size_t open_connections() const;

    struct State;  // shared with the coroutines still running (defined in the .cpp)

private:
    std::shared_ptr<State> state_;
};

}  // namespace xferd
