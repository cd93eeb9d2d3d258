#include "xferd/core/yaml_section.hpp"

#include "xferd/core/config.hpp"  // parse_duration, format_duration

#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <system_error>

namespace xferd {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

// Edit distance counting a swap of two neighbours as one edit ("paht" → "path").
std::size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

// The allowed key a typo most likely meant, if any is close enough to be a fair guess.
std::string suggestion(std::string_view key, const std::vector<std::string_view>& allowed)
{
    std::size_t limit = key.size() <= 4 ? 1 : key.size() <= 8 ? 2 : 3;
    std::string best;
    std::size_t best_distance = limit + 1;
    for (auto candidate : allowed) {
        std::size_t d = edit_distance(lower_ascii(key), candidate);
        if (d < best_distance) {
            best_distance = d;
            best = std::string(candidate);
        }
    }
    return best;
}

std::optional<int> line_of(const YAML::Mark& mark)
{
    if (mark.is_null()) return std::nullopt;
    return mark.line;
}

const Entry* Section::find(std::string_view key) const
{
    for (const auto& e : entries)
        if (e.key == key) return &e;
    return nullptr;
}

std::string Section::dotted(std::string_view key) const
{
    return name.empty() ? std::string(key) : name + "." + std::string(key);
}

Section SectionReader::section(const YAML::Node& node, const YAML::Mark& mark, std::string name,
                        std::initializer_list<std::string_view> allowed)
{
    Section s;
    s.name = std::move(name);
    s.mark = mark;
    if (!node.IsDefined() || node.IsNull()) return s;
    std::string where = s.name.empty() ? "the top level" : "'" + s.name + "'";
    if (!node.IsMap()) {
        error_at(mark, (s.name.empty() ? std::string("the config") : "'" + s.name + "'") +
                           " must be a map of 'key: value' lines");
        return s;
    }
    s.present = true;
    std::vector<std::string_view> allowed_keys(allowed);
    std::set<std::string> seen;
    for (const auto& kv : node) {  // the iterator's -> yields a temporary: copy the pair
        const YAML::Node key_node = kv.first;
        YAML::Mark key_mark = key_node.Mark();
        if (!key_node.IsScalar()) {
            error_at(key_mark, "a key under " + where + " must be a plain name");
            continue;
        }
        std::string key = key_node.Scalar();
        if (!seen.insert(key).second) {
            error_at(key_mark, "key '" + key + "' appears twice under " + where +
                                   "; keep only one");
            continue;
        }
        if (std::find(allowed_keys.begin(), allowed_keys.end(), key) == allowed_keys.end()) {
            std::string message = "unknown key '" + key + "' under " + where;
            if (std::string guess = suggestion(key, allowed_keys); !guess.empty())
                message += " (did you mean '" + guess + "'?)";
            else {
                message += "; known keys: ";
                for (std::size_t i = 0; i < allowed_keys.size(); ++i)
                    message += (i ? ", " : "") + std::string(allowed_keys[i]);
            }
            error_at(key_mark, message);
            continue;
        }
        s.entries.push_back(Entry{key, kv.second, key_mark});
    }
    return s;
}

const Entry* SectionReader::require(const Section& s, std::string_view key, std::string_view hint)
{
    const Entry* e = s.find(key);
    if (e == nullptr || e->value.IsNull()) {
        error_at(e ? e->mark : s.mark, "missing required key '" + s.dotted(key) + "' (" +
                                           std::string(hint) + ")");
        return nullptr;
    }
    return e;
}

std::optional<std::string> SectionReader::text(const Section& s, const Entry* e)
{
    if (e == nullptr || e->value.IsNull()) return std::nullopt;
    if (!e->value.IsScalar()) {
        error_at(e->mark, "'" + s.dotted(e->key) + "' must be a single value, not a list or map");
        return std::nullopt;
    }
    std::string value = e->value.Scalar();
    if (trim_blanks(value).empty()) {
        error_at(e->mark, "'" + s.dotted(e->key) + "' is empty");
        return std::nullopt;
    }
    return value;
}

std::optional<std::string> SectionReader::url(const Section& s, const Entry* e)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    std::string name = "'" + s.dotted(e->key) + "'";
    auto parsed = boost::urls::parse_uri(*value);
    if (!parsed) {
        error_at(e->mark, name + " is not a valid URL; write it as https://host[:port]/path");
        return std::nullopt;
    }
    const auto& u = *parsed;
    if (u.scheme_id() == boost::urls::scheme::http) {
        error_at(e->mark, name + " must be an https:// URL, not http://: xferd talks to the API only "
                                 "over TLS, TLS verification is always on and there is no way to "
                                 "turn it off (use api.ca_file to trust a private CA)");
        return std::nullopt;
    }
    if (u.scheme_id() != boost::urls::scheme::https) {
        error_at(e->mark, name + " must be an https:// URL (https://host[:port]/path)");
        return std::nullopt;
    }
    if (!u.has_authority() || u.encoded_host().empty()) {
        error_at(e->mark, name + " has no host name; write it as https://host[:port]/path");
        return std::nullopt;
    }
    if (u.has_userinfo()) {
        // Never echo the value: it carries a credential.
        error_at(e->mark, name + " must not contain a user name or password; give the client "
                                 "secret and password through the *_file keys or the environment");
        return std::nullopt;
    }
    if (u.has_query() || u.has_fragment()) {
        error_at(e->mark, name + " must not have a '?query' or '#fragment' part");
        return std::nullopt;
    }
    std::string out = *value;
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

std::optional<fs::path> SectionReader::path(const Section& s, const Entry* e)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    if (value->front() == '~') {
        error_at(e->mark, "'" + s.dotted(e->key) + "': '~' is not expanded; write the full path");
        return std::nullopt;
    }
    fs::path p(*value);
    if (p.is_relative()) p = base_dir_ / p;
    p = p.lexically_normal();
    if (!p.has_filename() && p != p.root_path()) p = p.parent_path();  // "dir/" → "dir"
    return p;
}

