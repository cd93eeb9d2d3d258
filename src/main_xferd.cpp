// xferd: places MobProc XFER_SERVICE_OUT orders from batch files. See README.md.
#include "xferd/service/daemon.hpp"
#include "xferd/store/inbox_lock.hpp"
#include "xferd/service/inbox_scan.hpp"
#include "xferd/store/ledger.hpp"
#include "xferd/batch/operator_approval.hpp"
#include "xferd/batch/pipeline.hpp"
#include "xferd/batch/process_log.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/batch/row_stream.hpp"
#include "xferd/core/batch_reader.hpp"
#include "xferd/core/config.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/program_options.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace xferd;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_attention = 1;
constexpr int exit_usage = 2;
constexpr int exit_unreachable = 3;
constexpr int exit_inbox_busy = 4;

constexpr const char* usage_text = R"(usage:
  xferd once  --config FILE [PATH...]   process the inbox folders (or the given files/folders) now, then exit
  xferd run   --config FILE             the daemon (watch the inbox folders)
  xferd validate [--config FILE] FILE...  offline: parse + validate, print row errors, no network
  xferd check --config FILE             config + token endpoint; print the effective config, secrets redacted
  xferd --version | --help

exit status of once: 0 all rows final, none failed or in doubt; 1 some row failed or is in doubt,
or a file was rejected or held; 2 usage or config error; 3 the API could not be reached or
authentication failed before any row was confirmed; 4 another xferd is working on the inbox
(nothing was done).
)";

struct Job {
    fs::path file;
    BatchOptions options;
};

// The inbox a file lives in decides its column mapping and approval mode.
BatchOptions options_for(const Config& cfg, const fs::path& file)
{
    BatchOptions o{cfg.columns, cfg.approval, cfg.limits, cfg.state_dir, std::nullopt};
    std::error_code ec;
    auto folder = fs::weakly_canonical(file.parent_path(), ec);
    for (const auto& inbox : cfg.inboxes) {
        if (fs::weakly_canonical(inbox.path, ec) != folder) continue;
        for (const auto& [k, v] : inbox.columns) o.columns[k] = v;
        if (inbox.approval_mode) o.approval.mode = *inbox.approval_mode;
    }
    return o;
}

Result<Config> load_or_report(const std::string& path)
{
    auto cfg = load_config(path);
    if (!cfg) std::cerr << "xferd: " << cfg.error().message << "\n";
    return cfg;
}

int cmd_once(const std::string& config_path, const std::vector<std::string>& paths)
{
    auto cfg = load_or_report(config_path);
    if (!cfg) return exit_usage;

    std::vector<Job> jobs;
    auto add_folder = [&](const fs::path& folder) {
        // Cheap before any hashing: an input whose results are newer than it was dealt with.
        for (auto& f : list_batches(folder))
            if (!already_handled(f)) jobs.push_back({f, options_for(*cfg, f)});
    };
    if (paths.empty()) {
        for (const auto& inbox : cfg->inboxes) add_folder(inbox.path);
    } else {
        for (const auto& p : paths) {
            std::error_code ec;
            if (fs::is_directory(p, ec)) add_folder(p);
            else if (fs::is_regular_file(p, ec)) jobs.push_back({fs::absolute(p), options_for(*cfg, fs::absolute(p))});
            else {
                std::cerr << "xferd: " << p << ": no such file or folder\n";
                return exit_usage;
            }
        }
    }
    // `once` (a timer) and `run` (the daemon) never work on the same inbox at the same time.
    std::vector<fs::path> folders;
    if (paths.empty())
        for (const auto& inbox : cfg->inboxes) folders.push_back(inbox.path);
    for (const auto& j : jobs) folders.push_back(j.file.parent_path());
    auto locks = lock_inboxes_now(cfg->state_dir, folders);
    if (!locks) {
        std::cerr << "xferd: " << locks.error().message << "; nothing was done, try again later\n";
        return exit_inbox_busy;
    }
    if (jobs.empty()) {
        log_info("nothing to do: no batch files found");
        return exit_ok;
    }

    auto tls = make_client_tls_context(cfg->api.ca_file);
    if (!tls) {
        std::cerr << "xferd: " << tls.error().message << "\n";
        return exit_usage;
    }
    auto ledger = Ledger::open(cfg->state_dir);
    if (!ledger) {
        std::cerr << "xferd: " << ledger.error().message << "\n";
        return exit_usage;
    }
    asio::io_context ctx{1};
    auto log = [](std::string_view level, std::string_view message) {
        log_line(log_level_named(level), message);
    };
    MobprocClient client(ctx.get_executor(), cfg->api, *tls, log);
    AsyncSemaphore budget(ctx.get_executor(), cfg->api.concurrency);
    BatchContext batch_context{client, budget, *ledger};

    // SIGTERM / SIGINT: start no new rows, let requests in flight finish within the grace
    // period (each step is journaled, so whatever is cut short resumes at the next run).
    asio::signal_set signals(ctx, SIGINT, SIGTERM);
    asio::steady_timer grace(ctx);
    bool stopped_by_signal = false;
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        stopped_by_signal = true;
        log_warn(std::string(signo == SIGTERM ? "SIGTERM" : "SIGINT") +
                 ": stopping; no new rows are started, requests in flight get " +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(cfg->watch.shutdown_grace).count()) +
                 " s to finish");
        client.request_stop();
        grace.expires_after(cfg->watch.shutdown_grace);
        grace.async_wait([&](const boost::system::error_code& gec) {
            if (!gec) {
                log_warn("grace period over: exiting; rows still in flight are looked up at the next run");
                ctx.stop();
            }
        });
    });

    std::vector<BatchOutcome> outcomes;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            for (auto& job : jobs) {
                if (client.stopping()) break;
                auto outcome = co_await process_batch(batch_context, job.file, job.options);
                if (outcome.waiting_for_approval) {
                    // Manual mode from a timer: an approval the operator left since the last run.
                    auto approval = find_operator_approval(job.file, outcome.sha256, job.options.approval.max_age);
                    if (approval.kind == OperatorApproval::Kind::refused) {
                        std::string text = approval.file.filename().string() + ": " + approval.message;
                        BatchLog(output_paths_for(job.file).log, true).error(text);
                        auto w = write_report_atomically(output_paths_for(job.file).error_txt, text + "\n");
                        if (!w) log_error(w.error().message);
                        outcome.message = text;
                    } else if (approval.kind == OperatorApproval::Kind::accepted) {
                        log_info(job.file.filename().string() + ": " + approval.file.filename().string() +
                                 " accepted: " + approval.message);
                        job.options.operator_approved = approval.external_order_numbers;
                        outcome = co_await process_batch(batch_context, job.file, job.options);
                    }
                }
                if (outcome.already_processed) {
                    log_info(outcome.summary());
                    continue;
                }
                std::cout << outcome.summary() << std::endl;
                outcomes.push_back(std::move(outcome));
            }
            signals.cancel();
            grace.cancel();
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    ctx.run();
    if (stopped_by_signal) return exit_ok;

    bool attention = false, any_confirmed = false, unreachable = false;
    for (const auto& o : outcomes) {
        attention |= o.needs_attention();
        unreachable |= o.api_unreachable;
        any_confirmed |= !o.api_unreachable && o.counts.rows > 0;
    }
    if (unreachable && !any_confirmed) return exit_unreachable;
    return attention ? exit_attention : exit_ok;
}

