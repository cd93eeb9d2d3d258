#include "xferd/service/sd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>

namespace xferd {

namespace {

// STATUS= is one line of the protocol: a newline in it would start a new assignment.
std::string one_line(std::string_view text)
{
    std::string s(text);
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

}  // namespace

SdNotifier::SdNotifier()
{
    const char* socket = std::getenv("NOTIFY_SOCKET");
    enabled_ = socket != nullptr && *socket != '\0';
    std::uint64_t usec = 0;
    // > 0 only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is this process).
    if (enabled_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        watchdog_period_ = std::chrono::microseconds(usec / 2);
}

void SdNotifier::send(const char* state) const
{
    if (enabled_) sd_notify(0, state);
}

void SdNotifier::ready() const { send("READY=1"); }

void SdNotifier::status(std::string_view text) const
{
    if (!enabled_) return;
    send(("STATUS=" + one_line(text)).c_str());
}

void SdNotifier::ready_with_status(std::string_view text) const
{
    if (!enabled_) return;
    send(("READY=1\nSTATUS=" + one_line(text)).c_str());
}

void SdNotifier::watchdog() const { send("WATCHDOG=1"); }

void SdNotifier::reloading() const
{
    if (!enabled_) return;
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    auto usec = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
    send(("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec)).c_str());
}

void SdNotifier::stopping() const { send("STOPPING=1"); }

}  // namespace xferd
