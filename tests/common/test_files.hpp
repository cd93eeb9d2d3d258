// Reading test data files (tests only).
#pragma once

#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace xferd::test {

inline std::string read_text(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read test file " + p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::filesystem::path source_path(const std::string& relative)
{
    return std::filesystem::path(XFERD_SOURCE_DIR) / relative;
}

inline boost::json::value read_json(const std::string& relative_to_source)
{
    return boost::json::parse(read_text(source_path(relative_to_source)));
}

}  // namespace xferd::test
