#include "xferd/core/xlsx_shared_strings.hpp"

#include "xferd/core/limits.hpp"
#include "xferd/core/xlsx_values.hpp"
#include "xferd/core/xml_stream.hpp"

namespace xferd {

std::optional<std::string_view> SharedStrings::at(std::size_t index) const
{
    if (index >= ends_.size()) return std::nullopt;
    const std::size_t from = index == 0 ? 0 : ends_[index - 1];
    return std::string_view(text_).substr(from, ends_[index] - from);
}

void SharedStrings::add(std::string_view s)
{
    text_ += s;
    ends_.push_back(static_cast<std::uint32_t>(text_.size()));
}

// <sst><si><t>plain</t></si><si><r><rPr/><t>rich </t></r><r><t>text</t></r><rPh><t>phonetic, skipped</t></rPh></si></sst>
struct SharedStringsReader::Impl : XmlHandler {
    explicit Impl(XlsxStringLimits l) : limits(l), xml(*this) {}

    XlsxStringLimits limits;
    XmlStream xml;
    SharedStrings table;
    std::optional<std::string> error;
    std::string current;
    bool in_si = false;
    bool in_t = false;
    int in_rph = 0;

    void start(std::string_view name, const XmlAttributes&) override
    {
        if (name == "si") {
            in_si = true;
            current.clear();
        } else if (name == "rPh") {
            ++in_rph;
        } else if (name == "t" && in_si && in_rph == 0) {
            in_t = true;
        }
    }

    void end(std::string_view name) override
    {
        if (name == "t") {
            in_t = false;
        } else if (name == "rPh") {
            --in_rph;
        } else if (name == "si" && in_si) {
            in_si = false;
            add();
        }
    }

    void text(std::string_view data) override
    {
        if (!in_t) return;
        // Keep one byte past the cell limit: enough for a cell using it to be refused.
        const std::size_t room = limits.max_string_bytes + 8 - std::min(current.size(), limits.max_string_bytes + 8);
        current.append(data.substr(0, room));
    }

    void add()
    {
        std::string s = decode_ooxml_escapes(current);
        if (s.size() > limits.max_string_bytes) s.resize(limits.max_string_bytes + 1);
        if (table.size() >= limits.max_count) {
            xml.stop("its shared strings table has more than " + std::to_string(limits.max_count) +
                     " entries, more than xferd reads from one batch: split the batch into smaller files");
            return;
        }
        if (table.bytes() + s.size() > limits.max_total_bytes) {
            xml.stop("its text cells hold more than " + size_text(limits.max_total_bytes) + ", more than xferd reads from one batch: split the batch into smaller files (or save it "
                     "as CSV UTF-8, which xferd reads without this limit)");
            return;
        }
        table.add(s);
    }
};

SharedStringsReader::SharedStringsReader(XlsxStringLimits limits) : impl_(std::make_unique<Impl>(limits)) {}
SharedStringsReader::~SharedStringsReader() = default;

bool SharedStringsReader::feed(std::string_view chunk) { return impl_->xml.feed(chunk); }
bool SharedStringsReader::finish() { return impl_->xml.finish(); }

const std::optional<std::string>& SharedStringsReader::error() const { return impl_->xml.error(); }

bool SharedStringsReader::malformed() const { return impl_->xml.malformed(); }

SharedStrings SharedStringsReader::take() { return std::move(impl_->table); }

}  // namespace xferd
