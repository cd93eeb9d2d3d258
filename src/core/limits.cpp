#include "xferd/core/limits.hpp"

#include <algorithm>

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

std::string message_prefix(std::string_view value)
{
    std::string_view p = value.substr(0, message_prefix_bytes);
    const auto control = std::find_if(p.begin(), p.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
    });
    p = p.substr(0, static_cast<std::size_t>(control - p.begin()));
    // The last character may be cut short: find its lead byte and its length.
    std::size_t lead = p.size();
    while (lead > 0 && (static_cast<unsigned char>(p[lead - 1]) & 0xC0) == 0x80) {
        --lead;
    }
    if (lead > 0) {
        const auto b = static_cast<unsigned char>(p[lead - 1]);
        const std::size_t length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (lead - 1 + length > p.size()) {
            p = p.substr(0, lead - 1);
        }
    }
    return std::string(p);
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
