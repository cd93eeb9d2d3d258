// A time as people and machines read it in messages, events and reports.
#pragma once

#include <chrono>
#include <string>

namespace xferd {

// "2026-11-30T13:12:18Z"
std::string iso8601_utc(std::chrono::system_clock::time_point t);

}  // namespace xferd
