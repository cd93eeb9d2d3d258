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

}  // namespace xferd
