// Test helpers for the batch reader: read a whole input in chunks of a given size (or split
// at given points), and render the outcome as one text so two readings compare in one check.
#pragma once

#include "xferd/core/batch_reader.hpp"

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace xferd::test {

struct ReadResult {
    std::vector<ParsedRow> rows;
    std::optional<FileError> error;
    std::vector<std::string> header;
    std::vector<std::string> ignored;
    char delimiter = 0;
};

// Feeds `input` cut at each of `cuts` (ascending offsets), then finishes.
inline ReadResult read_cut(BatchFormat format, std::string_view input, const std::vector<std::size_t>& cuts,
                           const ColumnMapping& mapping = {}, BatchLimits limits = {})
{
    BatchReader reader(format, mapping, limits);
    ReadResult r;
    std::size_t from = 0;
    bool ok = true;
    for (const auto cut : cuts) {
        if (ok && cut >= from && cut <= input.size()) {
            ok = reader.feed(input.substr(from, cut - from), r.rows);
            from = cut;
        }
    }
    if (ok) {
        ok = reader.feed(input.substr(from), r.rows);
    }
    if (ok) {
        reader.finish(r.rows);
    }
    r.error = reader.error();
    r.header = reader.header();
    r.ignored = reader.ignored_columns();
    r.delimiter = reader.delimiter();
    return r;
}

// Feeds `input` in chunks of `chunk` bytes (0: all at once).
inline ReadResult read_chunked(BatchFormat format, std::string_view input, std::size_t chunk = 0,
                               const ColumnMapping& mapping = {}, BatchLimits limits = {})
{
    std::vector<std::size_t> cuts;
    if (chunk > 0) {
        for (std::size_t at = chunk; at < input.size(); at += chunk) {
            cuts.push_back(at);
        }
    }
    return read_cut(format, input, cuts, mapping, limits);
}

// Everything a user could see of a reading, as text.
inline std::string render(const ReadResult& r)
{
    std::ostringstream os;
    for (const auto& p : r.rows) {
        const auto& t = p.row;
        os << "row " << t.row << " | " << t.external_order_number << " | " << t.service_id << " | "
           << t.service_number << " | " << t.contact_number << " | " << t.personal_email << " | "
           << t.additional_instructions << " | " << t.employee_email << " | " << t.employee_id;
        for (const auto& e : t.extra_properties) {
            os << " | " << e.group_id << "." << e.id << "=" << e.text;
        }
        os << " || " << p.error_text() << "\n";
    }
    if (r.error) {
        os << "FILE ERROR: " << r.error->message << " @" << r.error->byte_offset.value_or(~0ull) << " line "
           << r.error->line.value_or(0) << "\n";
    }
    for (const auto& h : r.header) {
        os << "[" << h << "]";
    }
    os << " ignored:";
    for (const auto& h : r.ignored) {
        os << "[" << h << "]";
    }
    os << " delimiter:" << static_cast<int>(r.delimiter) << "\n";
    return os.str();
}

inline std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

#ifdef XFERD_SOURCE_DIR
inline std::string batch_path(const std::string& name)
{
    std::string path = XFERD_SOURCE_DIR;  // appended step by step: GCC 12 warns on a + chain here
    path += "/tests/data/batches/";
    path += name;
    return path;
}
#endif

}  // namespace xferd::test
