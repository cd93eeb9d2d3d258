// The process's own log on stderr: timestamped lines, or, under systemd (JOURNAL_STREAM set),
// lines with a syslog priority prefix ("<4>…") so journald keeps the level. Secrets are never
// passed here.
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace xferd {

enum class LogLevel { debug, info, warn, error };

void log_line(LogLevel level, std::string_view message);
// "WARN" / "ERROR" / anything else (info): the level names MobprocClient reports with.
LogLevel log_level_named(std::string_view name);
inline void log_info(std::string_view m) { log_line(LogLevel::info, m); }
inline void log_warn(std::string_view m) { log_line(LogLevel::warn, m); }
inline void log_error(std::string_view m) { log_line(LogLevel::error, m); }

// A co_spawn completion handler for work nothing waits on: an exception that ends it is logged
// at ERROR, naming `what`, instead of vanishing as with asio::detached.
std::function<void(std::exception_ptr)> log_if_thrown(std::string what);

// "2026-11-30T13:12:18.123Z"
std::string utc_timestamp();

}  // namespace xferd
