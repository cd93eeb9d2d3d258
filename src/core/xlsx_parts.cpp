#include "xferd/core/xlsx_parts.hpp"

#include "xferd/core/xlsx_values.hpp"
#include "xferd/core/xml_stream.hpp"

#include <charconv>

namespace xferd {

namespace {

// Parses a whole small part with one handler; the error says which part.
Result<void> parse_part(XmlStream& xml, std::string_view text, std::string_view part)
{
    if (xml.feed(text) && xml.finish()) return {};
    const std::string what = xml.error().value_or("unreadable");
    return make_error(xml.malformed() ? damaged_part_message(part, what) : "its part " + std::string(part) + " has " + what);
}

bool xml_true(std::optional<std::string_view> s) { return s && (*s == "1" || *s == "true"); }

// "xl/" + "worksheets/sheet1.xml", "xl/" + "../customXml/x.xml", "" + "/xl/workbook.xml".
std::string resolve(std::string_view folder, std::string_view target)
{
    std::string path = target.starts_with('/') ? std::string(target.substr(1)) : std::string(folder) + std::string(target);
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        const std::string seg = path.substr(start, slash - start);
        if (seg == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!seg.empty() && seg != ".") {
            parts.push_back(seg);
        }
        start = slash + 1;
    }
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
    return out;
}

struct RelsHandler : XmlHandler {
    std::string folder;
    std::map<std::string, XlsxRelationship> rels;
    void start(std::string_view name, const XmlAttributes& a) override
    {
        if (name != "Relationship") return;
        const auto id = a.get("Id");
        const auto type = a.get("Type");
        const auto target = a.get("Target");
        if (!id || !type || !target || a.get("TargetMode").value_or("") == "External") return;
        const auto slash = type->rfind('/');
        rels[std::string(*id)] = {std::string(slash == std::string_view::npos ? *type : type->substr(slash + 1)),
                                  resolve(folder, *target)};
    }
    void end(std::string_view) override {}
    void text(std::string_view) override {}
};

struct WorkbookHandler : XmlHandler {
    XlsxWorkbook book;
    void start(std::string_view name, const XmlAttributes& a) override
    {
        if (name == "workbookPr") {
            book.date1904 = xml_true(a.get("date1904"));
        } else if (name == "sheet" && book.sheets.size() < 10000) {
            const auto state = a.get("state").value_or("visible");
            book.sheets.push_back({std::string(a.get("name").value_or("")), std::string(a.get("id").value_or("")),
                                   state == "hidden" || state == "veryHidden"});
        }
    }
    void end(std::string_view) override {}
    void text(std::string_view) override {}
};

struct StylesHandler : XmlHandler {
    XmlStream* xml = nullptr;
    std::map<std::uint32_t, std::string> custom;  // numFmtId → formatCode
    std::vector<std::uint32_t> xf_formats;        // cellXfs, in order
    bool in_cell_xfs = false;
    void start(std::string_view name, const XmlAttributes& a) override
    {
        if (name == "numFmt") {
            if (auto id = to_u32(a.get("numFmtId")); id && custom.size() < xlsx_max_cell_styles)
                custom[*id] = std::string(a.get("formatCode").value_or(""));
        } else if (name == "cellXfs") {
            in_cell_xfs = true;
        } else if (name == "xf" && in_cell_xfs) {
            if (xf_formats.size() >= xlsx_max_cell_styles) {
                xml->stop("more than " + std::to_string(xlsx_max_cell_styles) + " cell styles");
                return;
            }
            xf_formats.push_back(to_u32(a.get("numFmtId")).value_or(0));
        }
    }
    void end(std::string_view name) override
    {
        if (name == "cellXfs") in_cell_xfs = false;
    }
    void text(std::string_view) override {}
};

}  // namespace

std::string damaged_part_message(std::string_view part, std::string_view what)
{
    return "the workbook is damaged: its part " + std::string(part) + " is " + std::string(what) +
           "; open it in Excel or LibreOffice and save it again as Excel Workbook (.xlsx)";
}

std::string relationships_part_for(std::string_view part)
{
    const auto slash = part.rfind('/');
    const std::string_view folder = slash == std::string_view::npos ? std::string_view() : part.substr(0, slash + 1);
    const std::string_view file = slash == std::string_view::npos ? part : part.substr(slash + 1);
    return std::string(folder) + "_rels/" + std::string(file) + ".rels";
}

Result<std::map<std::string, XlsxRelationship>> parse_relationships(std::string_view xml_text,
                                                                    std::string_view source_part)
{
    RelsHandler h;
    const auto slash = source_part.rfind('/');
    h.folder = slash == std::string_view::npos ? "" : std::string(source_part.substr(0, slash + 1));
    XmlStream xml(h);
    if (auto r = parse_part(xml, xml_text, relationships_part_for(source_part)); !r) return r.error();
    return std::move(h.rels);
}

Result<XlsxWorkbook> parse_workbook(std::string_view xml_text)
{
    WorkbookHandler h;
    XmlStream xml(h);
    if (auto r = parse_part(xml, xml_text, "xl/workbook.xml"); !r) return r.error();
    if (h.book.sheets.empty()) return make_error("it has no sheets");
    return std::move(h.book);
}

Result<XlsxStyles> parse_styles(std::string_view xml_text)
{
    StylesHandler h;
    XmlStream xml(h);
    h.xml = &xml;
    if (auto r = parse_part(xml, xml_text, "xl/styles.xml"); !r) return r.error();
    XlsxStyles styles;
    styles.date_style.reserve(h.xf_formats.size());
    for (const auto id : h.xf_formats) {
        const auto c = h.custom.find(id);
        styles.date_style.push_back(is_date_format(id, c == h.custom.end() ? std::string_view() : c->second));
    }
    return styles;
}

}  // namespace xferd
