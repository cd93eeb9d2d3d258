#include "xferd/core/row_validation.hpp"

#include <algorithm>
#include <utility>

namespace xferd {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// Characters, not bytes (the input is valid UTF-8 by now).
std::size_t utf8_length(std::string_view s)
{
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// C0 controls, DEL, and the C1 controls (U+0080–U+009F, encoded C2 80–C2 9F).
bool has_control(std::string_view s, bool allow_line_breaks)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (allow_line_breaks && (c == '\n' || c == '\r' || c == '\t')) {
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            return true;
        }
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
            return true;
        }
    }
    return false;
}

// The value as shown in a message: quoted, and cut short so a huge cell stays readable.
std::string quoted(std::string_view v)
{
    constexpr std::size_t max_bytes = 48;
    if (v.size() <= max_bytes) {
        return "'" + std::string(v) + "'";
    }
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    return "'" + std::string(v.substr(0, cut)) + "…'";
}

constexpr std::string_view fix_sheet =
    "format the column as Text before pasting the values (Home → Number → Text), or re-export "
    "the file from the source system";

// [+-]digits[(.|,)digits](e|E)(+|-)digits — Excel always writes the exponent's sign.
bool is_scientific(std::string_view s)
{
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        ++i;
    }
    const auto digits = [&] {
        const std::size_t from = i;
        while (i < s.size() && is_digit(s[i])) {
            ++i;
        }
        return i > from;
    };
    if (!digits()) {
        return false;
    }
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        if (!digits()) {
            return false;
        }
    }
    if (i >= s.size() || (s[i] != 'e' && s[i] != 'E')) {
        return false;
    }
    ++i;
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) {
        return false;
    }
    ++i;
    return digits() && i == s.size();
}

// digits then .0 / .00 (or ,0): a number column saved with decimals (Excel, pandas).
bool has_decimal_tail(std::string_view s)
{
    const auto sep = s.find_first_of(".,");
    if (sep == std::string_view::npos || sep == 0) {
        return false;
    }
    const auto frac = s.substr(sep + 1);
    return all_digits(s.substr(0, sep)) && !frac.empty() && frac.size() <= 2 &&
           frac.find_first_not_of('0') == std::string_view::npos;
}

Error error(std::string message) { return make_error(ErrorKind::row, std::move(message)); }

// result<string, Error> cannot take a plain string implicitly (Error is constructible from one).
Result<std::string> ok(std::string value)
{
    return Result<std::string>(boost::system::in_place_value, std::move(value));
}

// Removes what people put in phone numbers: spaces, dashes, dots, parentheses.
std::string strip_phone(std::string_view v)
{
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (c == ' ' || c == '\t' || c == '-' || c == '.' || c == '(' || c == ')') {
            continue;
        }
        if (c == '\xC2' && i + 1 < v.size() && v[i + 1] == '\xA0') {  // no-break space
            ++i;
            continue;
        }
        out.push_back(c);
    }
    return out;
}

constexpr std::string_view us_example = "e.g. 2035551111 or (203) 555-1111";

// A NANP number after strip_phone: 10 digits, or 11 starting with 1, optionally after '+'.
std::optional<std::string> nanp(std::string_view digits_only)
{
    std::string_view s = digits_only;
    const bool plus = !s.empty() && s.front() == '+';
    if (plus) {
        s.remove_prefix(1);
    }
    if (!all_digits(s)) {
        return std::nullopt;
    }
    if (s.size() == 11 && s.front() == '1') {
        return std::string(s.substr(1));
    }
    if (s.size() == 10 && !plus) {
        return std::string(s);
    }
    return std::nullopt;
}

std::size_t count_digits(std::string_view s)
{
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), is_digit));
}

