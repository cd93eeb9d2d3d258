// `xferd run --config FILE`: the daemon with the real pipeline, the signals, the metrics
// listener and the notifications, until SIGTERM / SIGINT.
#include "xferd/service/daemon.hpp"

#include "xferd/batch/process_log.hpp"
#include "xferd/service/config_loading.hpp"
#include "xferd/service/monitoring.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace xferd {

int run_daemon(const std::string& config_path)
{
    auto config = load_config(config_path);
    if (!config) {
        std::cerr << "xferd: " << config.error().message << "\n";
        return 2;
    }
    asio::io_context ctx{1};
    auto monitoring = Monitoring::start_for(ctx.get_executor(), *config);
    if (!monitoring) {
        std::cerr << "xferd: " << monitoring.error().message << "\n";
        return 2;
    }
    Monitoring& m = **monitoring;
    Daemon daemon(ctx, config_path, std::move(*config), pipeline_runner_factory(&m.metrics(), &m.notifier()));
    daemon.handle_signals();
    m.stopping_when([&daemon] { return daemon.stopping(); });
    int code = 0;
    auto lifetime = [&]() -> asio::awaitable<void> {
        Result<void> r = co_await daemon.run();
        if (!r) {
            log_error(r.error().message);
            code = 2;
        }
        m.stopping();
        co_await m.finish();
    };
    asio::co_spawn(ctx, lifetime(), [&](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                log_error(std::string("fatal: ") + x.what());
            }
            code = 2;
        }
        ctx.stop();
    });
    // Returns once the daemon has stopped: at the grace's end the batches were cancelled
    // (terminal) and have unwound, so nothing of theirs outlives the objects above.
    ctx.run();
    m.stopping_when(nullptr);   // the daemon goes first
    return code;
}

}  // namespace xferd
