#include "xferd/core/limits.hpp"

namespace xferd {

std::string format_size(std::uint64_t n)
{
    constexpr std::uint64_t kib = 1024, mib = kib * 1024, gib = mib * 1024;
    if (n != 0 && n % gib == 0) return std::to_string(n / gib) + "GiB";
    if (n != 0 && n % mib == 0) return std::to_string(n / mib) + "MiB";
    if (n != 0 && n % kib == 0) return std::to_string(n / kib) + "KiB";
    return std::to_string(n);
}

std::string size_text(std::uint64_t n)
{
    std::string s = format_size(n);
    return s.back() == 'B' ? s : s + " bytes";
}

std::string value_too_long_message(std::size_t max_field_bytes, std::string_view prefix)
{
    return "the value " + (prefix.empty() ? std::string() : "starting '" + std::string(prefix) + "…' ") +
           "is longer than " + size_text(max_field_bytes) +
           ", the limit limits.max_field_bytes, and was not read: shorten it; if values this long "
           "are expected, raise limits.max_field_bytes in the config";
}

std::string row_too_long_message(std::string_view what, std::size_t max_row_bytes,
                                 std::string_view advice)
{
    return std::string(what) + " is longer than " + size_text(max_row_bytes) +
           ", the limit limits.max_row_bytes, and was not read: " + std::string(advice) +
           "; if rows this long are expected, raise limits.max_row_bytes in the config";
}

}  // namespace xferd