std::optional<milliseconds> SectionReader::duration(const Section& s, const Entry* e, milliseconds min,
                                             milliseconds max)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    auto d = parse_duration(*value);
    std::string name = "'" + s.dotted(e->key) + "'";
    if (!d) {
        error_at(e->mark, name + " must be a duration such as 500ms, 10s, 2m, 1h, 1d or a number of "
                                 "seconds, not '" + *value + "'");
        return std::nullopt;
    }
    if (*d < min || *d > max) {
        error_at(e->mark, name + " must be between " + format_duration(min) + " and " +
                              format_duration(max) + ", not " + *value);
        return std::nullopt;
    }
    return d;
}

std::optional<std::uint64_t> SectionReader::integer(const Section& s, const Entry* e, std::uint64_t min,
                                             std::uint64_t max)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    std::string t = trim_blanks(*value);
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc{} || end != t.data() + t.size() || n < min || n > max) {
        error_at(e->mark, "'" + s.dotted(e->key) + "' must be a whole number from " +
                              std::to_string(min) + " to " + std::to_string(max) + ", not '" +
                              *value + "'");
        return std::nullopt;
    }
    return n;
}

std::optional<std::uint64_t> SectionReader::byte_size(const Section& s, const Entry* e,
                                               std::uint64_t min, std::uint64_t max)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    std::string t = trim_blanks(*value);
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    std::string unit = trim_blanks(std::string_view(end, static_cast<std::size_t>(t.data() + t.size() - end)));
    std::uint64_t factor = 0;
    if (unit.empty()) factor = 1;
    else if (unit == "KiB") factor = 1024;
    else if (unit == "MiB") factor = 1024 * 1024;
    else if (unit == "GiB") factor = 1024ull * 1024 * 1024;
    bool ok = ec == std::errc{} && end != t.data() && factor != 0 &&
              n <= std::numeric_limits<std::uint64_t>::max() / factor;
    if (ok) n *= factor;
    if (!ok || n < min || n > max) {
        error_at(e->mark, "'" + s.dotted(e->key) + "' must be a size from " + std::to_string(min) +
                              " to " + std::to_string(max) +
                              " bytes (a number, optionally with KiB, MiB or GiB), not '" +
                              *value + "'");
        return std::nullopt;
    }
    return n;
}

std::optional<double> SectionReader::real(const Section& s, const Entry* e, double min, double max,
                                   std::string_view range_text)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    std::string t = trim_blanks(*value);
    double d = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
    if (ec != std::errc{} || end != t.data() + t.size() || !std::isfinite(d) || d < min ||
        d > max) {
        error_at(e->mark, "'" + s.dotted(e->key) + "' must be a number " + std::string(range_text) +
                              ", not '" + *value + "'");
        return std::nullopt;
    }
    return d;
}

std::optional<bool> SectionReader::boolean(const Section& s, const Entry* e)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    std::string v = lower_ascii(trim_blanks(*value));
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
    error_at(e->mark, "'" + s.dotted(e->key) + "' must be true or false, not '" + *value + "'");
    return std::nullopt;
}

}  // namespace xferd
