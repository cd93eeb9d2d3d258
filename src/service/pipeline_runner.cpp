// The daemon's real BatchRunner: intake and the batch driver over one MobprocClient and one
// request budget per configuration, one state store for the process; every batch end and
// refused approval goes to the metrics and the notifications (batch_events.hpp).
#include "xferd/service/daemon.hpp"
#include "xferd/service/files_not_taken.hpp"

#include "xferd/batch/intake.hpp"
#include "xferd/batch/operator_approval.hpp"
#include "xferd/batch/process_log.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/core/printable.hpp"
#include "xferd/service/batch_events.hpp"

#include <algorithm>

namespace xferd {

namespace fs = std::filesystem;

namespace {

// The store, the writer and the worker thread: one for the process, whatever the reloads
// (state_dir does not change on reload).
struct SharedStore {
    std::unique_ptr<StateStore> reader;
    std::unique_ptr<StoreWriter> writer;
    std::unique_ptr<asio::thread_pool> workers;
    fs::path state_dir;
};

class PipelineRunner final : public BatchRunner {
public:
    PipelineRunner(asio::any_io_executor ex, const Config& config, std::shared_ptr<asio::ssl::context> tls,
                   std::shared_ptr<SharedStore> store, std::shared_ptr<BatchReporter> reporter)
        : tls_(std::move(tls)),
          client_(ex, config.api, tls_,
                  [](std::string_view level, std::string_view message) {
                      log_line(log_level_named(level), message);
                  }),
          budget_(ex, std::max(1u, config.api.concurrency)),
          store_(std::move(store)),
          reporter_(std::move(reporter)),
          services_{client_, budget_, *store_->writer, *store_->reader, *store_->workers, store_->state_dir, {}}
    {
        client_.set_metrics(reporter_->metrics());   // API requests, retries and tokens on /metrics
    }

    asio::awaitable<BatchOutcome> process(fs::path input, BatchOptions options) override
    {
        Intake in = co_await take_file(services_, input, options);
        if (in.kind != Intake::Kind::run) co_return reported(outcome_of(in, input), options);
        log_info(printable(input.string()) + ": processing (approval mode " + to_string(options.approval.mode) + ")");
        BatchOutcome o = co_await run_batch(services_, in.batch, options);
        co_return reported(std::move(o), options);
    }

    asio::awaitable<BatchOutcome> resume(BatchId batch, BatchOptions options) override
    {
        BatchOutcome o = co_await run_batch(services_, batch, options);
        co_return reported(std::move(o), options);
    }

    asio::awaitable<BatchOutcome> approve(BatchId batch, BatchOptions options) override
    {
        auto a = co_await act_on_operator_approval(services_, batch, options.approval);
        BatchOutcome o = co_await run_batch(services_, batch, options);
        if (a.kind == ApprovalOutcome::Kind::refused) {
            o.message = a.file.filename().string() + ": " + a.message;
            reporter_->approval_refused(o.input, o.sha256, a.file, a.message);
        }
        if (a.kind != ApprovalOutcome::Kind::accepted) {
            reporter_->still_waiting(o, options);   // said when it started to wait
            co_return o;
        }
        co_return reported(std::move(o), options);
    }

    std::vector<StoredBatch> batches(const std::vector<fs::path>& folders) override
    {
        std::vector<StoredBatch> out;
        auto all = store_->reader->list_batches(false, 1'000'000);
        if (!all) {
            log_error(all.error().message);
            return out;
        }
        for (const auto& b : *all) {
            if (!is_unfinished(b.stage) && b.stage != BatchStage::awaiting_approval) continue;
            const fs::path path = b.path;
            if (std::find(folders.begin(), folders.end(), path.parent_path()) == folders.end()) continue;
            out.push_back({b.id, path, b.stage == BatchStage::awaiting_approval});
        }
        return out;
    }

    bool outputs_missing(const fs::path& input) override
    {
        // The store is asked only when a file is missing, so a rescan stays a folder listing.
        const OutputPaths out = output_paths_for(input);
        std::error_code ec;
        if (fs::exists(out.results_csv, ec) && fs::exists(out.confirmation_html, ec)) return false;
        auto src = store_->reader->latest_source(input.string());
        if (!src || !*src) return false;
        auto batch = store_->reader->batch((*src)->batch);
        return batch && *batch && (*batch)->path == input.string() && xferd::outputs_missing(**batch);
    }

    asio::awaitable<void> notice_files_not_taken(fs::path folder) override
    {
        co_await xferd::notice_files_not_taken(services_, std::move(folder));
    }

private:
    BatchOutcome reported(BatchOutcome o, const BatchOptions& options)
    {
        reporter_->batch_end(o, options);
        return o;
    }

    std::shared_ptr<asio::ssl::context> tls_;
    MobprocClient client_;
    AsyncSemaphore budget_;
    std::shared_ptr<SharedStore> store_;
    std::shared_ptr<BatchReporter> reporter_;
    BatchServices services_;
};

}  // namespace

RunnerFactory pipeline_runner_factory(XferdMetrics* metrics, Notifier* notifier)
{
    auto shared = std::make_shared<std::shared_ptr<SharedStore>>();
    auto reporter = std::make_shared<BatchReporter>(metrics, notifier);
    return [shared, reporter, metrics](const Config& config,
                                       asio::any_io_executor ex) -> Result<std::shared_ptr<BatchRunner>> {
        auto tls = make_client_tls_context(config.api.ca_file);
        if (!tls) return tls.error();
        if (!*shared) {
            auto reader = open_sqlite_store(config.state_dir);
            if (!reader) return reader.error();
            auto writer = open_sqlite_store(config.state_dir);
            if (!writer) return writer.error();
            StoreWriterOptions writer_options;
            if (metrics)
                writer_options.on_commit = [metrics](std::chrono::duration<double> took) { metrics->store_commit(took); };
            auto s = std::make_shared<SharedStore>();
            s->reader = std::move(*reader);
            s->writer = std::make_unique<StoreWriter>(std::move(*writer), std::move(writer_options));
            s->workers = std::make_unique<asio::thread_pool>(1);
            s->state_dir = config.state_dir;
            *shared = std::move(s);
        }
        return std::shared_ptr<BatchRunner>(std::make_shared<PipelineRunner>(ex, config, *tls, *shared, reporter));
    };
}

}  // namespace xferd
