// `xferd find [--json] TERM`: what happened to one person's line. The rows whose service id,
// service number, employee id, e-mail or order number is TERM, with their batch and outcome.
// The operator is the one asking: personal data is shown; secrets are not in the store at all.
#include "xferd/service/commands.hpp"

#include "xferd/core/printable.hpp"
#include "xferd/service/batch_selector.hpp"

#include <boost/json/serialize.hpp>

#include <iostream>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t max_found = 200;

std::string when(const RowRecord& r, const BatchInfo& b)
{
    if (!r.submitted_at.empty()) return r.submitted_at;
    if (!r.intent_at.empty()) return r.intent_at;
    if (!r.confirmed_at.empty()) return r.confirmed_at;
    return b.updated_at;
}

std::string state_of(const RowRecord& r)
{
    std::string status(to_string(r.status));
    std::string decision(to_string(r.decision));
    if (status.empty()) return decision.empty() ? "PENDING" : decision;
    return decision.empty() ? status : decision + " " + status;
}

std::string found_line(const FoundRow& f)
{
    const RowRecord& r = f.row;
    std::string line = printable(fs::path(f.batch.path).filename().string()) + " row " + std::to_string(r.row) +
                       ": " + state_of(r) + (r.order_id.empty() ? "" : " order " + printable(r.order_id)) + " at " +
                       when(r, f.batch) + "; external order number " + printable(r.external_order_number) +
                       ", service " + printable(r.service_id) + " / " + printable(r.service_number);
    if (!r.employee_id.empty() || !r.employee_email.empty())
        line += ", employee " + printable(r.employee_id) + (r.employee_id.empty() ? "" : " ") +
                printable(r.employee_email);
    line += ", to " + printable(r.personal_email) + " / " + printable(r.contact_number);
    if (!r.message.empty()) line += "; " + printable(r.message);
    return line + " (batch " + f.batch.sha256.substr(0, 12) + ", " + std::string(to_string(f.batch.stage)) + ")";
}

boost::json::object found_json(const FoundRow& f)
{
    const RowRecord& r = f.row;
    return boost::json::object{{"file", fs::path(f.batch.path).filename().string()},
                               {"path", f.batch.path},
                               {"batch_sha256", f.batch.sha256},
                               {"batch_stage", to_string(f.batch.stage)},
                               {"row", r.row},
                               {"external_order_number", r.external_order_number},
                               {"service_id", r.service_id},
                               {"service_number", r.service_number},
                               {"employee_id", r.employee_id},
                               {"employee_email", r.employee_email},
                               {"personal_email", r.personal_email},
                               {"contact_number", r.contact_number},
                               {"decision", to_string(r.decision)},
                               {"status", to_string(r.status)},
                               {"order_id", r.order_id},
                               {"message", r.message},
                               {"at", when(r, f.batch)}};
}

}  // namespace

int cmd_find(const FindArgs& args)
{
    if (args.term.empty()) {
        std::cerr << "xferd find: give a service id, service number, employee id, e-mail or order number\n";
        return exit_usage;
    }
    auto cfg = load_config_for_store(args.config_path);
    if (!cfg) return exit_usage;
    auto store = open_store_for_reading(*cfg);
    if (!store) {
        std::cerr << "xferd find: " << store.error().message << "\n";
        return exit_usage;
    }
    std::vector<FoundRow> found;
    if (*store) {
        auto rows = (*store)->find_rows(args.term, max_found);
        if (!rows) {
            std::cerr << "xferd find: " << rows.error().message << "\n";
            return exit_usage;
        }
        found = std::move(*rows);
    }
    if (args.json) {
        boost::json::array out;
        for (const auto& f : found) out.push_back(found_json(f));
        std::cout << boost::json::serialize(boost::json::object{{"version", 1}, {"rows", std::move(out)}}) << "\n";
    } else {
        for (const auto& f : found) std::cout << found_line(f) << "\n";
        if (found.empty()) std::cout << "no row matches '" << printable(args.term) << "'\n";
        if (found.size() == max_found) std::cout << "(the first " << max_found << " rows only)\n";
    }
    return found.empty() ? exit_attention : exit_ok;
}

}  // namespace xferd
