// The generic layer under the config schema: YAML maps whose keys are checked against the
// allowed ones ("did you mean …?"), and typed getters that record every problem with its line
// instead of stopping at the first. Pure: it is handed a parsed YAML tree, never a file.
#pragma once

#include "xferd/core/ascii_text.hpp"
#include "xferd/core/config_errors.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

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

    [[nodiscard]] const Entry* find(std::string_view key) const;
    [[nodiscard]] std::string dotted(std::string_view key) const;  // "api.base_url"
};

// The line of a mark for ConfigErrors (none for the null mark).
std::optional<int> line_of(const YAML::Mark& mark);

// The allowed key a typo most likely meant, or "" when none is close enough to be a fair guess.
std::string suggestion(std::string_view key, const std::vector<std::string_view>& allowed);

// Reads sections and typed values; each getter returns nullopt (and records why) when the
// value is there but unusable, and nullopt silently when the entry is absent.
class SectionReader {
public:
    // Relative paths are resolved against `base_dir` (the config file's folder).
    SectionReader(ConfigErrors& errors, std::filesystem::path base_dir)
        : errors_(errors), base_dir_(std::move(base_dir))
    {
    }

    void error_at(const YAML::Mark& mark, const std::string& message)
    {
        errors_.add(line_of(mark), message);
    }

    Section section(const YAML::Node& node, const YAML::Mark& mark, std::string name,
                    std::initializer_list<std::string_view> allowed);
    const Entry* require(const Section& s, std::string_view key, std::string_view hint);

    std::optional<std::string> text(const Section& s, const Entry* e);
    std::optional<std::string> url(const Section& s, const Entry* e);  // https only, no userinfo
    std::optional<std::filesystem::path> path(const Section& s, const Entry* e);
    std::optional<std::chrono::milliseconds> duration(const Section& s, const Entry* e,
                                                      std::chrono::milliseconds min,
                                                      std::chrono::milliseconds max);
    std::optional<std::uint64_t> integer(const Section& s, const Entry* e, std::uint64_t min,
                                         std::uint64_t max);
    std::optional<std::uint64_t> byte_size(const Section& s, const Entry* e, std::uint64_t min,
                                           std::uint64_t max);
    std::optional<double> real(const Section& s, const Entry* e, double min, double max,
                               std::string_view range_text);
    std::optional<bool> boolean(const Section& s, const Entry* e);

private:
    ConfigErrors& errors_;
    std::filesystem::path base_dir_;
};

}  // namespace xferd
