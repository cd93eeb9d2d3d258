// Readiness of inbox files: moved in → at once; closed or found by a rescan → once unchanged
// for `settle`; never the same version twice.
#include "xferd/core/settle.hpp"

#include <boost/test/unit_test.hpp>

using namespace xferd;
using namespace std::chrono_literals;
using Clock = SettleTracker::Clock;
namespace fs = std::filesystem;

namespace {

const Clock::time_point t0 = Clock::time_point{} + 1000h;
const fs::path a = "/inbox/a.csv";
const fs::path b = "/inbox/b.csv";

FileStamp stamp(std::uint64_t size, std::int64_t mtime = 1) { return FileStamp{size, mtime}; }

}  // namespace

BOOST_AUTO_TEST_CASE(moved_in_is_ready_at_once_and_only_once)
{
    SettleTracker t(2s);
    t.moved_in(a, stamp(10), t0);
    auto ready = t.take_ready();
    BOOST_TEST(ready.size() == 1u);
    BOOST_TEST(ready.at(0) == a);
    BOOST_TEST(t.take_ready().empty());
    // The same version seen again by a rescan or another event: not handed out again.
    t.seen(a, stamp(10), t0 + 5s);
    t.moved_in(a, stamp(10), t0 + 6s);
    t.close_write(a, stamp(10), t0 + 7s);
    BOOST_TEST(t.due(t0 + 60s).empty());
    BOOST_TEST(t.take_ready().empty());
    BOOST_TEST(t.pending() == 0u);
}

BOOST_AUTO_TEST_CASE(close_write_waits_for_settle_then_needs_a_confirming_look)
{
    SettleTracker t(2s);
    t.close_write(a, stamp(10), t0);
    BOOST_TEST(t.take_ready().empty());
    BOOST_TEST(t.due(t0 + 1s).empty());
    BOOST_REQUIRE(t.next_due().has_value());
    BOOST_TEST((*t.next_due() == t0 + 2s));
    // Settle time passed, but nobody looked again yet: due, not ready.
    auto due = t.due(t0 + 2s);
    BOOST_TEST(due.size() == 1u);
    BOOST_TEST(t.take_ready().empty());
    // The look confirms the same size and mtime: ready.
    t.seen(a, stamp(10), t0 + 2s);
    auto ready = t.take_ready();
    BOOST_TEST(ready.size() == 1u);
    BOOST_TEST(!t.next_due().has_value());
}

BOOST_AUTO_TEST_CASE(a_file_still_growing_is_never_ready)
{
    SettleTracker t(2s);
    // A writer appends a chunk every second, closing the file each time.
    for (int i = 0; i < 6; ++i) {
        t.close_write(a, stamp(100 * (i + 1), i), t0 + std::chrono::seconds(i));
        for (const auto& p : t.due(t0 + std::chrono::seconds(i))) t.seen(p, stamp(100 * (i + 1), i), t0 + std::chrono::seconds(i));
        BOOST_TEST(t.take_ready().empty());
    }
    // A rescan in between sees it grow: still not ready.
    t.seen(a, stamp(700, 6), t0 + 6s);
    t.seen(a, stamp(800, 7), t0 + 7s);
    BOOST_TEST(t.take_ready().empty());
    // Then it stops changing.
    t.seen(a, stamp(800, 7), t0 + 8s);
    BOOST_TEST(t.take_ready().empty());
    t.seen(a, stamp(800, 7), t0 + 9s);
    BOOST_TEST(t.take_ready().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_close_restarts_the_wait_even_with_the_same_stamp)
{
    SettleTracker t(2s);
    t.seen(a, stamp(10), t0);
    t.close_write(a, stamp(10), t0 + 1900ms);  // appended within one mtime tick, then closed
    t.seen(a, stamp(10), t0 + 2s);
    BOOST_TEST(t.take_ready().empty());
    t.seen(a, stamp(10), t0 + 3900ms);
    BOOST_TEST(t.take_ready().size() == 1u);
}

BOOST_AUTO_TEST_CASE(rescan_alone_settles_a_file)
{
    SettleTracker t(2s);
    t.seen(a, stamp(10), t0);
    t.seen(a, stamp(10), t0 + 1s);
    BOOST_TEST(t.take_ready().empty());
    t.seen(a, stamp(10), t0 + 2s);
    BOOST_TEST(t.take_ready().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_changed_version_is_handed_out_again)
{
    SettleTracker t(2s);
    t.moved_in(a, stamp(10, 1), t0);
    BOOST_TEST(t.take_ready().size() == 1u);
    // The operator saves a corrected file over it.
    t.close_write(a, stamp(12, 2), t0 + 10s);
    t.seen(a, stamp(12, 2), t0 + 12s);
    BOOST_TEST(t.take_ready().size() == 1u);
}

BOOST_AUTO_TEST_CASE(deleted_files_are_forgotten_and_a_new_drop_counts)
{
    SettleTracker t(2s);
    t.close_write(a, stamp(10), t0);
    t.deleted(a);
    BOOST_TEST(t.pending() == 0u);
    BOOST_TEST(t.due(t0 + 10s).empty());

    t.moved_in(b, stamp(5), t0);
    BOOST_TEST(t.take_ready().size() == 1u);
    t.deleted(b);
    t.moved_in(b, stamp(5), t0 + 1s);  // moved out and back in: a new drop
    BOOST_TEST(t.take_ready().size() == 1u);
}

BOOST_AUTO_TEST_CASE(forget_allows_a_retry_of_the_same_version)
{
    SettleTracker t(2s);
    t.moved_in(a, stamp(10), t0);
    BOOST_TEST(t.take_ready().size() == 1u);
    t.seen(a, stamp(10), t0 + 1s);
    BOOST_TEST(t.pending() == 0u);
    t.forget(a);  // e.g. the API was unreachable: take it again on the next look
    t.seen(a, stamp(10), t0 + 30s);
    t.seen(a, stamp(10), t0 + 32s);
    BOOST_TEST(t.take_ready().size() == 1u);
}

BOOST_AUTO_TEST_CASE(zero_settle_takes_closed_files_at_once)
{
    SettleTracker t(0ms);
    t.close_write(a, stamp(10), t0);
    BOOST_TEST(t.take_ready().size() == 1u);
}

BOOST_AUTO_TEST_CASE(several_files_each_on_their_own_clock)
{
    SettleTracker t(2s);
    t.close_write(a, stamp(1), t0);
    t.close_write(b, stamp(1), t0 + 1s);
    BOOST_TEST((*t.next_due() == t0 + 2s));
    for (const auto& p : t.due(t0 + 2s)) t.seen(p, stamp(1), t0 + 2s);
    auto ready = t.take_ready();
    BOOST_TEST(ready.size() == 1u);
    BOOST_TEST(ready.at(0) == a);
    BOOST_TEST((*t.next_due() == t0 + 3s));
    for (const auto& p : t.due(t0 + 3s)) t.seen(p, stamp(1), t0 + 3s);
    ready = t.take_ready();
    BOOST_TEST(ready.size() == 1u);
    BOOST_TEST(ready.at(0) == b);
}
