// Text formatting for the HTML report: every value escaped, numbers kept on one line, e-mail
// addresses and hashes broken only where a reader expects it.
#include "xferd/batch/report.hpp"
#include "xferd/batch/report_html_parts.hpp"

#include <cctype>

namespace xferd::report_html {

namespace {

constexpr std::size_t longest_number = 28;  // "+44 (0) 7700 900123 ext. 45" is 27

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "YYYY-MM-DDTHH:MM:SS" at the start of `s` (what format_iso8601 writes).
bool looks_iso(std::string_view s)
{
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
        if (!is_digit(s[i])) return false;
    return true;
}

bool utc(std::string_view s) { return s.ends_with('Z') || s.ends_with("+00:00"); }

}  // namespace

std::string clipped(std::string_view value, std::size_t limit)
{
    if (value.size() <= limit) return html_escape(value);
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    return html_escape(value.substr(0, cut)) + "&hellip; <span class=\"sub\">(" + thousands(value.size() - cut) +
           " more bytes, in the CSV)</span>";
}

std::string number(std::string_view value)
{
    const char* cls = value.size() > longest_number ? "num long" : "num";
    return std::string("<span class=\"") + cls + "\">" + clipped(value, longest_value) + "</span>";
}

std::string email(std::string_view value)
{
    if (value.size() > longest_value) return "<span class=\"email\">" + clipped(value, longest_value) + "</span>";
    std::string out = "<span class=\"email\">";
    for (char c : value) {
        if (c == '@') out += "<wbr>";
        out += html_escape(std::string_view(&c, 1));
        if (c == '.') out += "<wbr>";
    }
    return out + "</span>";
}

std::string readable_time(std::string_view iso)
{
    if (!looks_iso(iso) || !utc(iso)) return std::string(iso);
    return std::string(iso.substr(0, 10)) + " " + std::string(iso.substr(11, 5)) + " UTC";
}

std::string timestamp(std::string_view iso)
{
    std::string text = readable_time(iso);
    if (text == iso) return number(text);  // not ours to reformat
    return number(std::string_view(text).substr(0, 10)) + " " + number(std::string_view(text).substr(11));
}

std::string readable_date(std::string_view iso)
{
    return std::string(looks_iso(iso) ? iso.substr(0, 10) : iso);
}

std::string thousands(std::size_t n)
{
    std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string file_href(const std::filesystem::path& file)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out = "./";
    for (char c : file.filename().string()) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '.' || c == '-' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0xf];
        }
    }
    return out;
}

std::string hash(std::string_view hex)
{
    std::string out = "<code class=\"hash\">";
    for (std::size_t i = 0; i < hex.size(); i += 16) {
        if (i != 0) out += "<wbr>";
        out += html_escape(hex.substr(i, 16));
    }
    return out + "</code>";
}

}  // namespace xferd::report_html
