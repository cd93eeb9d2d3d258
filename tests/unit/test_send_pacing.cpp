#include "xferd/core/send_pacing.hpp"

#include <boost/test/unit_test.hpp>

using namespace xferd;
using namespace std::chrono_literals;

namespace {
double ms(SendPacing::clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
}  // namespace

BOOST_AUTO_TEST_SUITE(send_pacing)

BOOST_AUTO_TEST_CASE(nothing_is_spaced_before_the_first_answer)
{
    SendPacing p(64);
    BOOST_TEST(ms(p.spacing()) == 0.0);
}

BOOST_AUTO_TEST_CASE(starts_are_spaced_by_the_shortest_round_trip_over_one_and_a_quarter_concurrency)
{
    SendPacing p(64);
    const auto t0 = SendPacing::clock::now();
    p.answered(t0, 25ms);
    p.answered(t0 + 1ms, 20ms);
    p.answered(t0 + 2ms, 31ms);
    // 20 ms / (1.25 × 64): 80 calls may start per 20 ms, while 64 in flight can end only 64.
    BOOST_TEST(ms(p.spacing()) == 0.25, boost::test_tools::tolerance(1e-9));
    SendPacing one(1);
    one.answered(t0, 20ms);
    BOOST_TEST(ms(one.spacing()) == 16.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(a_server_that_became_slower_is_paced_by_its_new_round_trips_within_two_windows)
{
    SendPacing p(4);
    const auto t0 = SendPacing::clock::now();
    p.answered(t0, 10ms);
    p.answered(t0 + 11s, 200ms);   // a new window; the one before still counts
    BOOST_TEST(ms(p.spacing()) == 2.0, boost::test_tools::tolerance(1e-9));
    p.answered(t0 + 22s, 200ms);   // the 10 ms answer is two windows old now
    BOOST_TEST(ms(p.spacing()) == 40.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(after_a_quiet_spell_only_the_answers_since_count)
{
    SendPacing p(4);
    const auto t0 = SendPacing::clock::now();
    p.answered(t0, 10ms);
    p.answered(t0 + 25s, 100ms);   // no answer for more than two windows
    BOOST_TEST(ms(p.spacing()) == 20.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(more_calls_in_flight_than_the_concurrency_narrow_the_spacing_fewer_do_not_widen_it)
{
    SendPacing p(1);
    p.answered(SendPacing::clock::now(), 100ms);
    BOOST_TEST(ms(p.spacing()) == 80.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(ms(p.spacing(2)) == 40.0, boost::test_tools::tolerance(1e-9));   // a look-up beside a submit
    SendPacing q(64);
    q.answered(SendPacing::clock::now(), 20ms);
    BOOST_TEST(ms(q.spacing(3)) == 0.25, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(a_concurrency_of_zero_is_taken_as_one)
{
    SendPacing p(0);
    p.answered(SendPacing::clock::now(), 10ms);
    BOOST_TEST(ms(p.spacing()) == 8.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_SUITE_END()
