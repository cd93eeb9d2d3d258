#include "xferd/service/monitoring.hpp"

#include "xferd/batch/process_log.hpp"

namespace xferd {

Result<std::unique_ptr<Monitoring>> Monitoring::create(boost::asio::any_io_executor ex, const Config& config)
{
    auto notify = notifier_options(config);
    if (!notify) return notify.error();
    return std::make_unique<Monitoring>(ex, config, std::move(*notify));
}

Result<std::unique_ptr<Monitoring>> Monitoring::start_for(boost::asio::any_io_executor ex, const Config& config)
{
    auto m = create(ex, config);
    if (!m) return m.error();
    if (auto started = (*m)->start(); !started) return make_error("metrics.listen: " + started.error().message);
    return std::move(*m);
}

Monitoring::Monitoring(boost::asio::any_io_executor ex, const Config& config, NotifierOptions notify)
    : ex_(ex), listen_(config.metrics.listen), notify_timeout_(config.notify.timeout), metrics_(xferd_version),
      notifier_(std::make_unique<Notifier>(ex, std::move(notify), &metrics_))
{
}

Result<void> Monitoring::start()
{
    if (!listen_) return {};
    MetricsServerOptions o;
    o.listen = *listen_;
    server_ = std::make_unique<MetricsServer>(
        ex_, o, [this] { return metrics_.render(); },
        [this]() -> std::optional<std::string> {
            if (stopping_ || (stopping_probe_ && stopping_probe_())) return std::string("stopping");
            return std::nullopt;
        });
    auto port = server_->start();
    if (!port) return port.error();
    port_ = *port;
    log_info("metrics: serving /metrics and /healthz on " + to_string(ListenAddress{listen_->host, port_}));
    return {};
}

boost::asio::awaitable<void> Monitoring::finish()
{
    if (notifier_->pending() > 0) co_await notifier_->drain(std::chrono::steady_clock::now() + notify_timeout_);
    notifier_->stop();
    if (server_) server_->stop();
}

}  // namespace xferd
