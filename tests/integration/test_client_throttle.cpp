// A 429 while calls wait for their slots (MobprocClient::call): only the calls whose slot fell
// inside its pause book again. Found by review (helper-24); failed before the fix (5.9 s).
#include "xferd/net/mobproc_client.hpp"
#include "xferd/net/task_group.hpp"

#include "sim_api_config.hpp"
#include "sim_fixture.hpp"
#include "test_files.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

using namespace xferd;
using namespace std::chrono_literals;

namespace {
const std::string seed_body = test::read_text(test::source_path("tests/data/seed/xfer_out_request.json"));
double since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(client_throttle)

// 20 calls at api.rate_limit 10/s book slots 0.0 .. 1.9 s. The first is answered 429 with
// Retry-After: 1, so nobody should send before 1.0 s. The calls whose slot is already past the
// pause (1.0 .. 1.9 s) have no reason to move; the ones inside it must. When every waiting call
// booked again, behind the last booked slot, nothing was sent until ~2.1 s and the 20 calls
// ended at ~5.9 s.
BOOST_AUTO_TEST_CASE(a_429_moves_only_the_calls_whose_slot_fell_inside_its_pause)
{
    sim::Options o;
    o.faults.retry_after_s = 1;
    o.faults.sequence.push_back({"confirm", 1, sim::FaultAction::status, 429, false});
    test::SimFixture sim(o);
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    ApiConfig api = test::sim_api_config(sim);
    api.concurrency = 32;
    api.rate_limit = 10;
    MobprocClient client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    auto rethrow = [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    };
    asio::co_spawn(ctx, [&]() -> asio::awaitable<void> { (void)co_await client.authenticate(); }, rethrow);
    ctx.run();
    ctx.restart();
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<double> ended;
    for (int i = 0; i < 20; ++i)
        asio::co_spawn(
            ctx,
            [&]() -> asio::awaitable<void> {
                auto r = co_await client.confirm_order(seed_body);
                BOOST_TEST((r.kind == ApiResponse::Kind::answered), r.message);
                ended.push_back(since(t0));
            },
            rethrow);
    ctx.run();
    std::sort(ended.begin(), ended.end());
    BOOST_REQUIRE_EQUAL(ended.size(), 20u);
    BOOST_TEST_MESSAGE("first answered call ended at " << ended.front() << " s, last at " << ended.back() << " s");
    // Slots past the 1 s pause were kept: answers come from ~1.0 s on.
    BOOST_TEST(ended.front() < 1.5, "the first answer came at " << ended.front() << " s (pause ended at 1.0 s)");
    BOOST_TEST(ended.back() < 4.6, "20 calls at 10/s with one 1 s pause took " << ended.back() << " s");
}

BOOST_AUTO_TEST_SUITE_END()
