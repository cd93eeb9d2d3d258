// One batch file through xferd's batch layer in-process, as `xferd once` takes it: intake
// (the store decides), then the batch driver, against a simulator on 127.0.0.1.
#pragma once

#include "sim_api_config.hpp"
#include "sim_fixture.hpp"

#include "xferd/batch/batch_run.hpp"
#include "xferd/batch/intake.hpp"
#include "xferd/batch/operator_approval.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <functional>
#include <memory>

namespace xferd::test {

class BatchHarness {
public:
    BatchHarness(SimFixture& sim, std::filesystem::path state_dir) : state_dir_(std::move(state_dir))
    {
        api = sim_api_config(sim);
        api.concurrency = 8;
        api.retry_base_delay = std::chrono::milliseconds(20);
        options.state_dir = state_dir_;
        options.settle = std::chrono::milliseconds(0);   // the tests' files are complete when written
        auto r = open_sqlite_store(state_dir_);
        BOOST_TEST_REQUIRE(r.has_value(), (r ? "" : r.error().message));
        reader_ = std::move(*r);
        auto w = open_sqlite_store(state_dir_);
        BOOST_TEST_REQUIRE(w.has_value());
        writer_ = std::make_unique<StoreWriter>(std::move(*w));
    }

    ApiConfig api;
    BatchOptions options;
    std::size_t connections_opened = 0;
    // Runs before the batch, e.g. timers that change faults; what it returns is dropped before
    // the io_context goes (timers must not outlive it).
    std::function<std::shared_ptr<void>(MobprocClient&, asio::io_context&)> on_start;
    std::function<void(std::string_view, std::string_view)> client_log = [](std::string_view, std::string_view) {};

    // Takes `input` and runs its batch if intake says so (like one file of `xferd once`).
    BatchOutcome take(const std::filesystem::path& input)
    {
        return with_services([&](BatchServices& s) -> asio::awaitable<BatchOutcome> {
            Intake in = co_await take_file(s, input, options);
            if (in.kind != Intake::Kind::run) co_return outcome_of(in, input);
            co_return co_await run_batch(s, in.batch, options);
        });
    }

    // The operator's approval for a waiting batch, then the batch goes on.
    BatchOutcome approve(BatchId id)
    {
        return with_services([&](BatchServices& s) -> asio::awaitable<BatchOutcome> {
            auto a = co_await act_on_operator_approval(s, id, options.approval);
            auto o = co_await run_batch(s, id, options);
            if (a.kind == ApprovalOutcome::Kind::refused) o.message = a.message;
            co_return o;
        });
    }

    BatchOutcome resume(BatchId id)
    {
        return with_services([&](BatchServices& s) { return run_batch(s, id, options); });
    }

    StateStore& store() { return *reader_; }
    std::optional<BatchInfo> batch_for(const std::string& sha256)
    {
        auto b = reader_->batch_by_sha256(sha256);
        return b ? *b : std::nullopt;
    }

private:
    template <class F>
    BatchOutcome with_services(F f)
    {
        asio::io_context ctx{1};
        auto tls = make_client_tls_context(api.ca_file);
        BOOST_TEST_REQUIRE(tls.has_value());
        MobprocClient client(ctx.get_executor(), api, *tls, client_log);
        AsyncSemaphore budget(ctx.get_executor(), api.concurrency);
        asio::thread_pool workers(1);
        BatchServices services{client, budget, *writer_, *reader_, workers, state_dir_, {}};
        std::shared_ptr<void> keep;
        if (on_start) keep = on_start(client, ctx);
        BatchOutcome result;
        std::exception_ptr failure;
        asio::co_spawn(ctx, f(services), [&](std::exception_ptr e, BatchOutcome o) {
            failure = e;
            result = std::move(o);
        });
        ctx.run();
        keep.reset();
        connections_opened = client.connections_opened();
        if (failure) std::rethrow_exception(failure);
        return result;
    }

    std::filesystem::path state_dir_;
    std::unique_ptr<StateStore> reader_;
    std::unique_ptr<StoreWriter> writer_;
};

}  // namespace xferd::test
