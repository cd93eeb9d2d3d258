#include "xferd/core/xlsx_values.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace xferd {

namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

std::optional<double> parse_double(std::string_view s)
{
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double d = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
    return d;
}

// Days since 1970-01-01 → civil date (Howard Hinnant's algorithm).
void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d)
{
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

// Skips a quoted literal, an escaped character or a [...] section of a format code.
std::size_t skip_literal(std::string_view code, std::size_t i)
{
    const char c = code[i];
    if (c == '"') {
        const auto close = code.find('"', i + 1);
        return close == std::string_view::npos ? code.size() : close + 1;
    }
    if (c == '\\' || c == '_' || c == '*') return i + 2;  // \x, _x (space as wide as x), *x (fill)
    if (c == '[') {
        const auto close = code.find(']', i + 1);
        const auto inside = code.substr(i + 1, close == std::string_view::npos ? 0 : close - i - 1);
        // [h], [mm], [ss]: elapsed time, a time format; [Red], [$-409], [>100]: not.
        if (!inside.empty() && inside.find_first_not_of("hHmMsS") == std::string_view::npos) return i;
        return close == std::string_view::npos ? code.size() : close + 1;
    }
    return i;
}

}  // namespace

std::optional<CellRef> parse_cell_ref(std::string_view ref)
{
    std::size_t i = 0;
    std::uint32_t col = 0;
    while (i < ref.size() && is_upper(ref[i]) && i < 3) {
        col = col * 26 + static_cast<std::uint32_t>(ref[i] - 'A' + 1);
        ++i;
    }
    if (i == 0 || i == ref.size() || ref[i] == '0') return std::nullopt;
    std::uint32_t row = 0;
    const auto [p, ec] = std::from_chars(ref.data() + i, ref.data() + ref.size(), row);
    if (ec != std::errc{} || p != ref.data() + ref.size()) return std::nullopt;
    if (col > xlsx_max_columns || row == 0 || row > xlsx_max_rows) return std::nullopt;
    return CellRef{col - 1, row};
}

std::string column_letters(std::uint32_t col)
{
    std::string out;
    for (std::uint64_t n = std::uint64_t{col} + 1; n > 0; n = (n - 1) / 26) {
        out.insert(out.begin(), static_cast<char>('A' + (n - 1) % 26));
    }
    return out;
}

std::string cell_name(std::uint32_t col, std::uint32_t row) { return column_letters(col) + std::to_string(row); }

std::optional<std::string> format_number(std::string_view stored)
{
    const auto d = parse_double(stored);
    if (!d) return std::nullopt;
    const double v = *d == 0 ? 0.0 : *d;  // no "-0"
    // Fixed notation, shortest round trip: 2035551111 → "2035551111", 0.1 → "0.1",
    // 1E+20 → "100000000000000000000" (row_validation then says Excel lost digits).
    char buf[400];
    const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    if (ec != std::errc{}) return std::nullopt;
    return std::string(buf, p);
}

bool is_date_format(std::uint32_t format_id, std::string_view code)
{
    if ((format_id >= 14 && format_id <= 22) || (format_id >= 45 && format_id <= 47)) return true;
    if (code.empty()) return false;  // another built-in: a number, currency, text
    for (std::size_t i = 0; i < code.size();) {
        const std::size_t next = skip_literal(code, i);
        if (next != i) {
            i = next;
            continue;
        }
        switch (code[i]) {
        case 'd': case 'D': case 'm': case 'M': case 'y': case 'Y':
        case 'h': case 'H': case 's': case 'S': return true;
        case ';': return false;  // only the first section decides (what a positive number shows)
        default: ++i;
        }
    }
    return false;
}

std::optional<std::string> excel_date(std::string_view stored, bool date1904)
{
    const auto d = parse_double(stored);
    if (!d || *d < 0 || *d >= 2958466) return std::nullopt;  // 2958466 is 10000-01-01
    const auto total = static_cast<std::int64_t>(std::llround(*d * 86400.0));
    std::int64_t days = total / 86400;
    const std::int64_t secs = total % 86400;
    const bool whole_day = secs == 0;
    char buf[40];
    if (days == 0 && !whole_day && !date1904) {
        std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(secs / 3600),
                      static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
        return std::string(buf);
    }
    int y = 0;
    unsigned m = 0, md = 0;
    if (!date1904 && days == 60) {
        y = 1900, m = 2, md = 29;  // Lotus 1-2-3's leap day, kept by Excel
    } else {
        // 1900 system: serial 1 is 1900-01-01, and serials after the fictitious 02-29 are one
        // day ahead; days from 1970-01-01 of 1899-12-31 is -25568. 1904 system: 1904-01-01 is 0.
        const std::int64_t epoch = date1904 ? -24107 : -25568;
        if (!date1904 && days > 60) --days;
        civil_from_days(epoch + days, y, m, md);
    }
    if (whole_day) {
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, md);
    } else {
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", y, m, md, static_cast<int>(secs / 3600),
                      static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
    }
    return std::string(buf);
}

std::string decode_ooxml_escapes(std::string_view text)
{
    if (text.find("_x") == std::string_view::npos) return std::string(text);
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        unsigned cp = 0;
        if (text.substr(i, 2) == "_x" && i + 7 <= text.size() && text[i + 6] == '_' &&
            std::from_chars(text.data() + i + 2, text.data() + i + 6, cp, 16).ptr == text.data() + i + 6) {
            if (cp < 0x80) {
                out += static_cast<char>(cp);
            } else if (cp < 0x800) {
                out += static_cast<char>(0xC0 | (cp >> 6));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            } else {
                out += static_cast<char>(0xE0 | (cp >> 12));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            }
            i += 7;
        } else {
            out += text[i++];
        }
    }
    return out;
}

std::optional<std::uint32_t> to_u32(std::optional<std::string_view> s)
{
    if (!s) return std::nullopt;
    std::uint32_t v = 0;
    const auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc{} || p != s->data() + s->size()) return std::nullopt;
    return v;
}

}  // namespace xferd
