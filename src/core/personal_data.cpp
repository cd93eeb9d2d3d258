#include "xferd/core/personal_data.hpp"

#include <cctype>

namespace xferd {

namespace {

bool email_char(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '.' || c == '_' || c == '-' || c == '+' || c == '%' || u >= 0x80;
}

bool digit(char c) { return c >= '0' && c <= '9'; }
bool phone_glue(char c) { return c == ' ' || c == '.' || c == '-' || c == '(' || c == ')'; }

}  // namespace

std::string mask_personal_data(std::string_view t)
{
    std::string out;
    out.reserve(t.size());
    for (std::size_t i = 0; i < t.size();) {
        if (t[i] == '@') {
            // Back out the local part already copied, keep its first character.
            std::size_t local = out.size();
            while (local > 0 && email_char(out[local - 1])) --local;
            std::size_t domain_end = i + 1;
            while (domain_end < t.size() && email_char(t[domain_end])) ++domain_end;
            const bool has_dot = t.substr(i + 1, domain_end - i - 1).find('.') != std::string_view::npos;
            if (local < out.size() && has_dot) {
                out.resize(local + 1);
                out += "***";
                out.append(t.substr(i, domain_end - i));
                i = domain_end;
                continue;
            }
        }
        if (digit(t[i]) || (t[i] == '+' && i + 1 < t.size() && digit(t[i + 1]))) {
            std::size_t end = i + (t[i] == '+' ? 1 : 0), digits = 0, last_digit = i;
            std::string kept;
            while (end < t.size()) {
                if (digit(t[end])) {
                    ++digits;
                    last_digit = end;
                    kept += t[end++];
                    continue;
                }
                std::size_t glue = end;   // ") " or " - " between digit groups
                while (glue < t.size() && glue - end < 3 && phone_glue(t[glue])) ++glue;
                if (glue == end || glue >= t.size() || !digit(t[glue])) break;
                end = glue;
            }
            // Only a number of its own: "HR-2026-11-1001" is an order number, not a phone.
            const char before = i > 0 ? t[i - 1] : ' ';
            const bool own_token = before == ' ' || before == '\'' || before == '"' || before == '(' ||
                                   before == ':' || before == '=' || before == ',';
            if (digits >= 7 && own_token) {
                out += "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2";   // •••
                out += kept.substr(kept.size() - 2);
                i = last_digit + 1;
                continue;
            }
            out.append(t.substr(i, end - i));
            i = end;
            continue;
        }
        out += t[i++];
    }
    return out;
}

}  // namespace xferd
