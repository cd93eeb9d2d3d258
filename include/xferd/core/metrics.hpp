// A small Prometheus metrics registry: counters, gauges and histograms with labels, rendered in
// the text exposition format 0.0.4. Pure (no I/O) and thread-safe: one mutex guards every
// family, since the store's writer thread records into it as well as the io_context thread.
// Bounded: each family holds at most `max_series` label combinations; a sample for a new
// combination beyond that is dropped (and counted in dropped_samples()), so a caller that
// passes an unexpected value cannot grow memory without end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace xferd::metrics {

using LabelValues = std::initializer_list<std::string_view>;

class Registry;

// Handles returned by the registry; cheap to copy, valid as long as the registry lives.
class Counter {
public:
    void inc(LabelValues labels = {}, double by = 1) const;  // `by` < 0 is ignored
private:
    friend class Registry;
    Counter(Registry* r, std::size_t id) : registry_(r), id_(id) {}
    Registry* registry_;
    std::size_t id_;
};

class Gauge {
public:
    void set(LabelValues labels, double value) const;
    void set(double value) const { set({}, value); }
    void add(LabelValues labels, double delta) const;
private:
    friend class Registry;
    Gauge(Registry* r, std::size_t id) : registry_(r), id_(id) {}
    Registry* registry_;
    std::size_t id_;
};

class Histogram {
public:
    void observe(LabelValues labels, double value) const;
    void observe(double value) const { observe({}, value); }
private:
    friend class Registry;
    Histogram(Registry* r, std::size_t id) : registry_(r), id_(id) {}
    Registry* registry_;
    std::size_t id_;
};

class Registry {
public:
    explicit Registry(std::size_t max_series = 200) : max_series_(max_series) {}
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // Registration throws std::invalid_argument for an invalid or duplicate name, a reserved
    // label name, or histogram bounds that are empty or not strictly increasing.
    Counter counter(std::string name, std::string help, std::vector<std::string> label_names = {});
    Gauge gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
    Histogram histogram(std::string name, std::string help, std::vector<double> bounds,
                        std::vector<std::string> label_names = {});

    // Families in registration order, series sorted by label values.
    [[nodiscard]] std::string render() const;
    [[nodiscard]] std::size_t dropped_samples() const;

private:
    friend class Counter;
    friend class Gauge;
    friend class Histogram;
    enum class Type { counter, gauge, histogram };
    struct Series {
        double value = 0;                   // counter, gauge; histogram: the sum
        std::vector<std::uint64_t> buckets; // histogram: per-bucket (not cumulative) counts
        std::uint64_t count = 0;            // histogram
    };
    struct Family {
        std::string name, help;
        Type type;
        std::vector<std::string> label_names;
        std::vector<double> bounds;
        std::map<std::vector<std::string>, Series> series;
    };
    std::size_t add_family(Family family);
    // The series for `labels`, created if there is room; nullptr when full. Caller holds mutex_.
    Series* series_for(std::size_t id, LabelValues labels);
    void record(std::size_t id, LabelValues labels, Type expected, double value, bool set);
    void render_family(std::string& out, const Family& f) const;

    mutable std::mutex mutex_;
    std::vector<Family> families_;
    std::size_t max_series_;
    std::size_t dropped_ = 0;
};

// The exposition text of a value: shortest round-trip decimal, "+Inf", "-Inf", "NaN".
std::string format_value(double v);
// A label value escaped for the exposition format: \ → \\, " → \", newline → \n.
std::string escape_label_value(std::string_view v);

}  // namespace xferd::metrics
