// Delivers notification events (core/notify_event.hpp) to notify.command and/or
// notify.webhook, asynchronously on the io_context: notify() only queues and returns, so a
// failing or hanging hook never blocks or fails a batch. Each channel delivers one event at
// a time, in order; a failed attempt is logged and retried with backoff, up to max_attempts.
// Bounded: queue_capacity events per channel (a new event for a full queue is dropped, logged
// with its kind and batch, and counted), each attempt within `timeout`, outputs and answers
// capped. Secrets are never logged: the webhook only as scheme://host:port, the command's
// environment without XFERD_* or CREDENTIALS_DIRECTORY.
#pragma once

#include "xferd/batch/process_log.hpp"
#include "xferd/core/config.hpp"
#include "xferd/core/notify_event.hpp"
#include "xferd/core/xferd_metrics.hpp"
#include "xferd/net/https_transport.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace xferd {

struct NotifierOptions {
    std::optional<std::filesystem::path> command;
    std::optional<std::string> webhook;                  // https:// URL
    std::shared_ptr<boost::asio::ssl::context> tls;      // for the webhook; verifies the peer
    std::optional<ProxyRoute> proxy;                     // the webhook through api.proxy / HTTPS_PROXY
    std::chrono::milliseconds timeout{10'000};           // one attempt (connect, TLS and answer each)
    unsigned max_attempts = 4;
    std::chrono::milliseconds retry_base_delay{2'000};   // doubling, with jitter, up to the max
    std::chrono::milliseconds retry_max_delay{60'000};
    std::size_t queue_capacity = 64;                     // events waiting, per channel
    std::size_t max_output_bytes = 4096;                 // of the command's stdout / stderr, each, logged
    std::string user_agent = "xferd";
};

// From the config: notify.command, notify.webhook, notify.timeout, and the webhook's TLS
// context (notify.ca_file, else api.ca_file, else the system store). Error: the CA file
// cannot be loaded, or the webhook URL is unusable.
Result<NotifierOptions> notifier_options(const Config& config);

using NotifyLog = std::function<void(LogLevel, std::string_view)>;

class Notifier {
public:
    Notifier(boost::asio::any_io_executor ex, NotifierOptions options, XferdMetrics* metrics = nullptr,
             NotifyLog log = log_line);
    ~Notifier();  // stop()
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    // Queues the event for every configured channel and returns at once. Call on the
    // io_context's thread. Does nothing when no channel is configured.
    void notify(NotifyEvent event);

    // Waits until everything queued has been delivered or given up, or until `deadline`
    // (then what is left is logged as not delivered). For `once`, before it exits.
    boost::asio::awaitable<void> drain(std::chrono::steady_clock::time_point deadline);

    // Stops retrying and kills a running command; queued events are dropped (logged).
    void stop();

    [[nodiscard]] bool enabled() const;
    // Events queued or being delivered, over all channels.
    [[nodiscard]] std::size_t pending() const;

    struct State;  // shared with the coroutines still running (defined in the .cpp)

private:
    std::shared_ptr<State> state_;
};

}  // namespace xferd
