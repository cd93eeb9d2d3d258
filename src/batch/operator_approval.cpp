#include "xferd/batch/operator_approval.hpp"

#include "xferd/store/batch_snapshot.hpp"
#include "xferd/batch/approved_xlsx.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/core/approval.hpp"

#include <fstream>
#include <optional>
#include <sstream>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t max_approval_bytes = 16 * 1024 * 1024;

std::optional<std::chrono::system_clock::time_point> written_at(const fs::path& p)
{
    std::error_code ec;
    auto t = fs::last_write_time(p, ec);
    if (ec) return std::nullopt;
    return std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(t));
}

std::optional<std::string> read_small(const fs::path& p)
{
    std::error_code ec;
    if (fs::file_size(p, ec) > max_approval_bytes || ec) return std::nullopt;
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// NAME.approve, NAME.approved.csv or NAME.approved.xlsx, parsed.
Result<ApprovalInput> read_approval(const fs::path& file, const OutputPaths& paths)
{
    if (file == paths.approved_xlsx) {
        std::error_code ec;
        if (fs::file_size(file, ec) > max_approval_bytes || ec) return make_error("it cannot be read, or is too big");
        return parse_approved_xlsx(file);
    }
    auto text = read_small(file);
    if (!text) return make_error("it cannot be read, or is too big");
    return file == paths.approved_csv ? parse_approved_csv(*text) : parse_approve_file(*text);
}

}  // namespace

OperatorApproval find_operator_approval(const fs::path& input, const std::string& confirmed_sha256,
                                        std::chrono::seconds max_age)
{
    OperatorApproval out;
    const OutputPaths paths = output_paths_for(input);
    auto confirmed_at = written_at(paths.confirmation_csv);
    if (!confirmed_at) return out;

    // The newest approval written after the confirmation it approves.
    fs::path file;
    std::chrono::system_clock::time_point file_time{};
    for (const auto& candidate : {paths.approve_file, paths.approved_csv, paths.approved_xlsx}) {
        auto t = written_at(candidate);
        if (t && *t >= *confirmed_at && (file.empty() || *t > file_time)) {
            file = candidate;
            file_time = *t;
        }
    }
    if (file.empty()) return out;
    out.file = file;

    auto refuse = [&](const std::string& why) {
        out.kind = OperatorApproval::Kind::refused;
        out.message = "approval refused: " + why + "; nothing was submitted";
        return out;
    };
    auto shown = read_small(paths.confirmation_csv);
    if (!shown) return refuse("cannot read " + paths.confirmation_csv.filename().string());
    auto rows = parse_confirmation_csv(*shown);
    if (!rows) return refuse(rows.error().message);
    auto parsed = read_approval(file, paths);
    if (!parsed) return refuse(file.filename().string() + ": " + parsed.error().message);

    ConfirmedBatch batch{confirmed_sha256, *confirmed_at, std::move(*rows)};
    auto verdict = check_approval(*parsed, batch, file_time, std::chrono::system_clock::now(), max_age);
    if (!verdict.accepted) {
        out.kind = OperatorApproval::Kind::refused;
        out.message = verdict.message;
        return out;
    }
    auto sha = hash_file(input, UINT64_MAX);
    if (!sha || *sha != confirmed_sha256)
        return refuse(input.filename().string() + " changed since it was confirmed; a changed file is confirmed anew");
    out.kind = OperatorApproval::Kind::accepted;
    out.message = verdict.message;
    for (auto row : verdict.approved_rows)
        for (const auto& r : batch.rows)
            if (r.row == row) out.external_order_numbers.insert(r.external_order_number);
    return out;
}

}  // namespace xferd
