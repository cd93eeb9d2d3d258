// YAML config → validated Config. Every problem found is reported at once, each naming the
// file, line and key, so an operator fixes the file in one pass. Secret values are read here
// and never copied into a message.
#include "xferd/core/config.hpp"

#include "xferd/core/csv_columns.hpp"

#include <boost/url/parse.hpp>
#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <set>
#include <system_error>

namespace xferd {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string trim(std::string_view s)
{
    auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
}

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

// The allowed key a typo most likely meant, if any is close enough to be a fair guess.
std::string suggestion(std::string_view key, const std::vector<std::string_view>& allowed)
{
    std::size_t limit = key.size() <= 4 ? 1 : key.size() <= 8 ? 2 : 3;
    std::string best;
    std::size_t best_distance = limit + 1;
    for (auto candidate : allowed) {
        std::size_t d = edit_distance(lower(key), candidate);
        if (d < best_distance) {
            best_distance = d;
            best = std::string(candidate);
        }
    }
    return best;
}

std::string errno_text(int err) { return std::generic_category().message(err); }

// Reads a small file whole. Errors name the file and the system's reason, never the content.
Result<std::string> read_small_file(const fs::path& path, std::size_t max_bytes)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return make_error("cannot read " + path.string() + ": " + errno_text(errno));
    std::string out;
    char buffer[8192];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return make_error("cannot read " + path.string() + ": " + errno_text(err));
        }
        if (n == 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
        if (out.size() > max_bytes) {
            ::close(fd);
            return make_error("cannot use " + path.string() + ": it is larger than " +
                              std::to_string(max_bytes / 1024) + " KiB; is it the right file?");
        }
    }
    ::close(fd);
    // Error is an aggregate of one string, so a bare string would be ambiguous here.
    return Result<std::string>(boost::system::in_place_value, std::move(out));
}

