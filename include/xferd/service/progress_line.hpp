// Live progress on a terminal: one line on stderr, redrawn in place at most a few times a
// second ("leavers.csv: confirming 1,200 of 5,000 (640 rows/s, 6 s left)"). Off a terminal
// (a timer, a pipe, a log file) there is no progress noise at all.
#pragma once

#include "xferd/batch/batch_run.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace xferd {

// The text of one progress line (pure): rate and time left from what was done since `since`.
std::string progress_text(const BatchProgress& p, std::chrono::steady_clock::duration since_start);

// A sink for BatchServices::progress: empty when stderr is not a terminal.
std::function<void(const BatchProgress&)> progress_line_sink();
// Erases the progress line (before a summary line is printed).
void progress_line_clear();

}  // namespace xferd
