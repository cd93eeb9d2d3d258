// Personal data in text an operator's terminal shows (xferd validate): e-mail addresses and
// phone numbers are masked unless asked for, so a screen share or a pasted ticket does not carry
// them. Pure.
#pragma once

#include <string>
#include <string_view>

namespace xferd {

// "peter.edwards@example.com" → "p***@example.com"; a run of 7 or more digits (spaces, dots,
// dashes and brackets between them, a leading +) → "•••11" (the last two digits kept, so a row
// can still be told apart). Everything else unchanged.
std::string mask_personal_data(std::string_view text);

}  // namespace xferd