bool readable_by_others(const fs::path& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    return (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

// One `key: value` of a YAML map, with the key's position (a null value's own mark points at
// the next line, so errors use the key's).
struct Entry {
    std::string key;
    YAML::Node value;
    YAML::Mark mark;
};

// A YAML map whose keys have been checked against the allowed ones.
struct Section {
    std::string name;         // "api", "inbox[0]", "" for the top level
    bool present = false;     // the map exists in the file
    YAML::Mark mark;          // where it starts (or the document start)
    std::vector<Entry> entries;

    [[nodiscard]] const Entry* find(std::string_view key) const
    {
        for (const auto& e : entries)
            if (e.key == key) return &e;
        return nullptr;
    }
    [[nodiscard]] std::string dotted(std::string_view key) const
    {
        return name.empty() ? std::string(key) : name + "." + std::string(key);
    }
};

struct SecretSpec {
    std::string_view what;        // "client secret"
    std::string_view credential;  // systemd credential name
    std::string_view file_key;    // api.*_file
    std::string_view env_var;
    std::string_view yaml_key;    // the key refused in the YAML
};

constexpr SecretSpec client_secret_spec{"client secret", "client_secret", "client_secret_file",
                                        "XFERD_CLIENT_SECRET", "client_secret"};
constexpr SecretSpec password_spec{"password", "password", "password_file", "XFERD_PASSWORD",
                                   "password"};

constexpr std::size_t max_secret_bytes = 64 * 1024;

class Loader {
public:
    Loader(const fs::path& file, const EnvLookup& env, bool secrets = true)
        : secrets_(secrets),
          label_(file.string()),
          file_(fs::absolute(file).lexically_normal()),
          base_dir_(file_.parent_path()),
          env_(env)
    {
    }

    Result<Config> run();

private:
    void error_at(const YAML::Mark& mark, const std::string& message)
    {
        if (mark.is_null())
            errors_.emplace_back(std::numeric_limits<int>::max(), label_ + ": " + message);
        else
            errors_.emplace_back(mark.line, label_ + " line " + std::to_string(mark.line + 1) +
                                                ": " + message);
    }

    Section section(const YAML::Node& node, const YAML::Mark& mark, std::string name,
                    std::initializer_list<std::string_view> allowed);
    const Entry* require(const Section& s, std::string_view key, std::string_view hint);

    std::optional<std::string> text(const Section& s, const Entry* e);
    std::optional<std::string> url(const Section& s, const Entry* e);
    std::optional<fs::path> path(const Section& s, const Entry* e);
    std::optional<milliseconds> duration(const Section& s, const Entry* e, milliseconds min,
                                         milliseconds max);
    std::optional<std::uint64_t> integer(const Section& s, const Entry* e, std::uint64_t min,
                                         std::uint64_t max);
    std::optional<std::uint64_t> byte_size(const Section& s, const Entry* e, std::uint64_t min,
                                           std::uint64_t max);
    std::optional<double> real(const Section& s, const Entry* e, double min, double max,
                               std::string_view range_text);
    std::optional<bool> boolean(const Section& s, const Entry* e);
    std::optional<ApprovalMode> mode(const Section& s, const Entry* e);
    std::optional<ColumnMapping> columns(const Section& s, const Entry* e);
    std::optional<std::string> sheet(const Section& s, const Entry* e);

    void load_api(const Entry* e, ApiConfig& api);
    void load_secret(const Section& api, const SecretSpec& spec, std::string& value,
                     SecretSource& source);
    void load_inboxes(const Entry* e, Config& config);
    void load_approval(const Entry* e, ApprovalConfig& approval);
    void load_limits(const Entry* e, LimitsConfig& limits);
    void load_watch(const Entry* e, WatchConfig& watch);
    void load_metrics(const Entry* e, MetricsConfig& metrics);
    void load_notify(const Entry* e, NotifyConfig& notify);
    void load_state(const Entry* e, StateConfig& state);

    bool secrets_;          // false: secrets are not looked for (read-only commands)
    std::string label_;     // the file as the user named it, for messages
    fs::path file_;         // absolute
    fs::path base_dir_;     // relative paths are resolved against it
    const EnvLookup& env_;
    std::vector<std::pair<int, std::string>> errors_;  // (line, message)
};

Section Loader::section(const YAML::Node& node, const YAML::Mark& mark, std::string name,
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

const Entry* Loader::require(const Section& s, std::string_view key, std::string_view hint)
{
    const Entry* e = s.find(key);
    if (e == nullptr || e->value.IsNull()) {
        error_at(e ? e->mark : s.mark, "missing required key '" + s.dotted(key) + "' (" +
                                           std::string(hint) + ")");
        return nullptr;
    }
    return e;
}

std::optional<std::string> Loader::text(const Section& s, const Entry* e)
{
    if (e == nullptr || e->value.IsNull()) return std::nullopt;
    if (!e->value.IsScalar()) {
        error_at(e->mark, "'" + s.dotted(e->key) + "' must be a single value, not a list or map");
        return std::nullopt;
    }
    std::string value = e->value.Scalar();
    if (trim(value).empty()) {
        error_at(e->mark, "'" + s.dotted(e->key) + "' is empty");
        return std::nullopt;
    }
    return value;
}

std::optional<std::string> Loader::url(const Section& s, const Entry* e)
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

std::optional<fs::path> Loader::path(const Section& s, const Entry* e)
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

std::optional<milliseconds> Loader::duration(const Section& s, const Entry* e, milliseconds min,
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

std::optional<std::uint64_t> Loader::integer(const Section& s, const Entry* e, std::uint64_t min,
                                             std::uint64_t max)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    std::string t = trim(*value);
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

std::optional<std::uint64_t> Loader::byte_size(const Section& s, const Entry* e,
                                               std::uint64_t min, std::uint64_t max)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    std::string t = trim(*value);
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    std::string unit = trim(std::string_view(end, static_cast<std::size_t>(t.data() + t.size() - end)));
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

std::optional<double> Loader::real(const Section& s, const Entry* e, double min, double max,
                                   std::string_view range_text)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    std::string t = trim(*value);
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

std::optional<bool> Loader::boolean(const Section& s, const Entry* e)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    std::string v = lower(trim(*value));
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
    error_at(e->mark, "'" + s.dotted(e->key) + "' must be true or false, not '" + *value + "'");
    return std::nullopt;
}

std::optional<ApprovalMode> Loader::mode(const Section& s, const Entry* e)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    auto m = parse_approval_mode(trim(*value));
    if (!m)
        error_at(e->mark, "'" + s.dotted(e->key) + "' must be auto, manual or dry-run, not '" +
                              *value + "'");
    return m;
}

std::optional<ColumnMapping> Loader::columns(const Section& s, const Entry* e)
{
    if (e == nullptr || e->value.IsNull()) return std::nullopt;
    std::string name = s.dotted(e->key);
    if (!e->value.IsMap()) {
        error_at(e->mark, "'" + name + "' must be a map of 'Header In File: canonical_column' lines");
        return std::nullopt;
    }
    ColumnMapping mapping;
    std::map<std::string, std::string> by_key;  // normalised header → header as written
    bool ok = true;
    for (const auto& kv : e->value) {
        const YAML::Node key = kv.first;
        const YAML::Node value = kv.second;
        YAML::Mark mark = key.Mark();
        if (!key.IsScalar() || trim(key.Scalar()).empty()) {
            error_at(mark, "'" + name + "': a header name must be a non-empty text");
            ok = false;
            continue;
        }
        std::string header = key.Scalar();
        if (!value.IsScalar() || trim(value.Scalar()).empty()) {
            error_at(mark, "'" + name + "': header '" + header +
                               "' must map to one canonical column name");
            ok = false;
            continue;
        }
        std::string target = trim(value.Scalar());
        auto canonical = mapping_target(target);  // the batch reader's rule, so it accepts it too
        if (!canonical) {
            error_at(mark, "'" + name + "': header '" + header + "' maps to '" + target +
                               "', which is not a column xferd knows; use one of " +
                               mapping_targets_text());
            ok = false;
            continue;
        }
        auto [pos, inserted] = by_key.emplace(normalise_column_name(header), header);
        if (!inserted) {
            error_at(mark, "'" + name + "': headers '" + pos->second + "' and '" + header +
                               "' are the same header (names match ignoring case, spaces, '_' and "
                               "'-'); keep one");
            ok = false;
            continue;
        }
        mapping.emplace(header, *canonical);
    }
    if (!ok) return std::nullopt;
    return mapping;
}

void Loader::load_secret(const Section& api, const SecretSpec& spec, std::string& value,
                         SecretSource& source)
{
    if (const Entry* e = api.find(spec.yaml_key)) {
        // Never echo the value.
        error_at(e->mark, "'api." + std::string(spec.yaml_key) +
                              "': a secret does not belong in the config file (it is readable by "
                              "more people and ends up in backups); put it in a file and set "
                              "api." + std::string(spec.file_key) + ", or set the environment "
                              "variable " + std::string(spec.env_var) +
                              ", or use the systemd credential '" + std::string(spec.credential) +
                              "'");
        return;
    }
    if (!secrets_) return;

    auto from_file = [&](const fs::path& file, SecretSource::Kind kind, const YAML::Mark& mark) {
        auto content = read_small_file(file, max_secret_bytes);
        if (!content) {
            error_at(mark, "the " + std::string(spec.what) + ": " + content.error().message);
            return;
        }
        std::string secret = std::move(*content);
        if (!secret.empty() && secret.back() == '\n') {
            secret.pop_back();
            if (!secret.empty() && secret.back() == '\r') secret.pop_back();
        }
        if (secret.empty()) {
            error_at(mark, "the " + std::string(spec.what) + " file " + file.string() + " is empty");
            return;
        }
        if (secret.find_first_of("\r\n") != std::string::npos) {
            error_at(mark, "the " + std::string(spec.what) + " file " + file.string() +
                               " holds more than one line; it must hold only the secret");
            return;
        }
        value = std::move(secret);
        source.kind = kind;
        source.file = file;
        source.name = kind == SecretSource::Kind::credential ? std::string(spec.credential) : "";
        source.readable_by_others = readable_by_others(file);
    };

    // 1. systemd LoadCredential=NAME:… (the most protected place).
    if (auto dir = env_("CREDENTIALS_DIRECTORY"); dir && !dir->empty()) {
        fs::path file = fs::path(*dir) / std::string(spec.credential);
        std::error_code ec;
        if (fs::exists(file, ec)) {
            from_file(file, SecretSource::Kind::credential, api.mark);
            return;
        }
    }
    // 2. api.*_file.
    if (const Entry* e = api.find(spec.file_key); e && !e->value.IsNull()) {
        if (auto file = path(api, e)) from_file(*file, SecretSource::Kind::file, e->mark);
        return;
    }
    // 3. The environment.
    if (auto env_value = env_(std::string(spec.env_var))) {
        if (env_value->empty()) {
            error_at(api.mark, "the environment variable " + std::string(spec.env_var) +
                                   " is set but empty");
            return;
        }
        value = *env_value;
        source.kind = SecretSource::Kind::env;
        source.name = std::string(spec.env_var);
        return;
    }
    error_at(api.mark, "no " + std::string(spec.what) + " given; provide it in one of three ways: "
                           "api." + std::string(spec.file_key) + " (a file holding it), the "
                           "environment variable " + std::string(spec.env_var) +
                           ", or the systemd credential '" + std::string(spec.credential) +
                           "' (LoadCredential=" + std::string(spec.credential) + ":/path/to/file)");
}

void Loader::load_api(const Entry* e, ApiConfig& api)
{
    if (e == nullptr || e->value.IsNull()) {
        error_at(e ? e->mark : YAML::Mark::null_mark(),
                 "missing required section 'api' (base_url, token_url, tenant, client_id, "
                 "username, …)");
        return;
    }
    Section s = section(e->value, e->mark, "api",
                        {"base_url", "token_url", "tenant", "client_id", "client_secret_file",
                         "username", "password_file", "ca_file", "concurrency", "connect_timeout",
                         "tls_timeout", "request_timeout", "max_attempts", "retry_base_delay",
                         "retry_max_delay", "rate_limit", "outage_after", "reconcile_delay",
                         "max_response_bytes", "max_retry_after", "row_deadline",
                         // refused with their own message by load_secret:
                         "client_secret", "password"});
    if (!s.present) return;

    if (auto v = url(s, require(s, "base_url", "the MobProc API root, e.g. https://host/mobproc/v1")))
        api.base_url = *v;
    if (auto v = url(s, require(s, "token_url", "the OAuth token endpoint, e.g. https://host/as/token.oauth2")))
        api.token_url = *v;
    if (auto v = text(s, require(s, "tenant", "the customer code sent as X-TNGO-TENANT")))
        api.tenant = trim(*v);
    if (auto v = text(s, require(s, "client_id", "the OAuth client id")))
        api.client_id = trim(*v);
    if (auto v = text(s, require(s, "username", "e.g. command://svc-offboarding")))
        api.username = trim(*v);
    load_secret(s, client_secret_spec, api.client_secret, api.client_secret_source);
    load_secret(s, password_spec, api.password, api.password_source);

    // Not opened here: the demo's CA file appears only once the simulator has started. The
    // TLS setup reports a missing or unreadable file with its name.
    if (auto p = path(s, s.find("ca_file"))) api.ca_file = *p;
    if (auto v = integer(s, s.find("concurrency"), 1, 1024)) api.concurrency = static_cast<unsigned>(*v);
    using namespace std::chrono_literals;
    if (auto v = duration(s, s.find("connect_timeout"), 1ms, 3'600'000ms)) api.connect_timeout = *v;
    if (auto v = duration(s, s.find("tls_timeout"), 1ms, 3'600'000ms)) api.tls_timeout = *v;
    if (auto v = duration(s, s.find("request_timeout"), 1ms, 3'600'000ms)) api.request_timeout = *v;
    if (auto v = integer(s, s.find("max_attempts"), 1, 100)) api.max_attempts = static_cast<unsigned>(*v);
    const Entry* base = s.find("retry_base_delay");
    const Entry* max = s.find("retry_max_delay");
    if (auto v = duration(s, base, 1ms, 3'600'000ms)) api.retry_base_delay = *v;
    if (auto v = duration(s, max, 1ms, 3'600'000ms)) api.retry_max_delay = *v;
    if (api.retry_max_delay < api.retry_base_delay)
        error_at(max ? max->mark : base ? base->mark : s.mark,
                 "'api.retry_max_delay' (" + format_duration(api.retry_max_delay) +
                     ") must not be shorter than 'api.retry_base_delay' (" +
                     format_duration(api.retry_base_delay) + ")");
    if (auto v = duration(s, s.find("outage_after"), 1ms, 3'600'000ms)) api.outage_after = *v;
    if (auto v = duration(s, s.find("reconcile_delay"), 0ms, 3'600'000ms)) api.reconcile_delay = *v;
    if (auto v = real(s, s.find("rate_limit"), 0, 1e6, "of requests per second from 0 (no limit) to 1000000"))
        api.rate_limit = *v;
    if (auto v = byte_size(s, s.find("max_response_bytes"), 1024, std::uint64_t{1} << 30)) api.max_response_bytes = *v;
    if (auto v = duration(s, s.find("max_retry_after"), 0ms, 3'600'000ms)) api.max_retry_after = *v;
    if (auto v = duration(s, s.find("row_deadline"), 1ms, 86'400'000ms)) api.row_deadline = *v;
}

// An Excel tab name: 1 to 31 characters, none of : \ / ? * [ ].
std::optional<std::string> Loader::sheet(const Section& s, const Entry* e)
{
    auto v = text(s, e);
    if (!v) return std::nullopt;
    const auto chars = std::count_if(v->begin(), v->end(), [](char c) { return (c & 0xC0) != 0x80; });
    if (chars > 31 || v->find_first_of(":\\/?*[]") != std::string::npos) {
        error_at(e->mark, "'" + s.dotted(e->key) + "' is '" + *v + "', which cannot be an Excel sheet name (at most " +
                              "31 characters, none of : \\ / ? * [ ]): write the name as it is on the sheet's tab");
        return std::nullopt;
    }
    return v;
}

void Loader::load_inboxes(const Entry* e, Config& config)
{
    if (e == nullptr || e->value.IsNull()) return;
    std::vector<std::pair<YAML::Node, YAML::Mark>> items;
    if (e->value.IsSequence()) {
        for (const auto& item : e->value) items.emplace_back(item, item.Mark());
    } else {
        items.emplace_back(e->value, e->mark);  // one inbox: a path or a map
    }
    std::map<fs::path, std::size_t> seen;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& [node, mark] = items[i];
        std::string name = "inbox[" + std::to_string(i) + "]";
        InboxConfig inbox;
        std::optional<fs::path> p;
        if (node.IsScalar()) {
            Section holder;  // shorthand: "- /srv/xferd/inbox"
            Entry entry{name, node, mark};
            p = path(holder, &entry);
            inbox.columns = config.columns;
        } else if (node.IsMap()) {
            Section s = section(node, mark, name, {"path", "columns", "approval_mode", "sheet"});
            p = path(s, require(s, "path", "the folder to watch"));
            inbox.columns = config.columns;
            if (auto own = columns(s, s.find("columns"))) {
                // The inbox's own mapping wins over a top-level one for the same header.
                for (const auto& [header, target] : *own) {
                    std::erase_if(inbox.columns, [&](const auto& kv) {
                        return normalise_column_name(kv.first) == normalise_column_name(header);
                    });
                    inbox.columns.emplace(header, target);
                }
            }
            inbox.approval_mode = mode(s, s.find("approval_mode"));
            inbox.sheet = sheet(s, s.find("sheet"));
        } else {
            error_at(mark, "'" + name + "' must be a folder path or a map with 'path:'");
            continue;
        }
        if (!p) continue;
        if (auto [pos, inserted] = seen.emplace(*p, i); !inserted) {
            error_at(mark, "'" + name + "': " + p->string() + " is already inbox[" +
                               std::to_string(pos->second) + "]; list each folder once");
            continue;
        }
        inbox.path = *p;
        config.inboxes.push_back(std::move(inbox));
    }
}

void Loader::load_approval(const Entry* e, ApprovalConfig& approval)
{
    if (e == nullptr) return;
    Section s = section(e->value, e->mark, "approval",
                        {"mode", "max_reject_ratio", "check_service_active",
                         "check_service_number", "check_account_holder", "max_age"});
    if (auto v = mode(s, s.find("mode"))) approval.mode = *v;
    if (auto v = real(s, s.find("max_reject_ratio"), 0, 1, "from 0 to 1 (0.5 = half the rows)"))
        approval.max_reject_ratio = *v;
    if (auto v = boolean(s, s.find("check_service_active"))) approval.check_service_active = *v;
    if (auto v = boolean(s, s.find("check_service_number"))) approval.check_service_number = *v;
    if (auto v = boolean(s, s.find("check_account_holder"))) approval.check_account_holder = *v;
    using namespace std::chrono_literals;
    if (auto v = duration(s, s.find("max_age"), 1000ms, milliseconds(std::chrono::hours(24 * 366))))
        approval.max_age = std::chrono::duration_cast<std::chrono::seconds>(*v);
}

void Loader::load_limits(const Entry* e, LimitsConfig& limits)
{
    if (e == nullptr) return;
    Section s = section(e->value, e->mark, "limits",
                        {"max_file_bytes", "max_field_bytes", "max_row_bytes", "max_columns"});
    if (auto v = byte_size(s, s.find("max_file_bytes"), 1, std::uint64_t{1} << 50))
        limits.max_file_bytes = *v;
    const Entry* field = s.find("max_field_bytes");
    if (auto v = byte_size(s, field, 1, std::uint64_t{1} << 30))
        limits.max_field_bytes = static_cast<std::size_t>(*v);
    const Entry* row = s.find("max_row_bytes");
    if (auto v = byte_size(s, row, 1, std::uint64_t{1} << 30))
        limits.max_row_bytes = static_cast<std::size_t>(*v);
    if (auto v = integer(s, s.find("max_columns"), 1, 65536))
        limits.max_columns = static_cast<std::size_t>(*v);
    if (limits.max_field_bytes > limits.max_file_bytes)
        error_at(field ? field->mark : s.mark,
                 "'limits.max_field_bytes' must not be larger than 'limits.max_file_bytes'");
    else if (limits.max_field_bytes > limits.max_row_bytes)
        error_at(field ? field->mark : row ? row->mark : s.mark,
                 "'limits.max_field_bytes' (" + format_size(limits.max_field_bytes) +
                     ") must not be larger than 'limits.max_row_bytes' (" +
                     format_size(limits.max_row_bytes) + "): a row holds its fields; raise both");
}

void Loader::load_watch(const Entry* e, WatchConfig& watch)
{
    if (e == nullptr) return;
    Section s = section(e->value, e->mark, "watch",
                        {"settle", "rescan_interval", "max_parallel_batches", "shutdown_grace"});
    using namespace std::chrono_literals;
    if (auto v = duration(s, s.find("settle"), 0ms, 3'600'000ms)) watch.settle = *v;
    if (auto v = duration(s, s.find("rescan_interval"), 1000ms, 86'400'000ms))
        watch.rescan_interval = *v;
    if (auto v = integer(s, s.find("max_parallel_batches"), 1, 64))
        watch.max_parallel_batches = static_cast<unsigned>(*v);
    if (auto v = duration(s, s.find("shutdown_grace"), 0ms, 3'600'000ms)) watch.shutdown_grace = *v;
}

void Loader::load_metrics(const Entry* e, MetricsConfig& metrics)
{
    if (e == nullptr) return;
    Section s = section(e->value, e->mark, "metrics", {"listen"});
    const Entry* listen = s.find("listen");
    auto v = text(s, listen);
    if (!v) return;
    auto address = parse_listen_address(trim(*v));
    if (!address || address->port == 0)
        error_at(listen->mark, "'metrics.listen' must be IP:PORT or [IPv6]:PORT with a port from 1 to 65535, "
                               "e.g. 127.0.0.1:9469 or [::1]:9469, not '" + *v + "'");
    else
        metrics.listen = *address;
}

void Loader::load_notify(const Entry* e, NotifyConfig& notify)
{
    if (e == nullptr) return;
    Section s = section(e->value, e->mark, "notify", {"command", "webhook", "ca_file", "timeout"});
    if (const Entry* c = s.find("command")) {
        if (auto v = text(s, c)) {
            fs::path p(trim(*v));
            std::error_code ec;
            if (!p.is_absolute())
                error_at(c->mark, "'notify.command' must be the absolute path of a program (it is run without a "
                                  "shell; put arguments in a wrapper script), not '" + *v + "'");
            else if (!fs::is_regular_file(p, ec) || ::access(p.c_str(), X_OK) != 0)
                error_at(c->mark, "'notify.command': " + p.string() + " is not an executable file");
            else
                notify.command = p.lexically_normal();
        }
    }
    if (auto v = url(s, s.find("webhook"))) notify.webhook = *v;
    if (auto p = path(s, s.find("ca_file"))) notify.ca_file = *p;
    using namespace std::chrono_literals;
    if (auto v = duration(s, s.find("timeout"), 100ms, 600'000ms)) notify.timeout = *v;
}

void Loader::load_state(const Entry* e, StateConfig& state)
{
    if (!e) return;
    Section s = section(e->value, e->mark, "state", {"keep_snapshots"});
    if (!s.present) return;
    using namespace std::chrono_literals;
    if (auto v = duration(s, s.find("keep_snapshots"), 0ms, 100LL * 365 * 86'400'000ms)) state.keep_snapshots = *v;
}

Result<Config> Loader::run()
{
    auto content = read_small_file(file_, 4 * 1024 * 1024);
    if (!content) return make_error(content.error().message);

    YAML::Node root;
    try {
        root = YAML::Load(*content);
    } catch (const YAML::ParserException& e) {
        return make_error(label_ + " line " + std::to_string(e.mark.line + 1) + ": not valid YAML: " +
                          e.msg);
    } catch (const YAML::Exception& e) {
        return make_error(label_ + ": not valid YAML: " + e.msg);
    }
    if (root.IsNull() || !root.IsDefined())
        return make_error(label_ + ": the config file is empty; see config/xferd.example.yaml");

    Config config;
    config.config_file = file_;
    Section top = section(root, YAML::Mark::null_mark(), "",
                          {"api", "inbox", "columns", "sheet", "approval", "limits", "watch", "metrics", "notify",
                           "state_dir", "state"});
    if (!top.present) return make_error(errors_.front().second);

    load_api(top.find("api"), config.api);
    if (auto v = columns(top, top.find("columns"))) config.columns = std::move(*v);
    if (auto v = sheet(top, top.find("sheet"))) config.sheet = std::move(*v);
    load_inboxes(top.find("inbox"), config);
    load_approval(top.find("approval"), config.approval);
    load_limits(top.find("limits"), config.limits);
    load_watch(top.find("watch"), config.watch);
    load_metrics(top.find("metrics"), config.metrics);
    load_notify(top.find("notify"), config.notify);
    if (auto v = path(top, require(top, "state_dir", "where journals and the ledger live, e.g. /var/lib/xferd")))
        config.state_dir = *v;
    load_state(top.find("state"), config.state);

    if (!errors_.empty()) {
        // In file order, so the operator can work down the file.
        std::stable_sort(errors_.begin(), errors_.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        std::string message;
        for (std::size_t i = 0; i < errors_.size(); ++i)
            message += (i ? "\n" : "") + errors_[i].second;
        return make_error(std::move(message));
    }
    return config;
}

// YAML emitting helpers for describe_config.
void emit_duration(YAML::Emitter& out, const char* key, milliseconds d)
{
    out << YAML::Key << key << YAML::Value << format_duration(d);
}

void emit_columns(YAML::Emitter& out, const ColumnMapping& columns)
{
    if (columns.empty()) out << YAML::Flow;  // "columns: {}"
    out << YAML::BeginMap;
    for (const auto& [header, target] : columns) out << YAML::Key << header << YAML::Value << target;
    out << YAML::EndMap;
}

void emit_sheet(YAML::Emitter& out, const std::string& sheet)
{
    out << YAML::Key << "sheet" << YAML::Value;
    if (sheet.empty())
        out << YAML::Null << YAML::Comment(".xlsx: the first visible sheet");
    else
        out << sheet;
}

void emit_secret(YAML::Emitter& out, const char* key, const SecretSource& source)
{
    out << YAML::Key << key << YAML::Value << describe(source);
    if (source.readable_by_others)
        out << YAML::Comment("note: group/others may read " + source.file.string() +
                             "; chmod 600 is recommended");
}

// The webhook's path and query may carry its token (Slack, Teams): only scheme, host and port.
std::string redacted_webhook(const std::string& url)
{
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return "<redacted>";
    std::string origin = std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_authority());
    return parsed->encoded_path().empty() ? origin : origin + "/<redacted path>";
}

void emit_monitoring(YAML::Emitter& out, const Config& config)
{
    out << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap << YAML::Key << "listen" << YAML::Value;
    if (config.metrics.listen) out << to_string(*config.metrics.listen);
    else out << YAML::Null << YAML::Comment("off");
    out << YAML::EndMap;
    const NotifyConfig& n = config.notify;
    out << YAML::Key << "notify" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "command" << YAML::Value;
    if (n.command) out << n.command->string();
    else out << YAML::Null;
    out << YAML::Key << "webhook" << YAML::Value;
    if (n.webhook) out << redacted_webhook(*n.webhook);
    else out << YAML::Null;
    out << YAML::Key << "ca_file" << YAML::Value;
    if (n.ca_file) out << n.ca_file->string();
    else out << YAML::Null << YAML::Comment(config.api.ca_file ? "api.ca_file" : "the system trust store");
    emit_duration(out, "timeout", n.timeout);
    out << YAML::EndMap;
}

}  // namespace

EnvLookup process_env()
{
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* v = std::getenv(name.c_str())) return std::string(v);
        return std::nullopt;
    };
}

