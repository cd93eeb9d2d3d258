// `xferd check`: the config, the token endpoint, one harmless authenticated API call (GET /me with
// the tenant and client id headers), the inboxes and state_dir; the effective config with secrets
// redacted. Each problem names the setting to fix.
#include "xferd/service/commands.hpp"

#include "xferd/batch/process_log.hpp"
#include "xferd/batch/row_outcome.hpp"
#include "xferd/net/mobproc_client.hpp"
#include "xferd/service/config_loading.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <unistd.h>

#include <iostream>

namespace xferd {

namespace {

// "" when `dir` is a folder xferd can write in; else what is wrong with it.
std::string folder_problem(const std::filesystem::path& dir, bool may_be_created)
{
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
        if (!may_be_created) return "does not exist";
        auto parent = dir.parent_path().empty() ? std::filesystem::path(".") : dir.parent_path();
        if (::access(parent.c_str(), W_OK | X_OK) != 0)
            return "does not exist and cannot be created (" + parent.string() + " is not writable)";
        return "";
    }
    if (!std::filesystem::is_directory(dir, ec)) return "is not a folder";
    if (::access(dir.c_str(), W_OK | X_OK) != 0) return "is not writable by this user";
    return "";
}

int check_folders(const Config& cfg)
{
    int status = exit_ok;
    for (std::size_t i = 0; i < cfg.inboxes.size(); ++i) {
        if (auto p = folder_problem(cfg.inboxes[i].path, false); !p.empty()) {
            std::cerr << "xferd: inbox[" << i << "].path " << cfg.inboxes[i].path.string() << " " << p << "\n";
            status = exit_usage;
        }
    }
    if (auto p = folder_problem(cfg.state_dir, true); !p.empty()) {
        std::cerr << "xferd: state_dir " << cfg.state_dir.string() << " " << p << "\n";
        status = exit_usage;
    }
    if (status == exit_ok) std::cout << "# inboxes and state_dir: OK (writable)\n";
    return status;
}

struct ApiCheck {
    Result<void> auth = make_error("not tried");
    ApiResponse me;
};

int check_api(const Config& cfg, const std::shared_ptr<asio::ssl::context>& tls)
{
    asio::io_context ctx{1};
    MobprocClient client(ctx.get_executor(), cfg.api, tls, [](std::string_view, std::string_view m) { log_warn(m); });
    ApiCheck result;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            result.auth = co_await client.authenticate();
            std::string me = "/me";  // named: no std::string temporary in a co_await (GCC 12)
            if (result.auth) result.me = co_await client.get(std::move(me));
        },
        [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                log_error(std::string("internal error while checking the API: ") + x.what());
            }
        });
    ctx.run();
    if (!result.auth) {
        ApiResponse refused;
        refused.authentication_failed = true;
        refused.last_outcome = client.last_token_outcome().kind;  // a proxy's refusal names the proxy
        refused.status = client.last_token_outcome().http_status;
        refused.message = result.auth.error().message;
        std::cerr << "xferd: " << batch_problem_text(refused, failure_of(refused)) << "\n";
        return exit_unreachable;
    }
    std::cout << "# token endpoint: OK (authenticated as " << cfg.api.username << ")\n";
    if (!result.me.ok()) {
        auto failure = failure_of(result.me);
        std::cerr << "xferd: the API call GET /me failed: " << batch_problem_text(result.me, failure) << "\n";
        return exit_unreachable;
    }
    std::cout << "# API: OK (GET /me answered for tenant " << cfg.api.tenant << ")\n";
    return exit_ok;
}

}  // namespace

int cmd_check(const std::string& config_path)
{
    auto cfg = load_or_report(config_path);
    if (!cfg) return exit_usage;
    std::cout << describe_config(*cfg);
    auto tls = make_client_tls_context(cfg->api.ca_file);
    if (!tls) {
        std::cerr << "xferd: " << tls.error().message << " (api.ca_file)\n";
        return exit_usage;
    }
    const int folders = check_folders(*cfg);
    const int api = check_api(*cfg, *tls);
    return api != exit_ok ? api : folders;
}

}  // namespace xferd
