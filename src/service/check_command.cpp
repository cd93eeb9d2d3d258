// `xferd check`: the config, the token endpoint; the effective config with secrets redacted.
#include "xferd/service/commands.hpp"

#include "xferd/batch/process_log.hpp"
#include "xferd/net/mobproc_client.hpp"
#include "xferd/service/config_loading.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace xferd {

int cmd_check(const std::string& config_path)
{
    auto cfg = load_or_report(config_path);
    if (!cfg) return exit_usage;
    std::cout << describe_config(*cfg);
    auto tls = make_client_tls_context(cfg->api.ca_file);
    if (!tls) {
        std::cerr << "xferd: " << tls.error().message << "\n";
        return exit_usage;
    }
    asio::io_context ctx{1};
    MobprocClient client(ctx.get_executor(), cfg->api, *tls, [](std::string_view, std::string_view m) { log_warn(m); });
    Result<void> auth = make_error("not tried");
    asio::co_spawn(ctx, [&]() -> asio::awaitable<void> { auth = co_await client.authenticate(); }, asio::detached);
    ctx.run();
    if (!auth) {
        std::cerr << "xferd: " << auth.error().message << "\n";
        return exit_unreachable;
    }
    std::cout << "# token endpoint: OK (authenticated as " << cfg->api.username << ")\n";
    return exit_ok;
}

}  // namespace xferd
