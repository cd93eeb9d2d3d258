// SIGTERM to `xferd run` while submits are in flight: the requests under way get
// watch.shutdown_grace and end with their answer (not IN DOUBT); whatever the grace's end cuts
// is left for the next run to look up. Either way the daemon exits by itself (exit 0, its last
// log line "stopped"), and the next `xferd once` places every row exactly once.
#include "process_env.hpp"

#include <set>

using namespace xferd;
using namespace xferd::test::process;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Every row of the batch placed once (external order numbers PREFIX-1 … PREFIX-rows).
void placed_exactly_once(Env& env, const std::string& prefix, int rows)
{
    std::multiset<std::string> placed;
    for (const auto& e : env.sim.audit_entries()) placed.insert(std::string(e.at("externalOrderNumber").as_string()));
    BOOST_TEST(placed.size() == static_cast<std::size_t>(rows));
    for (int i = 1; i <= rows; ++i) {
        const std::string eon = prefix + "-" + std::to_string(i);
        BOOST_TEST(placed.count(eon) == 1u, eon << " placed " << placed.count(eon) << " times");
    }
}

struct Stopped {
    int status = -1;
    double took = 0;   // seconds from SIGTERM to the exit
    std::string log;
};

// `xferd run` takes a batch of 6 rows (PREFIX-1…6) and gets SIGTERM once the simulator has
// placed a first order (its answer still on the way).
Stopped stop_while_a_submit_is_in_flight(Env& env, const std::string& prefix)
{
    Child xferd({"run", "--config", env.config.string()}, env.log);
    move_in(env.dir / "inbox" / "leavers.csv", canonical_csv(env.services, prefix, 6));
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return env.audited() >= 1; }, 30s), read_or_empty(env.log));
    const auto t0 = std::chrono::steady_clock::now();
    xferd.signal(SIGTERM);
    Stopped s;
    s.status = xferd.wait(30s);
    s.took = seconds_since(t0);
    s.log = read_or_empty(env.log);
    BOOST_TEST(s.status == 0, s.log);
    BOOST_TEST(has(s.log, "leavers.csv: not processed: stopped; the batch resumes at the next run"), s.log);
    BOOST_TEST(has(s.log, " INFO stopped\n"), s.log);   // it ended by itself, not abandoned by an _Exit
    return s;
}

// The next `xferd once` finishes the batch: every row SUBMITTED, each placed once.
void next_once_places_every_row_once(Env& env, const std::string& prefix)
{
    Child once({"once", "--config", env.config.string()}, env.log);
    BOOST_TEST(once.wait(60s) == 0, read_or_empty(env.log));
    require_all_submitted(env.results("inbox/leavers.results.csv"), 6);
    placed_exactly_once(env, prefix, 6);
}

}  // namespace

BOOST_AUTO_TEST_CASE(submits_in_flight_at_sigterm_end_with_their_answer_within_the_grace)
{
    sim::Options slow;
    slow.faults.latency = 700ms;   // every answer: the submits in flight take that long after SIGTERM
    Env env(with([](ConfigOptions& o) {
                o.concurrency = 2;
                o.shutdown_grace = "20s";
            }),
            slow);
    const Stopped stopped = stop_while_a_submit_is_in_flight(env, "GRACE");
    BOOST_TEST(stopped.took < 15.0, "stopped " << stopped.took << " s after SIGTERM");
    const std::string batch_log = read_or_empty(env.dir / "inbox" / "leavers.log");
    BOOST_TEST(!has(batch_log, "in doubt"), batch_log);
    const std::size_t placed_by_run = env.audited();
    BOOST_TEST(placed_by_run < 6u, "the stop came before every row was sent");

    // Nothing was left in doubt: the next run submits the rest, with no look-up.
    next_once_places_every_row_once(env, "GRACE");
    BOOST_TEST(!has(read_or_empty(env.dir / "inbox" / "leavers.log"), "looking up"));
}

BOOST_AUTO_TEST_CASE(the_grace_end_cuts_the_submits_still_in_flight_and_run_exits_by_itself)
{
    sim::Options stalling;
    // The first two submits are placed, then their answers stop half-way (until xferd gives up).
    stalling.faults.sequence.push_back({"submit", 2, sim::FaultAction::stall, 0, false});
    Env env(with([](ConfigOptions& o) {
                o.concurrency = 2;
                o.shutdown_grace = "1s";
                o.api_extra = "  reconcile_delay: 1s\n";
            }),
            stalling);
    const Stopped stopped = stop_while_a_submit_is_in_flight(env, "CUT");
    // Cut at the grace's end (1 s), not at api.request_timeout (30 s).
    BOOST_TEST(stopped.took < 10.0, "stopped " << stopped.took << " s after SIGTERM");
    BOOST_TEST(has(stopped.log, "shutdown grace of 1000 ms is over"), stopped.log);

    // The next run looks the two cut submits up, finds them, and submits the rest.
    next_once_places_every_row_once(env, "CUT");
    BOOST_TEST(has(read_or_empty(env.dir / "inbox" / "leavers.log"), "looking up"));
}
