// `xferd once`: the inbox folders (or the given files and folders) now, then exit.
#include "xferd/service/commands.hpp"

#include "xferd/batch/batch_options.hpp"
#include "xferd/batch/operator_approval.hpp"
#include "xferd/batch/pipeline.hpp"
#include "xferd/batch/process_log.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/service/config_loading.hpp"
#include "xferd/service/inbox_scan.hpp"
#include "xferd/store/inbox_lock.hpp"
#include "xferd/store/ledger.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <iostream>

namespace xferd {

namespace fs = std::filesystem;

namespace {

struct Job {
    fs::path file;
    BatchOptions options;
};

}  // namespace

int cmd_once(const std::string& config_path, const std::vector<std::string>& paths)
{
    auto cfg = load_or_report(config_path);
    if (!cfg) return exit_usage;

    std::vector<Job> jobs;
    auto add_folder = [&](const fs::path& folder) {
        // Cheap before any hashing: an input whose results are newer than it was dealt with.
        for (auto& f : list_batches(folder))
            if (!already_handled(f)) jobs.push_back({f, batch_options_for(*cfg, f.parent_path())});
    };
    if (paths.empty()) {
        for (const auto& inbox : cfg->inboxes) add_folder(inbox.path);
    } else {
        for (const auto& p : paths) {
            std::error_code ec;
            if (fs::is_directory(p, ec)) add_folder(p);
            else if (fs::is_regular_file(p, ec)) jobs.push_back({fs::absolute(p), batch_options_for(*cfg, fs::absolute(p).parent_path())});
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

}  // namespace xferd