int cmd_validate(const std::string& config_path, const std::vector<std::string>& files)
{
    if (files.empty()) {
        std::cerr << "xferd validate: name at least one file\n";
        return exit_usage;
    }
    ColumnMapping columns;
    LimitsConfig limits;
    std::optional<Config> cfg;
    if (!config_path.empty()) {
        auto loaded = load_or_report(config_path);
        if (!loaded) return exit_usage;
        cfg = *loaded;
        limits = cfg->limits;
    }
    bool all_ok = true;
    for (const auto& f : files) {
        columns = cfg ? options_for(*cfg, fs::absolute(f)).columns : ColumnMapping{};
        RowStream rows(f, format_for_path(f), columns, limits);
        std::size_t total = 0, invalid = 0;
        while (auto row = rows.next()) {
            ++total;
            if (row->valid()) continue;
            ++invalid;
            std::cout << f << ": row " << row->row.row << ": " << row->error_text() << "\n";
        }
        if (rows.error()) {
            const auto& e = *rows.error();
            std::cout << f << ": FILE ERROR" << (e.line ? " at line " + std::to_string(*e.line) : "")
                      << (e.byte_offset ? " (byte " + std::to_string(*e.byte_offset) + ")" : "") << ": " << e.message
                      << "\n";
            all_ok = false;
            continue;
        }
        std::cout << f << ": " << total << " rows, " << (total - invalid) << " valid, " << invalid << " invalid\n";
        all_ok &= invalid == 0;
    }
    return all_ok ? exit_ok : exit_attention;
}

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

}  // namespace

int main(int argc, char** argv)
{
    std::string command, config_path;
    std::vector<std::string> paths;
    po::options_description opts("options");
    opts.add_options()("help,h", "show this help")("version", "print the version")(
        "config,c", po::value(&config_path), "configuration file (YAML)")(
        "command", po::value(&command), "once | run | validate | check")(
        "paths", po::value(&paths)->multitoken(), "files or folders");
    po::positional_options_description pos;
    pos.add("command", 1).add("paths", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "xferd: " << e.what() << "\n" << usage_text;
        return exit_usage;
    }
    if (vm.count("help")) {
        std::cout << usage_text;
        return exit_ok;
    }
    if (vm.count("version")) {
        std::cout << "xferd 0.1.0\n";
        return exit_ok;
    }
    try {
        if (command == "validate") return cmd_validate(config_path, paths);
        if (command == "once" || command == "check" || command == "run") {
            if (config_path.empty()) {
                std::cerr << "xferd " << command << ": --config FILE is required\n";
                return exit_usage;
            }
            if (command == "once") return cmd_once(config_path, paths);
            if (command == "check") return cmd_check(config_path);
            return run_daemon(config_path);
        }
    } catch (const std::exception& e) {
        log_error(std::string("fatal: ") + e.what());
        return exit_usage;
    }
    std::cerr << (command.empty() ? "xferd: no command given\n" : "xferd: unknown command '" + command + "'\n")
              << usage_text;
    return exit_usage;
}
