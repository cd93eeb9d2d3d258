#include "xferd/core/metrics.hpp"

#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>

namespace xferd::metrics {

namespace {

bool valid_name(std::string_view s, bool colon_allowed)
{
    if (s.empty()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (colon_allowed && c == ':') || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

// HELP text escapes only \ and newline (the format's rule, unlike label values).
std::string escape_help(std::string_view v)
{
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out.push_back(c);
    }
    return out;
}

void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, std::string_view extra_name = {},
                   std::string_view extra_value = {})
{
    if (names.empty() && extra_name.empty()) return;
    out.push_back('{');
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) out.push_back(',');
        out += names[i] + "=\"" + escape_label_value(values[i]) + "\"";
    }
    if (!extra_name.empty()) {
        if (!names.empty()) out.push_back(',');
        out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
    }
    out.push_back('}');
}

}  // namespace

std::string format_value(double v)
{
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    // Shortest round-trip digits; plain decimals for the usual range (0.0005, 1732972338.5).
    char buf[512];
    double a = std::fabs(v);
    bool plain = a == 0 || (a >= 1e-6 && a < 1e16);
    auto [end, ec] = plain ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                           : std::to_chars(buf, buf + sizeof buf, v);
    if (ec != std::errc{}) return "NaN";
    return std::string(buf, end);
}

std::string escape_label_value(std::string_view v)
{
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out.push_back(c);
    }
    return out;
}

void Counter::inc(LabelValues labels, double by) const
{
    if (!(by >= 0)) return;  // a counter only goes up (NaN refused too)
    registry_->record(id_, labels, Registry::Type::counter, by, false);
}

void Gauge::set(LabelValues labels, double value) const
{
    registry_->record(id_, labels, Registry::Type::gauge, value, true);
}

void Gauge::add(LabelValues labels, double delta) const
{
    registry_->record(id_, labels, Registry::Type::gauge, delta, false);
}

void Histogram::observe(LabelValues labels, double value) const
{
    if (std::isnan(value)) return;  // would poison the sum for good
    registry_->record(id_, labels, Registry::Type::histogram, value, false);
}

std::size_t Registry::add_family(Family family)
{
    if (!valid_name(family.name, true))
        throw std::invalid_argument("invalid metric name '" + family.name + "'");
    std::set<std::string> seen;
    for (const auto& l : family.label_names) {
        if (!valid_name(l, false) || l.starts_with("__") ||
            (family.type == Type::histogram && l == "le") || !seen.insert(l).second)
            throw std::invalid_argument(family.name + ": invalid or repeated label name '" + l + "'");
    }
    if (family.type == Type::histogram) {
        if (family.bounds.empty())
            throw std::invalid_argument(family.name + ": a histogram needs bucket bounds");
        for (std::size_t i = 0; i < family.bounds.size(); ++i)
            if (!std::isfinite(family.bounds[i]) || (i && family.bounds[i] <= family.bounds[i - 1]))
                throw std::invalid_argument(family.name + ": bucket bounds must increase strictly");
    }
    std::lock_guard lock(mutex_);
    for (const auto& f : families_)
        if (f.name == family.name) throw std::invalid_argument("metric '" + family.name + "' registered twice");
    families_.push_back(std::move(family));
    return families_.size() - 1;
}

Counter Registry::counter(std::string name, std::string help, std::vector<std::string> label_names)
{
    return Counter(this, add_family(Family{std::move(name), std::move(help), Type::counter,
                                           std::move(label_names), {}, {}}));
}

Gauge Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names)
{
    return Gauge(this, add_family(Family{std::move(name), std::move(help), Type::gauge,
                                         std::move(label_names), {}, {}}));
}

Histogram Registry::histogram(std::string name, std::string help, std::vector<double> bounds,
                              std::vector<std::string> label_names)
{
    return Histogram(this, add_family(Family{std::move(name), std::move(help), Type::histogram,
                                             std::move(label_names), std::move(bounds), {}}));
}

Registry::Series* Registry::series_for(std::size_t id, LabelValues labels)
{
    Family& f = families_.at(id);
    if (labels.size() != f.label_names.size())
        throw std::invalid_argument(f.name + ": expected " + std::to_string(f.label_names.size()) +
                                    " label values, got " + std::to_string(labels.size()));
    std::vector<std::string> key(labels.begin(), labels.end());
    auto it = f.series.find(key);
    if (it != f.series.end()) return &it->second;
    if (f.series.size() >= max_series_) {
        ++dropped_;
        return nullptr;
    }
    Series s;
    if (f.type == Type::histogram) s.buckets.assign(f.bounds.size(), 0);
    return &f.series.emplace(std::move(key), std::move(s)).first->second;
}

void Registry::record(std::size_t id, LabelValues labels, Type expected, double value, bool set)
{
    std::lock_guard lock(mutex_);
    if (families_.at(id).type != expected) throw std::logic_error("metric handle of the wrong type");
    Series* s = series_for(id, labels);
    if (s == nullptr) return;
    if (expected != Type::histogram) {
        s->value = set ? value : s->value + value;
        return;
    }
    const auto& bounds = families_[id].bounds;
    for (std::size_t i = 0; i < bounds.size(); ++i)
        if (value <= bounds[i]) {
            ++s->buckets[i];
            break;
        }
    s->value += value;
    ++s->count;
}

void Registry::render_family(std::string& out, const Family& f) const
{
    static constexpr const char* type_names[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + f.name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + f.name + " " + type_names[static_cast<int>(f.type)] + "\n";
    for (const auto& [values, s] : f.series) {
        if (f.type != Type::histogram) {
            out += f.name;
            append_labels(out, f.label_names, values);
            out += " " + format_value(s.value) + "\n";
            continue;
        }
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= f.bounds.size(); ++i) {
            bool inf = i == f.bounds.size();
            cumulative = inf ? s.count : cumulative + s.buckets[i];
            out += f.name + "_bucket";
            append_labels(out, f.label_names, values, "le", inf ? "+Inf" : format_value(f.bounds[i]));
            out += " " + std::to_string(cumulative) + "\n";
        }
        out += f.name + "_sum";
        append_labels(out, f.label_names, values);
        out += " " + format_value(s.value) + "\n";
        out += f.name + "_count";
        append_labels(out, f.label_names, values);
        out += " " + std::to_string(s.count) + "\n";
    }
}

std::string Registry::render() const
{
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& f : families_) render_family(out, f);
    return out;
}

std::size_t Registry::dropped_samples() const
{
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace xferd::metrics
