// Stopping a batch, in-process: the batches of a process share one MobprocClient and one request
// budget, and a stop is the batch's own (its TaskGroup), so stopping one leaves the other
// running to its end. A stop ends a long wait of the batch at once. Afterwards every row is in
// the simulator's audit exactly once.
#include "sim_api_config.hpp"
#include "sim_fixture.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include "xferd/batch/batch_run.hpp"
#include "xferd/batch/intake.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/net/task_group.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <set>

using namespace xferd;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Services from the simulator's generate_services (ids 90000001…, numbers as it makes them).
std::string generated_number(int i)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03d555%04d", 200 + (i / 10000) % 800, i % 10000);
    return buf;
}

// Rows for services [from, to): their external order numbers.
std::set<std::string> write_batch(const fs::path& file, int from, int to)
{
    std::set<std::string> numbers;
    std::ofstream out(file, std::ios::binary);
    out << "external_order_number,service_id,service_number,contact_number,personal_email\r\n";
    for (int i = from; i < to; ++i) {
        const std::string eon = "STOP-" + std::to_string(100000 + i);
        out << eon << "," << 90000001 + i << "," << generated_number(i) << ",4155550100,leaver" << i
            << "@mail.example\r\n";
        numbers.insert(eon);
    }
    return numbers;
}

sim::Options sim_with(int services, std::chrono::milliseconds latency)
{
    sim::Options o;
    o.generate_services = services;
    o.faults.latency = latency;
    return o;
}

// One process's worth of batch services: one client and one budget for every batch.
class Process {
public:
    Process(test::SimFixture& sim, const fs::path& state_dir, std::chrono::milliseconds reconcile_delay)
        : api_(api_for(sim, reconcile_delay)),
          tls_(*make_client_tls_context(api_.ca_file)),
          client_(ctx.get_executor(), api_, tls_, [](std::string_view, std::string_view) {}),
          budget_(ctx.get_executor(), api_.concurrency),
          reader_(std::move(*open_sqlite_store(state_dir))),
          writer_(std::move(*open_sqlite_store(state_dir))),
          services_{client_, budget_, writer_, *reader_, workers_, state_dir, {}}
    {
        options_.state_dir = state_dir;
        options_.settle = 0ms;
    }

    // Intake, then the batch, as a child of `group`; its outcome lands in `out`.
    void start(TaskGroup& group, const fs::path& input, BatchOutcome& out)
    {
        group.spawn(
            [this, input, &out]() -> asio::awaitable<void> {
                Intake in = co_await take_file(services_, input, options_);
                BOOST_TEST_REQUIRE((in.kind == Intake::Kind::run), in.message);
                out = co_await run_batch(services_, in.batch, options_);
            },
            [](std::exception_ptr e) {
                if (e) std::rethrow_exception(e);
            });
    }

    asio::io_context ctx{1};

private:
    static ApiConfig api_for(test::SimFixture& sim, std::chrono::milliseconds reconcile_delay)
    {
        ApiConfig api = test::sim_api_config(sim);
        api.concurrency = 4;
        api.retry_base_delay = 20ms;
        api.reconcile_delay = reconcile_delay;
        return api;
    }

    ApiConfig api_;
    std::shared_ptr<asio::ssl::context> tls_;
    MobprocClient client_;
    AsyncSemaphore budget_;
    asio::thread_pool workers_{1};
    std::unique_ptr<StateStore> reader_;
    StoreWriter writer_;
    BatchOptions options_;
    BatchServices services_;
};

// The batch of `input` in a process of its own, to its end (the next run).
BatchOutcome run_once_more(test::SimFixture& sim, const fs::path& state_dir, const fs::path& input,
                           std::chrono::milliseconds reconcile_delay)
{
    BatchOutcome out;
    Process p(sim, state_dir, reconcile_delay);
    TaskGroup batch(p.ctx.get_executor());
    p.start(batch, input, out);
    p.ctx.run();
    return out;
}

// Every external order number placed once, and nothing else.
void placed_exactly_once(test::SimFixture& sim, const std::set<std::string>& expected)
{
    std::multiset<std::string> placed;
    for (const auto& entry : sim.audit_entries()) placed.insert(std::string(entry.at("externalOrderNumber").as_string()));
    BOOST_TEST(placed.size() == expected.size());
    for (const auto& eon : expected) BOOST_TEST(placed.count(eon) == 1u, eon << " placed " << placed.count(eon) << " times");
}