Result<Config> load_config(const std::filesystem::path& file, const EnvLookup& env)
{
    return Loader(file, env).run();
}

Result<Config> load_config_without_secrets(const std::filesystem::path& file, const EnvLookup& env)
{
    return Loader(file, env, false).run();
}

std::string to_string(ApprovalMode mode)
{
    switch (mode) {
    case ApprovalMode::automatic: return "auto";
    case ApprovalMode::manual: return "manual";
    case ApprovalMode::dry_run: return "dry-run";
    }
    return "auto";
}

std::optional<ApprovalMode> parse_approval_mode(std::string_view text)
{
    std::string v = lower(text);
    if (v == "auto") return ApprovalMode::automatic;
    if (v == "manual") return ApprovalMode::manual;
    if (v == "dry-run" || v == "dry_run" || v == "dryrun") return ApprovalMode::dry_run;
    return std::nullopt;
}

std::optional<milliseconds> parse_duration(std::string_view text)
{
    std::string t = trim(text);
    if (t.empty()) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value,
                                     std::chars_format::fixed);
    if (ec != std::errc{} || !std::isfinite(value) || value < 0) return std::nullopt;
    std::string unit = trim(std::string_view(end, static_cast<std::size_t>(t.data() + t.size() - end)));
    double factor = 0;
    if (unit.empty() || unit == "s") factor = 1000;
    else if (unit == "ms") factor = 1;
    else if (unit == "m" || unit == "min") factor = 60'000;
    else if (unit == "h") factor = 3'600'000;
    else if (unit == "d") factor = 86'400'000;
    else return std::nullopt;
    double ms = value * factor;
    if (ms > 1e15) return std::nullopt;  // far beyond any sane setting; avoids overflow
    return milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

