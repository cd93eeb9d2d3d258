// Text from outside (a file name someone chose, a value from a row) made safe to print on one
// line: control characters are escaped (\n, \r, \t, \x1b…), so a name with a newline cannot forge
// a log line on stderr or stdout. UTF-8 is kept as it is.
#pragma once

#include <string>
#include <string_view>

namespace xferd {

std::string printable(std::string_view text);

}  // namespace xferd
