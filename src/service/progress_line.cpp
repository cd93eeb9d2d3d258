#include "xferd/service/progress_line.hpp"

#include "xferd/core/printable.hpp"

#include <unistd.h>

#include <cstdio>
#include <map>

namespace xferd {

namespace {

using Clock = std::chrono::steady_clock;

struct LineState {
    bool drawn = false;
    Clock::time_point last_draw{};
    std::map<std::string, Clock::time_point> started;   // file + phase → when it started
};

LineState& state()
{
    static LineState s;
    return s;
}

}  // namespace

std::string progress_text(const BatchProgress& p, Clock::duration since_start)
{
    std::string s = printable(p.file) + ": " + p.phase + " " + std::to_string(p.done) + " of " + std::to_string(p.total);
    const double secs = std::chrono::duration<double>(since_start).count();
    if (secs >= 1.0 && p.done > 0) {
        const double rate = static_cast<double>(p.done) / secs;
        char buf[64];
        std::snprintf(buf, sizeof buf, " (%.0f rows/s", rate);
        s += buf;
        if (p.total > p.done && rate > 0) {
            std::snprintf(buf, sizeof buf, ", %.0f s left", static_cast<double>(p.total - p.done) / rate);
            s += buf;
        }
        s += ")";
    }
    return s;
}

std::function<void(const BatchProgress&)> progress_line_sink()
{
    if (!::isatty(STDERR_FILENO)) return {};
    return [](const BatchProgress& p) {
        auto& st = state();
        const auto now = Clock::now();
        auto [it, fresh] = st.started.try_emplace(p.file + "\n" + p.phase, now);
        const bool last = p.done >= p.total;
        if (!fresh && !last && now - st.last_draw < std::chrono::milliseconds(250)) return;
        st.last_draw = now;
        std::string line = progress_text(p, now - it->second);
        if (line.size() > 100) line.resize(100);
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
        std::fflush(stderr);
        st.drawn = true;
    };
}

void progress_line_clear()
{
    auto& st = state();
    if (!st.drawn) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    st.drawn = false;
}

}  // namespace xferd
