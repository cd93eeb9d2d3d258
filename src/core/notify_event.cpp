#include "xferd/core/notify_event.hpp"

#include <boost/json/serialize.hpp>

#include <ctime>

namespace xferd {

namespace json = boost::json;

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i)
{
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return 0;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr char32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

// Rendered with every text capped at `text_cap` / `path_cap` bytes.
json::object render(const NotifyEvent& e, std::size_t text_cap, std::size_t path_cap)
{
    auto text = [&](std::string_view s) { return json::string(clean_text(s, text_cap)); };
    auto path = [&](std::string_view s) { return json::string(clean_text(s, path_cap)); };
    json::object o;
    o["schema"] = 1;
    o["event"] = to_string(e.kind);
    o["state"] = path(e.state);
    o["batch_file"] = path(e.batch_file);
    o["sha256"] = path(e.sha256);
    const NotifyCounts& c = e.counts;
    o["counts"] = json::object{{"rows", c.rows},           {"approved", c.approved},
                               {"rejected", c.rejected},   {"invalid", c.invalid},
                               {"submitted", c.submitted}, {"not_submitted", c.not_submitted},
                               {"failed", c.failed},       {"in_doubt", c.in_doubt},
                               {"duplicate", c.duplicate}};
    json::object reports;
    auto report = [&](const char* key, const std::optional<std::string>& p) {
        if (p) reports[key] = path(*p);
    };
    report("confirmation_html", e.reports.confirmation_html);
    report("confirmation_csv", e.reports.confirmation_csv);
    report("confirmation_xlsx", e.reports.confirmation_xlsx);
    report("results_csv", e.reports.results_csv);
    report("log", e.reports.log);
    report("error_file", e.reports.error_file);
    o["reports"] = std::move(reports);
    o["message"] = text(e.message);
    o["time"] = iso8601_utc(e.time);
    o["host"] = path(e.host);
    if (e.kind == NotifyKind::waiting_for_approval) {
        json::object a{{"how", text(e.approve_how)},
                       {"approve_file", path(e.approve_file)},
                       {"approved_csv", path(e.approved_csv)}};
        if (e.approve_until) a["until"] = iso8601_utc(*e.approve_until);
        o["approval"] = std::move(a);
    }
    if (e.kind == NotifyKind::approval_refused)
        o["refusal"] = json::object{{"approval_file", path(e.approval_file)}, {"reason", text(e.refusal_reason)}};
    return o;
}

}  // namespace

std::string_view to_string(NotifyKind kind)
{
    switch (kind) {
    case NotifyKind::waiting_for_approval: return "waiting_for_approval";
    case NotifyKind::approval_refused: return "approval_refused";
    case NotifyKind::batch_held: return "batch_held";
    case NotifyKind::file_rejected: return "file_rejected";
    case NotifyKind::finished_with_problems: return "finished_with_problems";
    case NotifyKind::batch_done: return "batch_done";
    }
    return "batch_done";
}

std::string clean_text(std::string_view s, std::size_t max_bytes)
{
    static constexpr std::string_view replacement = "\xEF\xBF\xBD";
    static constexpr std::string_view ellipsis = "\xE2\x80\xA6";
    std::string out;
    std::size_t keep = 0;  // the longest prefix (on a character boundary) that leaves room for "…"
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = utf8_length(s, i);
        std::string_view piece = len ? s.substr(i, len) : replacement;
        if (out.size() + piece.size() > max_bytes) {
            out.resize(keep);
            if (keep + ellipsis.size() <= max_bytes) out += ellipsis;
            return out;
        }
        out += piece;
        if (out.size() + ellipsis.size() <= max_bytes) keep = out.size();
        i += len ? len : 1;
    }
    return out;
}

json::object to_json(const NotifyEvent& event)
{
    return render(event, max_event_text_bytes, max_event_path_bytes);
}

std::string to_json_text(const NotifyEvent& event)
{
    std::string text = json::serialize(to_json(event));
    // Only texts full of characters JSON must escape get here: cap them harder.
    if (text.size() > max_event_bytes) text = json::serialize(render(event, 512, 512));
    return text;
}

}  // namespace xferd
