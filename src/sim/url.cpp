#include "xferd/sim/url.hpp"

namespace xferd::sim {

const std::string* Target::param(std::string_view name) const
{
    for (auto& [k, v] : query)
        if (k == name)
            return &v;
    return nullptr;
}

namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> form_decode(std::string_view text, bool plus_is_space)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size())
                return std::nullopt;
            int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            out.push_back(char(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::optional<Params> parse_form(std::string_view text)
{
    Params out;
    while (!text.empty()) {
        auto amp = text.find('&');
        auto pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (pair.empty())
            continue;
        auto eq = pair.find('=');
        auto key = form_decode(pair.substr(0, eq));
        auto value = eq == std::string_view::npos ? std::optional<std::string>{""}
                                                  : form_decode(pair.substr(eq + 1));
        if (!key || !value)
            return std::nullopt;
        out.emplace_back(std::move(*key), std::move(*value));
    }
    return out;
}

std::optional<Target> parse_target(std::string_view target)
{
    if (target.empty() || target.front() != '/')
        return std::nullopt;
    auto q = target.find('?');
    auto path = form_decode(target.substr(0, q), false);
    if (!path)
        return std::nullopt;
    Target t{std::move(*path), {}};
    if (q != std::string_view::npos) {
        auto query = target.substr(q + 1);
        if (auto hash = query.find('#'); hash != std::string_view::npos)
            query = query.substr(0, hash);
        auto params = parse_form(query);
        if (!params)
            return std::nullopt;
        t.query = std::move(*params);
    }
    return t;
}

std::string pct_encode(std::string_view text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '.' || c == '_' || c == '~') {
            out.push_back(char(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

}  // namespace xferd::sim
