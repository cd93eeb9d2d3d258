// What `once` and `run` both set up for the people watching them: the metrics registry, the
// /metrics + /healthz listener (metrics.listen) and the notifier (notify.command /
// notify.webhook). One object per process, on its io_context.
#pragma once

#include "xferd/core/config.hpp"
#include "xferd/core/xferd_metrics.hpp"
#include "xferd/service/metrics_server.hpp"
#include "xferd/service/notifier.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>

namespace xferd {

inline constexpr std::string_view xferd_version = "0.1.0";

class Monitoring {
public:
    // Error: the notifier's configuration cannot be used (CA file, webhook URL).
    static Result<std::unique_ptr<Monitoring>> create(boost::asio::any_io_executor ex, const Config& config);

    // Starts listening on metrics.listen (nothing when it is not set). Error: cannot bind.
    Result<void> start();
    // create() then start(); the error says which key is at fault.
    static Result<std::unique_ptr<Monitoring>> start_for(boost::asio::any_io_executor ex, const Config& config);
    // /healthz answers 503 "stopping" from now on, or as soon as `probe` says so.
    void stopping() { stopping_ = true; }
    void stopping_when(std::function<bool()> probe) { stopping_probe_ = std::move(probe); }
    // Waits, at most notify.timeout, for the notifications still queued; then closes the listener.
    boost::asio::awaitable<void> finish();

    [[nodiscard]] XferdMetrics& metrics() { return metrics_; }
    [[nodiscard]] Notifier& notifier() { return *notifier_; }
    [[nodiscard]] std::uint16_t metrics_port() const { return port_; }

    Monitoring(boost::asio::any_io_executor ex, const Config& config, NotifierOptions notify);

private:
    boost::asio::any_io_executor ex_;
    std::optional<ListenAddress> listen_;
    std::chrono::milliseconds notify_timeout_;
    XferdMetrics metrics_;
    std::unique_ptr<Notifier> notifier_;
    std::unique_ptr<MetricsServer> server_;
    std::uint16_t port_ = 0;
    bool stopping_ = false;
    std::function<bool()> stopping_probe_;
};

}  // namespace xferd
