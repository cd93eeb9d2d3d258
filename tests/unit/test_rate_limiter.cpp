#include "xferd/core/rate_limiter.hpp"

#include <boost/test/unit_test.hpp>

using namespace xferd;
using namespace std::chrono_literals;

namespace {
double seconds_between(RateLimiter::clock::time_point a, RateLimiter::clock::time_point b)
{
    return std::chrono::duration<double>(b - a).count();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(rate_limiter)

BOOST_AUTO_TEST_CASE(calls_are_spaced_by_the_configured_rate)
{
    RateLimiter r(20);
    auto t0 = RateLimiter::clock::now();
    RateLimiter::clock::time_point last{};
    for (int i = 0; i < 60; ++i) last = r.reserve(t0);
    BOOST_TEST(seconds_between(t0, last) == 59 * 0.05, boost::test_tools::tolerance(1e-6));
    // Time that passed unused is not banked as a burst.
    auto later = last + 10s;
    BOOST_TEST((r.reserve(later) == later));
    BOOST_TEST(seconds_between(later, r.reserve(later)) == 0.05, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(no_rate_means_no_wait)
{
    RateLimiter r(0);
    auto t0 = RateLimiter::clock::now();
    for (int i = 0; i < 1000; ++i) BOOST_TEST((r.reserve(t0) == t0));
}

BOOST_AUTO_TEST_CASE(a_wider_spacing_asked_by_the_caller_wins_over_the_rate_and_a_narrower_one_does_not)
{
    RateLimiter none(0);
    auto t0 = RateLimiter::clock::now();
    BOOST_TEST((none.reserve(t0, 3ms) == t0));
    BOOST_TEST(seconds_between(t0, none.reserve(t0, 3ms)) == 0.003, boost::test_tools::tolerance(1e-9));
    BOOST_TEST((none.reserve(t0 + 1s) == t0 + 1s), "spacing is not banked either");

    RateLimiter twenty(20);   // 50 ms apart
    twenty.reserve(t0, 10ms);
    BOOST_TEST(seconds_between(t0, twenty.reserve(t0, 10ms)) == 0.05, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(seconds_between(t0, twenty.reserve(t0, 80ms)) == 0.13, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(seconds_between(t0, twenty.reserve(t0)) == 0.18, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(the_spacing_asked_now_counts_not_the_one_asked_when_the_call_before_was_booked)
{
    // A slow answer asked for a wide spacing; the next answer showed the server fast again.
    RateLimiter r(0);
    auto t0 = RateLimiter::clock::now();
    BOOST_TEST((r.reserve(t0, 800ms) == t0));
    BOOST_TEST((r.reserve(t0 + 5ms, 1ms) == t0 + 5ms));
    BOOST_TEST((r.reserve(t0 + 5ms, 1ms) == t0 + 6ms));
}

BOOST_AUTO_TEST_CASE(each_429_is_counted_so_a_call_that_waited_for_its_slot_can_book_again)
{
    RateLimiter r(0);
    auto t0 = RateLimiter::clock::now();
    BOOST_TEST(r.throttles() == 0u);
    const auto before = r.throttles();
    r.reserve(t0);
    r.throttled(t0, 1s);
    BOOST_TEST(r.throttles() == before + 1);
    BOOST_TEST(seconds_between(t0, r.reserve(t0)) == 1.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(a_429_pauses_everyone_and_halves_the_rate_which_then_recovers)
{
    RateLimiter r(16);
    auto t0 = RateLimiter::clock::now();
    r.reserve(t0);
    r.throttled(t0, 2s);
    BOOST_TEST(r.current_rate() == 8.0);
    BOOST_TEST(seconds_between(t0, r.reserve(t0)) == 2.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(seconds_between(t0, r.reserve(t0)) == 2.125, boost::test_tools::tolerance(1e-6));
    for (int i = 0; i < 10; ++i) r.throttled(t0, 0s);
    BOOST_TEST(r.current_rate() == 1.0, "never below 1/16 of the configured rate");
    r.reserve(t0 + 70s);
    BOOST_TEST(r.current_rate() == 16.0, "back to the configured rate after 70 quiet seconds (×1.25 every 5 s)");
}

BOOST_AUTO_TEST_CASE(without_a_configured_rate_a_429_still_pauses)
{
    RateLimiter r(0);
    auto t0 = RateLimiter::clock::now();
    r.throttled(t0, 3s);
    BOOST_TEST(seconds_between(t0, r.reserve(t0)) == 3.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(seconds_between(t0, r.reserve(t0 + 4s)) == 4.0, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_SUITE_END()