std::string format_duration(milliseconds d)
{
    auto ms = d.count();
    if (ms != 0 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
    if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

std::string describe(const SecretSource& source)
{
    switch (source.kind) {
    case SecretSource::Kind::credential: return "<redacted, from credential " + source.name + ">";
    case SecretSource::Kind::file: return "<redacted, from " + source.file.string() + ">";
    case SecretSource::Kind::env: return "<redacted, from env " + source.name + ">";
    case SecretSource::Kind::none: break;
    }
    return "<not set>";
}

std::string describe_config(const Config& config)
{
    YAML::Emitter out;
    out << YAML::Comment("effective configuration from " + config.config_file.string() +
                         " (secrets redacted)");
    out << YAML::BeginMap;

    const ApiConfig& api = config.api;
    out << YAML::Key << "api" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "base_url" << YAML::Value << api.base_url;
    out << YAML::Key << "token_url" << YAML::Value << api.token_url;
    out << YAML::Key << "tenant" << YAML::Value << api.tenant;
    out << YAML::Key << "client_id" << YAML::Value << api.client_id;
    emit_secret(out, "client_secret", api.client_secret_source);
    out << YAML::Key << "username" << YAML::Value << api.username;
    emit_secret(out, "password", api.password_source);
    out << YAML::Key << "ca_file" << YAML::Value;
    if (api.ca_file)
        out << api.ca_file->string();
    else
        out << YAML::Null << YAML::Comment("the system trust store");
    out << YAML::Key << "concurrency" << YAML::Value << api.concurrency;
    emit_duration(out, "connect_timeout", api.connect_timeout);
    emit_duration(out, "tls_timeout", api.tls_timeout);
    emit_duration(out, "request_timeout", api.request_timeout);
    out << YAML::Key << "max_attempts" << YAML::Value << api.max_attempts;
    emit_duration(out, "retry_base_delay", api.retry_base_delay);
    emit_duration(out, "retry_max_delay", api.retry_max_delay);
    emit_duration(out, "outage_after", api.outage_after);
    emit_duration(out, "reconcile_delay", api.reconcile_delay);
    out << YAML::Key << "rate_limit" << YAML::Value << api.rate_limit;
    if (api.rate_limit == 0) out << YAML::Comment("no limit");
    out << YAML::Key << "max_response_bytes" << YAML::Value << format_size(api.max_response_bytes);
    emit_duration(out, "max_retry_after", api.max_retry_after);
    emit_duration(out, "row_deadline", api.row_deadline);
    out << YAML::EndMap;

    out << YAML::Key << "inbox" << YAML::Value << YAML::BeginSeq;
    for (const auto& inbox : config.inboxes) {
        out << YAML::BeginMap;
        out << YAML::Key << "path" << YAML::Value << inbox.path.string();
        out << YAML::Key << "columns" << YAML::Value;
        emit_columns(out, inbox.columns);
        out << YAML::Key << "approval_mode" << YAML::Value
            << to_string(inbox.approval_mode.value_or(config.approval.mode));
        emit_sheet(out, inbox.sheet.value_or(config.sheet));
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;

    out << YAML::Key << "columns" << YAML::Value;
    emit_columns(out, config.columns);
    emit_sheet(out, config.sheet);

    const ApprovalConfig& approval = config.approval;
    out << YAML::Key << "approval" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "mode" << YAML::Value << to_string(approval.mode);
    out << YAML::Key << "max_reject_ratio" << YAML::Value << approval.max_reject_ratio;
    out << YAML::Key << "check_service_active" << YAML::Value << approval.check_service_active;
    out << YAML::Key << "check_service_number" << YAML::Value << approval.check_service_number;
    out << YAML::Key << "check_account_holder" << YAML::Value << approval.check_account_holder;
    emit_duration(out, "max_age", std::chrono::duration_cast<milliseconds>(approval.max_age));
    out << YAML::EndMap;

    out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "max_file_bytes" << YAML::Value << format_size(config.limits.max_file_bytes);
    out << YAML::Key << "max_field_bytes" << YAML::Value << format_size(config.limits.max_field_bytes);
    out << YAML::Key << "max_row_bytes" << YAML::Value << format_size(config.limits.max_row_bytes);
    out << YAML::Key << "max_columns" << YAML::Value << config.limits.max_columns;
    out << YAML::EndMap;

    out << YAML::Key << "watch" << YAML::Value << YAML::BeginMap;
    emit_duration(out, "settle", config.watch.settle);
    emit_duration(out, "rescan_interval", config.watch.rescan_interval);
    out << YAML::Key << "max_parallel_batches" << YAML::Value << config.watch.max_parallel_batches;
    emit_duration(out, "shutdown_grace", config.watch.shutdown_grace);
    out << YAML::EndMap;

    emit_monitoring(out, config);
    out << YAML::Key << "state_dir" << YAML::Value << config.state_dir.string();
    out << YAML::Key << "state" << YAML::Value << YAML::BeginMap;
    emit_duration(out, "keep_snapshots", config.state.keep_snapshots);
    if (config.state.keep_snapshots.count() == 0) out << YAML::Comment("kept forever");
    out << YAML::EndMap;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace xferd
