// Telling systemd how the daemon is doing (Type=notify): READY, STATUS, WATCHDOG, RELOADING,
// STOPPING through libsystemd's sd_notify. Without NOTIFY_SOCKET (not started by systemd)
// every call is a no-op.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace xferd {

class SdNotifier {
public:
    // Reads NOTIFY_SOCKET and WATCHDOG_USEC / WATCHDOG_PID once.
    SdNotifier();

    [[nodiscard]] bool enabled() const { return enabled_; }
    // How often to send WATCHDOG=1 (half of WatchdogSec); nullopt when no watchdog is set.
    [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_period() const { return watchdog_period_; }

    void ready() const;                          // READY=1 (also after a reload)
    void status(std::string_view text) const;    // STATUS=… (one line; newlines become spaces)
    void ready_with_status(std::string_view text) const;
    void watchdog() const;                       // WATCHDOG=1
    void reloading() const;                      // RELOADING=1 + MONOTONIC_USEC (systemd ≥ 253 wants it)
    void stopping() const;                       // STOPPING=1

private:
    void send(const char* state) const;
    bool enabled_ = false;
    std::optional<std::chrono::microseconds> watchdog_period_;
};

}  // namespace xferd