double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

BOOST_AUTO_TEST_CASE(stopping_one_batch_leaves_the_other_on_the_same_client_running_to_its_end)
{
    test::SimFixture sim(sim_with(40, 100ms));
    test::TempDir dir;
    auto a_rows = write_batch(dir / "a.csv", 0, 20);
    auto b_rows = write_batch(dir / "b.csv", 20, 40);
    BatchOutcome a, b;
    {
        Process p(sim, dir / "state", 200ms);
        TaskGroup batch_a(p.ctx.get_executor()), batch_b(p.ctx.get_executor());
        p.start(batch_a, dir / "a.csv", a);
        p.start(batch_b, dir / "b.csv", b);
        // Both are confirming by then: 80 calls of 100 ms, 4 at a time, take two seconds.
        asio::steady_timer stop_a(p.ctx, 600ms);
        stop_a.async_wait([&](boost::system::error_code) { batch_a.emit(asio::cancellation_type::total); });
        p.ctx.run();
    }
    BOOST_TEST((a.end == BatchOutcome::End::interrupted), a.summary());
    BOOST_TEST((b.end == BatchOutcome::End::finished), b.summary());
    BOOST_TEST(b.counts.submitted == 20u, b.summary());

    // The next run takes the stopped one up where it was.
    BatchOutcome again = run_once_more(sim, dir / "state", dir / "a.csv", 200ms);
    BOOST_TEST((again.end == BatchOutcome::End::finished), again.summary());
    BOOST_TEST(again.counts.submitted == 20u, again.summary());
    std::set<std::string> all = a_rows;
    all.insert(b_rows.begin(), b_rows.end());
    placed_exactly_once(sim, all);
}

BOOST_AUTO_TEST_CASE(a_stop_during_the_reconcile_delay_ends_the_batch_at_once)
{
    test::SimFixture sim(sim_with(5, 0ms));
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"submit", 1, sim::FaultAction::reset_after, 0, false});   // placed, unanswered
        return 0;
    });
    test::TempDir dir;
    auto rows = write_batch(dir / "a.csv", 0, 5);
    const fs::path log = output_paths_for(dir / "a.csv").log;
    BatchOutcome stopped;
    double stop_took = -1;
    {
        Process p(sim, dir / "state", 60s);
        TaskGroup batch(p.ctx.get_executor());
        p.start(batch, dir / "a.csv", stopped);
        // Stop once the batch says it waits the 60 s before its look-up.
        asio::steady_timer poll(p.ctx);
        std::function<void()> watch = [&] {
            if (fs::exists(log) && test::read_text(log).find("looking them up in 60 s") != std::string::npos) {
                const auto t0 = std::chrono::steady_clock::now();
                batch.emit(asio::cancellation_type::total);
                asio::co_spawn(
                    p.ctx,
                    [&, t0]() -> asio::awaitable<void> {
                        co_await batch.wait();
                        stop_took = seconds_since(t0);
                    },
                    [](std::exception_ptr e) {
                        if (e) std::rethrow_exception(e);
                    });
                return;
            }
            poll.expires_after(50ms);
            poll.async_wait([&](boost::system::error_code ec) {
                if (!ec) watch();
            });
        };
        watch();
        p.ctx.run_for(120s);
    }
    BOOST_TEST_REQUIRE(stop_took >= 0, "the batch never waited for its look-up, or did not end");
    BOOST_TEST(stop_took < 15.0, "the 60 s reconcile delay ended " << stop_took << " s after the stop");
    BOOST_TEST((stopped.end == BatchOutcome::End::interrupted), stopped.summary());

    // The next run looks the unanswered submit up (the delay is over by then) and finds it.
    BatchOutcome again = run_once_more(sim, dir / "state", dir / "a.csv", 10ms);
    BOOST_TEST((again.end == BatchOutcome::End::finished), again.summary());
    BOOST_TEST(again.counts.submitted == 5u, again.summary());
    placed_exactly_once(sim, rows);
}
