// ISO-8601 UTC timestamps as the API writes them ("2018-09-26T12:30:31Z").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace xferd::sim {

using Clock = std::chrono::system_clock;

// Seconds precision, or milliseconds ("...31.123Z") when `millis`.
std::string format_utc(Clock::time_point t, bool millis = false);

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM|+HHMM)".
std::optional<Clock::time_point> parse_utc(std::string_view text);

}  // namespace xferd::sim
