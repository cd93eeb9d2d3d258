// ASCII-only text helpers for names and keywords (file extensions, config keys, enum spellings):
// locale-free, so "I" is "i" everywhere.
#pragma once

#include <string>
#include <string_view>

namespace xferd {

std::string lower_ascii(std::string_view s);
std::string trim_blanks(std::string_view s);  // spaces and tabs at both ends

}  // namespace xferd