std::optional<std::string> email_problem(std::string_view v)
{
    if (v.size() > 254) {
        return "longer than 254 characters";
    }
    for (const char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (c == ' ' || u < 0x20 || u == 0x7F) {
            return "it contains a space or a control character";
        }
    }
    if (v.find("\xC2\xA0") != std::string_view::npos) {
        return "it contains a no-break space";
    }
    const auto at = v.find('@');
    if (at == std::string_view::npos) {
        return "it has no '@'";
    }
    if (v.find('@', at + 1) != std::string_view::npos) {
        return "it has more than one '@'; give one address";
    }
    const auto local = v.substr(0, at);
    const auto domain = v.substr(at + 1);
    if (local.empty()) {
        return "nothing before the '@'";
    }
    if (local.size() > 64) {
        return "the part before the '@' is longer than 64 characters";
    }
    if (local.find_first_of("<>()[]\\,;:\"") != std::string_view::npos) {
        return "the part before the '@' has a character that does not belong in an address "
               "(< > ( ) [ ] \\ , ; : \")";
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return "the part before the '@' has a misplaced '.'";
    }
    if (domain.empty()) {
        return "nothing after the '@'";
    }
    if (domain.find('.') == std::string_view::npos) {
        return "the domain after the '@' has no '.'";
    }
    if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos) {
        return "the domain after the '@' has a misplaced '.'";
    }
    for (const char c : domain) {
        const auto u = static_cast<unsigned char>(c);
        if (!(is_alpha(c) || is_digit(c) || c == '.' || c == '-' || u >= 0x80)) {
            return "the domain after the '@' has a character that does not belong in a domain";
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view trim_value(std::string_view s)
{
    const auto is_space = [](std::string_view t, std::size_t i) -> std::size_t {
        const char c = t[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') {
            return 1;
        }
        return 0;
    };
    for (;;) {
        if (!s.empty() && is_space(s, 0)) {
            s.remove_prefix(1);
        } else if (s.substr(0, 2) == "\xC2\xA0") {
            s.remove_prefix(2);
        } else {
            break;
        }
    }
    for (;;) {
        if (!s.empty() && is_space(s, s.size() - 1)) {
            s.remove_suffix(1);
        } else if (s.size() >= 2 && s.substr(s.size() - 2) == "\xC2\xA0") {
            s.remove_suffix(2);
        } else {
            break;
        }
    }
    return s;
}

std::optional<std::string> excel_mangled_number(std::string_view value)
{
    const auto v = trim_value(value);
    if (is_scientific(v)) {
        return quoted(v) +
               " is a number in scientific notation: the spreadsheet shortened it and the "
               "last digits are lost. Fix the spreadsheet: " + std::string(fix_sheet);
    }
    if (all_digits(v) && v.size() >= 16 && v.back() == '0') {
        return quoted(v) + " has " + std::to_string(v.size()) +
               " digits ending in 0: Excel keeps only 15 significant digits and replaced the "
               "rest with zeros. Fix the spreadsheet: " + std::string(fix_sheet);
    }
    if (has_decimal_tail(v)) {
        return quoted(v) + " has a decimal part: the column was saved as a decimal number. "
               "Fix the spreadsheet: " + std::string(fix_sheet);
    }
    return std::nullopt;
}

Result<std::string> normalise_external_order_number(std::string_view value)
{
    const auto v = trim_value(value);
    // Only forms that cannot be meant: a long reference ending in zeros may be genuine.
    if (is_scientific(v) || has_decimal_tail(v)) {
        return error(*excel_mangled_number(v));
    }
    if (has_control(v, false)) {
        return error(quoted(v) + " contains a control character (a tab or line break?); "
                                 "remove it");
    }
    if (const auto n = utf8_length(v); n > max_order_number_chars) {
        return error("is " + std::to_string(n) + " characters long; the limit is " +
                     std::to_string(max_order_number_chars) + ": shorten it");
    }
    return ok(std::string(v));
}

Result<std::string> normalise_service_id(std::string_view value)
{
    const auto v = trim_value(value);
    if (auto mangled = excel_mangled_number(v)) {
        return error(std::move(*mangled));
    }
    const bool valid = !v.empty() && v.size() <= max_service_id_chars &&
                    std::all_of(v.begin(), v.end(), [](char c) {
                        return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
                    });
    if (!valid) {
        return error(quoted(v) + " is not a service id: use the MobProc service asset id of the "
                                 "line (e.g. 38382555): letters, digits, '_' or '-', at most " +
                     std::to_string(max_service_id_chars) + " characters");
    }
    // "3839OO48": digits with the letter O for zero (or I, l for one) is a typing slip, not an id.
    const auto digits = std::count_if(v.begin(), v.end(), is_digit);
    const bool look_alikes_only = std::all_of(v.begin(), v.end(), [](char c) {
        return is_digit(c) || c == 'O' || c == 'o' || c == 'I' || c == 'l';
    });
    if (digits >= 4 && look_alikes_only && static_cast<std::size_t>(digits) < v.size()) {
        std::string fixed(v);
        for (char& c : fixed) c = (c == 'O' || c == 'o') ? '0' : (c == 'I' || c == 'l') ? '1' : c;
        return error(quoted(v) + " is digits with the letter O (or I, l) typed among them: did you mean " + fixed +
                     "? Type the service id as digits");
    }
    return ok(std::string(v));
}

Result<std::string> normalise_service_number(std::string_view value)
{
    const auto v = trim_value(value);
    if (auto mangled = excel_mangled_number(v)) {
        return error(std::move(*mangled));
    }
    const std::string s = strip_phone(v);
    if (auto n = nanp(s)) {
        return ok(std::move(*n));
    }
    const std::string_view body = s.empty() || s.front() != '+' ? std::string_view(s)
                                                                 : std::string_view(s).substr(1);
    if (!all_digits(body)) {
        return error(quoted(v) + " is not a phone number: write the line's 10-digit number, " +
                     std::string(us_example));
    }
    if (s.size() > 1 && s[0] == '+' && s[1] == '1') {
        return error(quoted(v) + " has " + std::to_string(body.size() - 1) +
                     " digits after +1: the service number is the line's 10-digit number, " +
                     std::string(us_example));
    }
    if (!s.empty() && s.front() == '+') {
        return error(quoted(v) + " is not a US number: the service number is the line's 10-digit "
                                 "number, " + std::string(us_example));
    }
    return error(quoted(v) + " has " + std::to_string(body.size()) +
                 " digits: the service number is the line's 10-digit number, " +
                 std::string(us_example));
}

Result<std::string> normalise_contact_number(std::string_view value)
{
    const auto v = trim_value(value);
    if (auto mangled = excel_mangled_number(v)) {
        return error(std::move(*mangled));
    }
    const std::string s = strip_phone(v);
    if (auto n = nanp(s)) {
        return ok(std::move(*n));
    }
    const std::string advice =
        "use a 10-digit US number (2035558888) or an international number with + and the "
        "country code (+44 20 7946 0958, 8 to 15 digits)";
    if (s.size() > 1 && s.front() == '+' && all_digits(std::string_view(s).substr(1))) {
        const std::size_t n = s.size() - 1;
        if (s[1] == '1') {
            return error(quoted(v) + " has " + std::to_string(n - 1) +
                         " digits after +1, a US number has 10: " + advice);
        }
        if (n >= 8 && n <= 15) {
            return ok(s);
        }
        return error(quoted(v) + " has " + std::to_string(n) + " digits after the +: " + advice);
    }
    if (const auto d = count_digits(s); d == s.size() && d > 0) {
        return error(quoted(v) + " has " + std::to_string(d) + " digits: " + advice);
    }
    return error(quoted(v) + " is not a phone number: " + advice);
}

Result<std::string> normalise_email(std::string_view value)
{
    const auto v = trim_value(value);
    if (auto problem = email_problem(v)) {
        return error(quoted(v) + " is not a plausible e-mail address (" + *problem +
                     "): write one address like name@example.com");
    }
    std::string out(v);
    const auto at = out.find('@');
    std::transform(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(),
                   out.begin() + static_cast<std::ptrdiff_t>(at), [](char c) {
                       return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
                   });
    return ok(std::move(out));
}

Result<std::string> normalise_additional_instructions(std::string_view value)
{
    const auto v = trim_value(value);
    if (const auto n = utf8_length(v); n > max_instructions_chars) {
        return error("is " + std::to_string(n) + " characters long; MobProc takes at most " +
                     std::to_string(max_instructions_chars) + ": shorten it");
    }
    return ok(std::string(v));
}

Result<std::string> normalise_employee_id(std::string_view value)
{
    const auto v = trim_value(value);
    if (auto mangled = excel_mangled_number(v)) {
        return error(std::move(*mangled));
    }
    if (has_control(v, false)) {
        return error(quoted(v) + " contains a control character (a tab or line break?); "
                                 "remove it");
    }
    if (const auto n = utf8_length(v); n > max_employee_id_chars) {
        return error("is " + std::to_string(n) + " characters long; the limit is " +
                     std::to_string(max_employee_id_chars));
    }
    return ok(std::string(v));
}

ParsedRow validate_row(RawRow raw)
{
    ParsedRow out;
    out.row.row = raw.row;
    out.errors = std::move(raw.errors);
    out.row.extra_properties = std::move(raw.extra_properties);

    using Normaliser = Result<std::string> (*)(std::string_view);
    const auto check = [&](const RawField& f, std::string& dest, Normaliser normalise,
                           const char* required_what) {
        const auto v = trim_value(f.value);
        dest = std::string(v);
        if (raw.skip_field_checks) {
            return;
        }
        for (const auto& e : out.errors) {
            if (e.column == f.column) {
                return;  // the reader already said what is wrong with it (a JSON type, say)
            }
        }
        if (v.empty()) {
            if (required_what != nullptr) {
                out.errors.push_back(
                    {f.column, std::string("required, but ") + (f.present ? "empty" : "missing") +
                                   ": " + required_what});
            }
            return;
        }
        auto r = normalise(v);
        if (r) {
            dest = std::move(*r);
        } else {
            out.errors.push_back({f.column, std::move(r.error().message)});
        }
    };

    TransferRow& t = out.row;
    check(raw.external_order_number, t.external_order_number, normalise_external_order_number,
          "your own reference for this order, unique within the file (e.g. AZ99087547-001)");
    check(raw.service_id, t.service_id, normalise_service_id,
          "the MobProc service asset id of the line to transfer (e.g. 38382555)");
    check(raw.service_number, t.service_number, normalise_service_number,
          "the line's 10-digit mobile number (e.g. 2035551111)");
    check(raw.contact_number, t.contact_number, normalise_contact_number,
          "a phone number that reaches the employee after the transfer (e.g. 2035558888)");
    check(raw.personal_email, t.personal_email, normalise_email,
          "the employee's personal e-mail address (e.g. peter.edwards@example.com)");
    check(raw.additional_instructions, t.additional_instructions,
          normalise_additional_instructions, nullptr);
    check(raw.employee_email, t.employee_email, normalise_email, nullptr);
    check(raw.employee_id, t.employee_id, normalise_employee_id, nullptr);
    return out;
}

}  // namespace xferd
