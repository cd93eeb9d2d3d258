#include "xferd/core/row.hpp"

namespace xferd {

std::string ParsedRow::error_text() const
{
    std::string out;
    for (const auto& e : errors) {
        if (!out.empty()) {
            out += "; ";
        }
        if (!e.column.empty()) {
            out += "column '" + e.column + "': ";
        }
        out += e.message;
    }
    return out;
}

}  // namespace xferd
