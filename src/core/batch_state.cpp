#include "xferd/core/batch_state.hpp"

#include <array>
#include <utility>

namespace xferd {

namespace {

constexpr std::array<std::pair<BatchStage, std::string_view>, 9> stage_names{{
    {BatchStage::validating, "validating"},
    {BatchStage::confirming, "confirming"},
    {BatchStage::awaiting_approval, "awaiting_approval"},
    {BatchStage::submitting, "submitting"},
    {BatchStage::in_doubt, "in_doubt"},
    {BatchStage::incomplete, "incomplete"},
    {BatchStage::held, "held"},
    {BatchStage::done, "done"},
    {BatchStage::rejected, "rejected"},
}};

}  // namespace

std::string_view to_string(BatchStage s)
{
    for (const auto& [stage, name] : stage_names)
        if (stage == s) return name;
    return "?";
}

std::string_view describe(BatchStage s)
{
    switch (s) {
    case BatchStage::awaiting_approval: return "waiting for approval";
    case BatchStage::in_doubt: return "in doubt";
    case BatchStage::incomplete: return "incomplete (rows to retry)";
    default: return to_string(s);
    }
}

std::optional<BatchStage> parse_batch_stage(std::string_view s)
{
    for (const auto& [stage, name] : stage_names)
        if (name == s) return stage;
    return std::nullopt;
}

bool is_unfinished(BatchStage s)
{
    switch (s) {
    case BatchStage::validating:
    case BatchStage::confirming:
    case BatchStage::submitting:
    case BatchStage::in_doubt:
    case BatchStage::incomplete:
        return true;
    default:
        return false;
    }
}

bool restarts_on_redrop(BatchStage s, bool dry_run)
{
    return s == BatchStage::held || s == BatchStage::rejected || (s == BatchStage::done && dry_run);
}

std::string describe(const BatchCounts& c, std::string_view approved)
{
    std::string s = std::to_string(c.rows) + " rows: " + std::to_string(c.approved) + " " + std::string(approved) + ", " +
                    std::to_string(c.rejected) + " rejected, " + std::to_string(c.invalid) + " invalid; " +
                    std::to_string(c.submitted) + " submitted";
    if (c.duplicate) s += ", " + std::to_string(c.duplicate) + " DUPLICATE";
    if (c.failed) s += ", " + std::to_string(c.failed) + " FAILED";
    if (c.in_doubt) s += ", " + std::to_string(c.in_doubt) + " IN DOUBT";
    if (c.pending) s += ", " + std::to_string(c.pending) + " not finished";
    return s;
}

}  // namespace xferd
