// Spreads the starts of API calls over time, as TCP pacing spreads a sender's packets.
//
// Without it, answers that arrive together send their rows' next requests out together. A server
// whose every answer takes about the same time sends such a burst back as a burst, round after
// round, and each call in it waits while the others are read, parsed and sent on both sides:
// against a server answering in 20 ms at api.concurrency 64, that wait added 10% to every call.
//
// Starts are spaced by the shortest round trip seen lately divided by 1.25 × the calls that can
// be in flight (api.concurrency, or more when more are: a caller outside the request budget):
// at most 1.25 × that many calls start per round trip, and no more than that many can end in
// one, so the spacing never lowers the rate; it only evens out bursts. Before the first answer
// nothing is spaced. Pure: the clock is passed in.
#pragma once

#include <chrono>
#include <cstddef>

namespace xferd {

class SendPacing {
public:
    using clock = std::chrono::steady_clock;
    // The shortest round trip is taken over the last one to two windows, so that a server that
    // became slower is paced by its new round trips before long.
    static constexpr std::chrono::seconds window{10};

    explicit SendPacing(std::size_t concurrency) : concurrency_(concurrency == 0 ? 1 : concurrency) {}

    // An exchange that got an answer (any HTTP status) took `took`, ending at `now`.
    void answered(clock::time_point now, clock::duration took);
    // The least time between the starts of two calls (zero before any answer), with `in_flight`
    // calls under way.
    [[nodiscard]] clock::duration spacing(std::size_t in_flight = 0) const;

private:
    std::size_t concurrency_;
    clock::time_point window_start_{};
    clock::duration shortest_ = clock::duration::max();            // in this window
    clock::duration shortest_before_ = clock::duration::max();     // in the window before
};

}  // namespace xferd
