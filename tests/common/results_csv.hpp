// Reads a CSV report the way a person's spreadsheet would: header → value per row (tests only).
#pragma once

#include "xferd/core/csv_parser.hpp"

#include "test_files.hpp"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace xferd::test {

using CsvRow = std::map<std::string, std::string>;

inline std::vector<CsvRow> read_csv_report(const std::filesystem::path& file)
{
    std::string text = read_text(file);
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    CsvParser parser;
    std::vector<CsvRecord> records;
    if (!parser.feed(text, records) || !parser.finish(records)) throw std::runtime_error("bad CSV in " + file.string());
    if (records.empty()) throw std::runtime_error("no header in " + file.string());
    const auto header = records.front().fields;
    std::vector<CsvRow> rows;
    for (std::size_t i = 1; i < records.size(); ++i) {
        if (records[i].fields.size() == 1 && records[i].fields[0].empty()) continue;  // trailing line end
        CsvRow row;
        for (std::size_t c = 0; c < header.size() && c < records[i].fields.size(); ++c)
            row[header[c]] = records[i].fields[c];
        rows.push_back(row);
    }
    return rows;
}

}  // namespace xferd::test
