#include "xferd/batch/confirmation_xlsx.hpp"

#include "xferd/batch/report.hpp"

#include <xlsxwriter.h>

#include <array>
#include <string>

namespace xferd {

namespace {

constexpr std::size_t approve_col = confirmation_column_count - 1;
constexpr std::size_t max_cell_chars = 32767;  // Excel's limit for one cell

// Column widths (characters), in confirmation_columns() order.
constexpr std::array<double, confirmation_column_count> widths{6, 24, 12, 15, 15, 13, 24, 32, 16, 34, 11, 50, 10};

// A value cut to what a cell holds, at a UTF-8 boundary (a reason or device name never is that long).
std::string cell_text(const std::string& v)
{
    if (v.size() <= max_cell_chars) return v;
    std::size_t cut = max_cell_chars;
    while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;
    return v.substr(0, cut);
}

}  // namespace

struct ConfirmationXlsxWriter::Impl {
    explicit Impl(AtomicFileWriter f) : file(std::move(f)) {}
    ~Impl()
    {
        // libxlsxwriter frees only on close, and writes the (temp) file then; ~AtomicFileWriter
        // removes it afterwards.
        if (book) workbook_close(book);
    }

    AtomicFileWriter file;
    std::string tmpdir;
    lxw_workbook* book = nullptr;
    lxw_worksheet* sheet = nullptr;
    lxw_format* header = nullptr;
    lxw_format* text = nullptr;     // "@": what the operator types there stays text too
    lxw_format* approve = nullptr;
    lxw_row_t next_row = 1;
    bool finished = false;   // the workbook is in the temp file, not published yet

    Result<void> failed(const std::string& what, lxw_error e) const
    {
        return make_error("cannot write " + file.target().string() + ": " + what + ": " + lxw_strerror(e));
    }

    void set_up_formats()
    {
        header = workbook_add_format(book);
        format_set_bold(header);
        format_set_bg_color(header, 0xD9E1F2);
        format_set_bottom(header, LXW_BORDER_THIN);
        text = workbook_add_format(book);
        format_set_num_format(text, "@");
        approve = workbook_add_format(book);
        format_set_num_format(approve, "@");
        format_set_bg_color(approve, 0xFFF2CC);
        format_set_bold(approve);
    }

    Result<void> set_up_sheet()
    {
        for (lxw_col_t c = 0; c < confirmation_column_count; ++c) {
            lxw_format* f = c == 0 ? nullptr : c == approve_col ? approve : text;
            if (auto e = worksheet_set_column(sheet, c, c, widths[c], f); e != LXW_NO_ERROR) return failed("column widths", e);
        }
        worksheet_freeze_panes(sheet, 1, 0);
        const auto& names = confirmation_columns();
        for (lxw_col_t c = 0; c < confirmation_column_count; ++c) {
            const std::string name(names[c]);
            if (auto e = worksheet_write_string(sheet, 0, c, name.c_str(), header); e != LXW_NO_ERROR)
                return failed("header", e);
        }
        return {};
    }

    // The yes/no list on `approve` for the rows written; any of yes / y / x / 1 still passes
    // (a warning, not a refusal), as xferd reads them all.
    Result<void> approve_list()
    {
        static const char* choices[] = {"yes", "no", nullptr};
        lxw_data_validation v{};
        v.validate = LXW_VALIDATION_TYPE_LIST;
        v.value_list = const_cast<char**>(choices);
        v.error_type = LXW_VALIDATION_ERROR_TYPE_WARNING;
        v.input_title = const_cast<char*>("Approve this row?");
        v.input_message = const_cast<char*>("yes (or y, x, 1) submits the row; leave it empty to skip it.");
        v.error_title = const_cast<char*>("Not yes or no");
        v.error_message = const_cast<char*>("xferd reads yes, y, x or 1 as approved and empty, no, n or 0 as not; "
                                            "anything else refuses the whole approval.");
        if (auto e = worksheet_data_validation_range(sheet, 1, approve_col, next_row - 1, approve_col, &v);
            e != LXW_NO_ERROR)
            return failed("approve list", e);
        return {};
    }
};

ConfirmationXlsxWriter::ConfirmationXlsxWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConfirmationXlsxWriter::ConfirmationXlsxWriter(ConfirmationXlsxWriter&&) noexcept = default;
ConfirmationXlsxWriter& ConfirmationXlsxWriter::operator=(ConfirmationXlsxWriter&&) noexcept = default;
ConfirmationXlsxWriter::~ConfirmationXlsxWriter() = default;

Result<ConfirmationXlsxWriter> ConfirmationXlsxWriter::create(const std::filesystem::path& target)
{
    auto file = AtomicFileWriter::create(target);
    if (!file) return file.error();
    auto impl = std::make_unique<Impl>(std::move(*file));
    // Constant memory: each finished row goes to a temp file, unlinked as soon as it is made;
    // in the target's folder, not /tmp (a tmpfs under PrivateTmp= would hold it in memory).
    const auto dir = target.parent_path();
    impl->tmpdir = dir.empty() ? "." : dir.string();
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    options.tmpdir = impl->tmpdir.data();
    impl->book = workbook_new_opt(impl->file.temp_path().c_str(), &options);
    if (!impl->book) return make_error("cannot write " + target.string() + ": libxlsxwriter could not start a workbook");
    impl->sheet = workbook_add_worksheet(impl->book, "confirmation");
    if (!impl->sheet) return make_error("cannot write " + target.string() + ": libxlsxwriter could not add a sheet");
    impl->set_up_formats();
    if (auto r = impl->set_up_sheet(); !r) return r.error();
    return ConfirmationXlsxWriter(std::move(impl));
}

Result<void> ConfirmationXlsxWriter::add(const RowRecord& row)
{
    Impl& m = *impl_;
    if (!m.book) return make_error("cannot write " + m.file.target().string() + ": already finished");
    if (m.next_row >= LXW_ROW_MAX)
        return make_error("cannot write " + m.file.target().string() + ": more than " + std::to_string(LXW_ROW_MAX - 1) +
                          " rows, more than a sheet holds; use the confirmation CSV");
    const auto values = confirmation_values(row);
    // The row number is a number (it sorts as one); everything else is text, IDs and phone numbers included.
    lxw_error e = worksheet_write_number(m.sheet, m.next_row, 0, static_cast<double>(row.row), nullptr);
    for (lxw_col_t c = 1; c < approve_col && e == LXW_NO_ERROR; ++c) {
        if (values[c].empty()) continue;
        e = worksheet_write_string(m.sheet, m.next_row, c, cell_text(values[c]).c_str(), m.text);
    }
    if (e != LXW_NO_ERROR) return m.failed("row " + std::to_string(row.row), e);
    ++m.next_row;
    return {};
}

Result<void> ConfirmationXlsxWriter::finish()
{
    Impl& m = *impl_;
    if (m.finished) return {};
    if (!m.book) return make_error("cannot write " + m.file.target().string() + ": its workbook failed or was closed");
    if (m.next_row > 1) {
        if (auto r = m.approve_list(); !r) return r;
        worksheet_autofilter(m.sheet, 0, 0, m.next_row - 1, confirmation_column_count - 1);
    }
    const lxw_error e = workbook_close(m.book);
    m.book = nullptr;
    if (e != LXW_NO_ERROR) return m.failed("saving the workbook", e);
    m.finished = true;
    return {};
}

Result<void> ConfirmationXlsxWriter::commit()
{
    if (auto f = finish(); !f) return f;
    return impl_->file.commit();
}

}  // namespace xferd
