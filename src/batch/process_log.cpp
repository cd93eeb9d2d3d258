#include "xferd/batch/process_log.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace xferd {

std::string utc_timestamp()
{
    using namespace std::chrono;
    auto now = system_clock::now();
    auto secs = system_clock::to_time_t(now);
    auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

LogLevel log_level_named(std::string_view name)
{
    if (name == "ERROR") return LogLevel::error;
    if (name == "WARN") return LogLevel::warn;
    if (name == "DEBUG") return LogLevel::debug;
    return LogLevel::info;
}

void log_line(LogLevel level, std::string_view message)
{
    static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
    static constexpr const char* names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    static constexpr const char* priorities[] = {"<7>", "<6>", "<4>", "<3>"};
    auto i = static_cast<int>(level);
    if (journal)
        std::fprintf(stderr, "%s%.*s\n", priorities[i], static_cast<int>(message.size()), message.data());
    else
        std::fprintf(stderr, "%s %s %.*s\n", utc_timestamp().c_str(), names[i], static_cast<int>(message.size()),
                     message.data());
    std::fflush(stderr);
}

std::function<void(std::exception_ptr)> log_if_thrown(std::string what)
{
    return [what = std::move(what)](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            log_error("internal error in " + what + ": " + x.what());
        } catch (...) {
            log_error("internal error in " + what);
        }
    };
}

}  // namespace xferd
