#include "xferd/core/send_pacing.hpp"

#include <algorithm>

namespace xferd {

void SendPacing::answered(clock::time_point now, clock::duration took)
{
    if (took < clock::duration::zero()) took = clock::duration::zero();
    if (now - window_start_ >= window) {
        // A window with no answer at all leaves nothing to remember from before it.
        shortest_before_ = now - window_start_ >= 2 * window ? clock::duration::max() : shortest_;
        shortest_ = clock::duration::max();
        window_start_ = now;
    }
    shortest_ = std::min(shortest_, took);
}

SendPacing::clock::duration SendPacing::spacing(std::size_t in_flight) const
{
    const auto round_trip = std::min(shortest_, shortest_before_);
    if (round_trip == clock::duration::max()) return clock::duration::zero();
    // round_trip / (1.25 × calls), in integer ticks.
    const auto calls = static_cast<clock::rep>(std::max(concurrency_, in_flight));
    return round_trip * 4 / (calls * 5);
}

}  // namespace xferd
