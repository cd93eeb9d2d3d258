#include "xferd/sim/time_util.hpp"

#include <charconv>
#include <cstdio>

namespace xferd::sim {

using namespace std::chrono;

std::string format_utc(Clock::time_point t, bool millis)
{
    auto day = floor<days>(t);
    year_month_day ymd{day};
    auto since_midnight = floor<milliseconds>(t - day);
    hh_mm_ss hms{since_midnight};
    char buf[40];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                          unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                          int(hms.minutes().count()), int(hms.seconds().count()));
    std::string out(buf, std::size_t(n));
    if (millis) {
        std::snprintf(buf, sizeof buf, ".%03d", int(hms.subseconds().count()));
        out += buf;
    }
    out += 'Z';
    return out;
}

namespace {

bool take_int(std::string_view& s, std::size_t digits, int& out)
{
    if (s.size() < digits)
        return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + digits, out);
    if (ec != std::errc{} || p != s.data() + digits)
        return false;
    s.remove_prefix(digits);
    return true;
}

bool take_char(std::string_view& s, char c)
{
    if (s.empty() || s.front() != c)
        return false;
    s.remove_prefix(1);
    return true;
}

}  // namespace

std::optional<Clock::time_point> parse_utc(std::string_view s)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!take_int(s, 4, y) || !take_char(s, '-') || !take_int(s, 2, mo) || !take_char(s, '-') ||
        !take_int(s, 2, d))
        return std::nullopt;
    year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
    // system_clock's nanoseconds reach only to 2262: keep well inside.
    if (!ymd.ok() || y < 1900 || y > 2200)
        return std::nullopt;
    Clock::time_point t = sys_days{ymd};
    if (s.empty())
        return t;
    if (!(take_char(s, 'T') || take_char(s, 't') || take_char(s, ' ')))
        return std::nullopt;
    if (!take_int(s, 2, h) || !take_char(s, ':') || !take_int(s, 2, mi) || !take_char(s, ':') ||
        !take_int(s, 2, sec) || h > 23 || mi > 59 || sec > 60)
        return std::nullopt;
    t += hours{h} + minutes{mi} + seconds{sec};
    if (take_char(s, '.')) {
        std::size_t n = 0;
        long frac = 0;
        while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
            if (n < 6)
                frac = frac * 10 + (s[n] - '0');
            ++n;
        }
        if (n == 0)
            return std::nullopt;
        for (std::size_t i = n; i < 6; ++i)
            frac *= 10;
        t += duration_cast<Clock::duration>(microseconds{frac});
        s.remove_prefix(n);
    }
    if (take_char(s, 'Z') || take_char(s, 'z'))
        return s.empty() ? std::optional{t} : std::nullopt;
    int sign = 0;
    if (take_char(s, '+'))
        sign = 1;
    else if (take_char(s, '-'))
        sign = -1;
    else
        return std::nullopt;
    int oh = 0, om = 0;
    if (!take_int(s, 2, oh))
        return std::nullopt;
    take_char(s, ':');
    if (!take_int(s, 2, om) || !s.empty() || oh > 23 || om > 59)
        return std::nullopt;
    // local = UTC + offset, so UTC = local - offset
    return t - sign * (hours{oh} + minutes{om});
}

}  // namespace xferd::sim
