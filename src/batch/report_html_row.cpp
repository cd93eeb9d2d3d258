// One row of the HTML report: what the operator checks before a line is handed over (who has
// it, which device, which number, where it goes) and what became of the order. On a narrow
// screen the CSS turns each row into a card; data-label names each cell there.
#include "xferd/batch/report.hpp"
#include "xferd/batch/report_html_parts.hpp"
#include "xferd/core/policy.hpp"

namespace xferd::report_html {

namespace {

constexpr std::string_view none = "<span class=\"none\">&mdash;</span>";
constexpr std::string_view not_confirmed = "<span class=\"none\">not confirmed by MobProc</span>";

std::string label_class(RowLabel label)
{
    std::string s(to_string(label));
    for (char& c : s)
        c = c == ' ' ? '-' : static_cast<char>(c - 'A' + 'a');
    return s;
}

// What a cell shows when MobProc told nothing: an invalid row was never asked.
std::string unknown(const RowRecord& r)
{
    return std::string(r.confirmation.confirmed || r.decision == Decision::invalid ? none : not_confirmed);
}

std::string text(std::string_view value) { return value.empty() ? std::string(none) : clipped(value, longest_value); }

std::string sub(std::string_view caption, const std::string& html)
{
    return "<div class=\"sub\">" + std::string(caption) + " " + html + "</div>";
}

// What the row's own words are: the reason for a decision, the message for an outcome, or,
// for a row still waiting, what it is waiting for.
std::string row_note(const RowRecord& r, RowLabel label, const ReportHeader& h)
{
    switch (label) {
    case RowLabel::rejected:
    case RowLabel::invalid: return r.reason.empty() ? r.confirmation.error : r.reason;
    case RowLabel::eligible:
        if (h.stage == ReportStage::held) return "Passed every check; not submitted because the batch is held.";
        if (h.mode == ApprovalMode::dry_run) return "Passed every check; dry run, so not submitted.";
        if (h.stage == ReportStage::waiting_for_approval) return "Passed every check; waiting for your approval.";
        return "Passed every check; not submitted yet.";
    case RowLabel::approved:
        return h.stage == ReportStage::submitting ? "Passed every check; being submitted."
                                                 : "Passed every check; will be submitted.";
    default: return r.message.empty() ? r.reason : r.message;
    }
}

std::string status_cell(const RowRecord& r, RowLabel label, const ReportHeader& h)
{
    std::string out = "<td data-label=\"Status\"><span class=\"badge " + label_class(label) + "\">" +
                      std::string(to_string(label)) + "</span>";
    if (auto note = row_note(r, label, h); !note.empty()) out += "<p class=\"why\">" + clipped(note, longest_message) + "</p>";
    if (auto todo = what_to_do(label); !todo.empty())
        out += "<p class=\"todo\"><strong>What to do:</strong> " + std::string(todo) + "</p>";
    return out + "</td>";
}

std::string holder_cell(const RowRecord& r)
{
    const auto& c = r.confirmation;
    std::string out = "<td data-label=\"Account holder\">";
    if (c.account_holder.empty()) return out + unknown(r) + "</td>";
    out += "<strong>" + text(c.account_holder) + "</strong>";
    if (!c.department.empty()) out += "<div>" + text(c.department) + "</div>";
    if (!c.account_holder_id.empty()) out += sub("Employee", number(c.account_holder_id));
    return out + "</td>";
}

std::string device_cell(const RowRecord& r)
{
    const auto& c = r.confirmation;
    std::string out = "<td data-label=\"Device\">";
    if (c.device.empty() && c.imei.empty() && c.carrier.empty() && c.contract_end.empty())
        return out + unknown(r) + "</td>";
    out += text(c.device);
    out += sub("IMEI", c.imei.empty() ? std::string(none) : number(c.imei));
    out += sub("Carrier", text(c.carrier));
    out += sub("Contract ends", c.contract_end.empty() ? std::string(none) : number(readable_date(c.contract_end)));
    return out + "</td>";
}

// The number MobProc confirmed against the one in the file: a mismatch shows both, marked.
std::string service_cell(const RowRecord& r)
{
    const auto& c = r.confirmation;
    std::string out = "<td data-label=\"Service\">";
    bool both = !c.service_number.empty() && !r.service_number.empty();
    if (both && same_phone_number(c.service_number, r.service_number)) {
        out += number(c.service_number) + " <span class=\"match\">matches the file</span>";
    } else if (both) {
        out += "<div class=\"mismatch\">File says " + number(r.service_number) + "</div>";
        out += "<div class=\"mismatch\">MobProc has " + number(c.service_number) + "</div>";
    } else if (!r.service_number.empty()) {
        out += number(r.service_number);
        if (r.decision != Decision::invalid)
            out += c.confirmed ? " <span class=\"sub\">(MobProc gave none)</span>" : " <span class=\"sub\">(not confirmed)</span>";
    } else {
        out += c.service_number.empty() ? std::string(none)
                                        : number(c.service_number) + " <span class=\"sub\">(not in the file)</span>";
    }
    out += sub("Service ID", r.service_id.empty() ? std::string(none) : number(r.service_id));
    if (!c.service_status.empty()) {
        bool active = c.service_status == "ACTIVE";
        out += sub("Status", std::string(active ? "<span>" : "<span class=\"mismatch\">") +
                                 text(c.service_status) + "</span>");
    }
    return out + "</td>";
}

std::string destination_cell(const RowRecord& r)
{
    std::string out = "<td data-label=\"Goes to\">";
    out += "<div>" + (r.personal_email.empty() ? std::string(none) : email(r.personal_email)) + "</div>";
    out += "<div>" + (r.contact_number.empty() ? std::string(none) : number(r.contact_number)) + "</div>";
    return out + "</td>";
}

std::string order_cell(const RowRecord& r)
{
    std::string out = "<td data-label=\"Order\">";
    out += r.order_id.empty() ? std::string(none) : number(r.order_id);
    if (!r.confirmed_at.empty()) out += sub("Confirmed", timestamp(r.confirmed_at));
    if (!r.submitted_at.empty()) out += sub("Submitted", timestamp(r.submitted_at));
    return out + "</td>";
}

}  // namespace

std::string table_head()
{
    return "<table class=\"rows\">\n<thead><tr><th scope=\"col\">Row</th><th scope=\"col\">Status</th>"
           "<th scope=\"col\">Account holder</th><th scope=\"col\">Device</th><th scope=\"col\">Service</th>"
           "<th scope=\"col\">Goes to</th><th scope=\"col\">Order</th></tr></thead>\n<tbody>\n";
}

std::string row(const RowRecord& r, RowLabel label, const ReportHeader& header)
{
    std::string out = "<tr class=\"" + label_class(label) + "\" id=\"row-" + std::to_string(r.row) + "\">";
    out += "<td data-label=\"Row\"><span class=\"num rowno\">" + std::to_string(r.row) + "</span>";
    out += sub("External order", r.external_order_number.empty() ? std::string(none) : number(r.external_order_number));
    out += "</td>";
    out += status_cell(r, label, header);
    out += holder_cell(r);
    out += device_cell(r);
    out += service_cell(r);
    out += destination_cell(r);
    out += order_cell(r);
    out += "</tr>\n";
    return out;
}

}  // namespace xferd::report_html
