// TaskGroup (a batch's coroutines and how a stop reaches them), terminal_only (an exchange a
// total stop does not cut) and the cancellable waits, on an io_context run by the test. Waits
// are an hour long: a test that passes did not wait them out.
#include "xferd/net/async_primitives.hpp"
#include "xferd/net/task_group.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>

using namespace xferd;
using namespace std::chrono_literals;

namespace {

constexpr auto an_hour = std::chrono::hours(1);
constexpr auto bound = 10s;   // far above what the io_context needs: only a hang reaches it

enum class Sleep { running, slept, stopped };

// A child that sleeps an hour unless stopped, and says how it ended.
auto sleeper(Sleep& out)
{
    return [&out]() -> asio::awaitable<void> {
        out = Sleep::running;
        out = co_await cancellable_sleep(an_hour) ? Sleep::slept : Sleep::stopped;
    };
}

auto rethrow = [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
};

}  // namespace

BOOST_AUTO_TEST_CASE(total_reaches_every_child_and_ends_their_waits)
{
    asio::io_context ctx;
    TaskGroup group(ctx.get_executor());
    Sleep a{}, b{}, c{};
    group.spawn(sleeper(a), rethrow);
    group.spawn(sleeper(b), rethrow);
    group.spawn(sleeper(c), rethrow);
    ctx.poll();
    BOOST_TEST(group.size() == 3u);
    BOOST_TEST((a == Sleep::running && b == Sleep::running && c == Sleep::running));
    group.emit(asio::cancellation_type::total);
    ctx.run_for(bound);
    BOOST_TEST((a == Sleep::stopped && b == Sleep::stopped && c == Sleep::stopped));
    BOOST_TEST(group.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_stop_reaches_its_own_group_only)
{
    asio::io_context ctx;
    TaskGroup stopped(ctx.get_executor()), other(ctx.get_executor());
    Sleep mine{}, theirs{};
    stopped.spawn(sleeper(mine), rethrow);
    other.spawn(sleeper(theirs), rethrow);
    ctx.poll();
    stopped.emit(asio::cancellation_type::total);
    for (int i = 0; i < 20 && mine != Sleep::stopped; ++i) ctx.run_one_for(bound);
    BOOST_TEST((mine == Sleep::stopped));
    BOOST_TEST((theirs == Sleep::running), "the other group's child still sleeps");
    other.emit(asio::cancellation_type::total);
    ctx.run_for(bound);
    BOOST_TEST((theirs == Sleep::stopped));
}

BOOST_AUTO_TEST_CASE(wait_returns_once_every_child_has_ended)
{
    asio::io_context ctx;
    TaskGroup group(ctx.get_executor());
    int ended = 0;
    auto steps = [&](int n) {
        return [&ended, n]() -> asio::awaitable<void> {
            for (int i = 0; i < n; ++i) co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
            ++ended;
        };
    };
    group.spawn(steps(3), rethrow);
    group.spawn(steps(40), rethrow);
    int ended_when_wait_returned = -1;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            co_await group.wait();
            ended_when_wait_returned = ended;
        },
        rethrow);
    ctx.run_for(bound);
    BOOST_TEST(ended_when_wait_returned == 2);
    BOOST_TEST(group.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_child_started_after_the_stop_is_stopped_at_once)
{
    asio::io_context ctx;
    TaskGroup group(ctx.get_executor());
    group.emit(asio::cancellation_type::total);
    Sleep late{};
    bool asked = false;
    group.spawn(
        [&]() -> asio::awaitable<void> {
            asked = co_await coroutine_stop_asked();
            co_await sleeper(late)();
        },
        rethrow);
    ctx.run_for(bound);
    BOOST_TEST(asked);
    BOOST_TEST((late == Sleep::stopped));
}

BOOST_AUTO_TEST_CASE(total_lets_an_exchange_under_way_finish_and_terminal_cuts_it)
{
    asio::io_context ctx;
    TaskGroup group(ctx.get_executor());
    Sleep exchange{}, backoff{};
    bool asked_after_exchange = false;
    group.spawn(
        [&]() -> asio::awaitable<void> {
            auto exchange_task = sleeper(exchange);   // the closure outlives its coroutine
            auto shielded = exchange_task();
            co_await terminal_only(std::move(shielded));
            asked_after_exchange = co_await coroutine_stop_asked();
            co_await sleeper(backoff)();   // a wait after the exchange: the stop ends it
        },
        rethrow);
    ctx.poll();
    group.emit(asio::cancellation_type::total);
    ctx.poll();
    BOOST_TEST((exchange == Sleep::running), "total does not cut the exchange");
    BOOST_TEST(group.size() == 1u);
    group.emit(asio::cancellation_type::terminal);
    ctx.run_for(bound);
    BOOST_TEST((exchange == Sleep::stopped), "terminal does");
    BOOST_TEST(asked_after_exchange);
    BOOST_TEST((backoff == Sleep::stopped));
    BOOST_TEST(group.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_waiter_passes_the_stop_on_and_still_waits_for_the_children)
{
    asio::io_context ctx;
    TaskGroup batch(ctx.get_executor());
    Sleep row{};
    bool row_ended_before_the_waiter = false;
    batch.spawn(
        [&]() -> asio::awaitable<void> {
            TaskGroup rows(co_await asio::this_coro::executor);
            rows.spawn(sleeper(row), rethrow);
            co_await rows.wait();
            row_ended_before_the_waiter = row == Sleep::stopped;
        },
        rethrow);
    ctx.poll();
    BOOST_TEST((row == Sleep::running));
    batch.emit(asio::cancellation_type::total);
    ctx.run_for(bound);
    BOOST_TEST(row_ended_before_the_waiter);
    BOOST_TEST(batch.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_stopped_waiter_gets_no_permit_and_the_next_one_does)
{
    asio::io_context ctx;
    AsyncSemaphore budget(ctx.get_executor(), 1);
    TaskGroup stopped(ctx.get_executor()), other(ctx.get_executor());
    std::optional<SemaphorePermit> held;
    bool stopped_got_one = true, other_got_one = false;
    // Named permits: no temporary with a destructor across a co_await (GCC 12, bug 99576).
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            auto p = co_await budget.acquire();
            held.emplace(std::move(p));
        },
        rethrow);
    ctx.poll();
    ctx.restart();   // that poll ran out of work
    stopped.spawn(
        [&]() -> asio::awaitable<void> {
            auto p = co_await budget.acquire();
            stopped_got_one = bool(p);
        },
        rethrow);
    other.spawn(
        [&]() -> asio::awaitable<void> {
            auto p = co_await budget.acquire();
            other_got_one = bool(p);
        },
        rethrow);
    ctx.poll();
    asio::post(ctx, [&] {
        held.reset();   // the permit comes back: the first waiter is woken for it…
        stopped.emit(asio::cancellation_type::total);   // …and stopped before it runs: the wake-up is passed on
    });
    ctx.run_for(bound);
    BOOST_TEST(!stopped_got_one);
    BOOST_TEST(other_got_one);
    BOOST_TEST(budget.available() == 1u, "every permit given back");
}
