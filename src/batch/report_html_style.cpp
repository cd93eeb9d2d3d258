// The report's inline CSS: readable on a laptop, each row a card up to 900 px, numbers never
// broken (white-space: nowrap), e-mail addresses broken only where the markup allows.
#include "xferd/batch/report_html_parts.hpp"

namespace xferd::report_html {

// Over 80 lines by design: one CSS literal, kept whole so it reads as the stylesheet it is.
std::string_view style()
{
    return R"css(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #1f2328;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
.page { max-width: 1480px; margin: 0 auto; padding: 20px 28px 40px; }
h1 { font-size: 24px; line-height: 1.25; margin: 2px 0 6px; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 0 0 10px; }
p { margin: 0 0 8px; }
code { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: #eef0f3; padding: 1px 5px; border-radius: 4px; }
code.file { overflow-wrap: anywhere; font-weight: 600; }
.kicker { margin: 0; color: #59636e; font-size: 13px; letter-spacing: .02em; }
.stage { margin: 0 0 16px; }
.pill { display: inline-block; padding: 2px 12px; border-radius: 999px; font-weight: 700; font-size: 13px;
  background: #e6e8eb; color: #1f2328; }
.pill.waiting_for_approval { background: #ffe8a3; color: #5c3c00; }
.pill.held, .pill.in_doubt { background: #ffd7d3; color: #8b1410; }
.pill.done { background: #d3f0db; color: #135c25; }
.sub { color: #59636e; font-size: 13px; }
.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
.num.long { white-space: normal; overflow-wrap: anywhere; }
.email { overflow-wrap: anywhere; }
.name { overflow-wrap: anywhere; }
.none { color: #8c959f; }

.banner { background: #fff; border: 1px solid #d0d7de; border-left: 8px solid #8c959f; border-radius: 10px;
  padding: 16px 20px; margin: 0 0 16px; max-width: 980px; }
.banner h2 { font-size: 20px; margin-bottom: 8px; }
.banner.waiting { background: #fff8e1; border-color: #e0b000; }
.banner.held { background: #fdecea; border-color: #b3261e; }
.banner.attention { background: #fff4e5; border-color: #d46b08; }
.banner.good { background: #eaf7ee; border-color: #1a7f37; }
.banner .refused { background: #fdecea; border: 1px solid #f1aeb5; border-radius: 6px; padding: 8px 12px; color: #8b1410; }
.steps { margin: 8px 0 10px; padding-left: 24px; }
.steps li { margin: 0 0 6px; padding-left: 2px; }

.summary { margin: 0 0 12px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; list-style: none; margin: 0 0 8px; padding: 0; }
.tile { background: #fff; border: 1px solid #d0d7de; border-radius: 10px; padding: 8px 16px; min-width: 130px; }
.tile .n { display: block; font-size: 26px; font-weight: 700; line-height: 1.2; }
.tile .l { display: block; font-size: 12px; font-weight: 700; letter-spacing: .04em; color: #59636e; }
.tile.problem { border-color: #f1aeb5; background: #fff5f5; }
.tile.problem .n { color: #b3261e; }
.tile.good { border-color: #9fd8ae; background: #f1faf3; }
.tile.good .n { color: #1a7f37; }
.sum { color: #424a53; }

.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 6px 24px;
  margin: 0 0 24px; padding: 12px 16px; background: #fff; border: 1px solid #d0d7de; border-radius: 10px; }
.facts div { min-width: 0; }
.facts .wide { grid-column: span 2; }
@media (max-width: 460px) { .facts .wide { grid-column: auto; } }
.facts dt { font-size: 12px; font-weight: 700; color: #59636e; text-transform: uppercase; letter-spacing: .04em; }
.facts dd { margin: 0; }
.hash { font-size: 12px; background: none; padding: 0; }
.files { list-style: none; margin: 0; padding: 0; }
.files a { overflow-wrap: anywhere; }

.list { margin: 0 0 28px; }
.list .count { color: #59636e; font-weight: 400; }
.capped, .none-needed { color: #424a53; background: #fff; border: 1px dashed #afb8c1; border-radius: 8px; padding: 8px 12px; }
.inconsistent { color: #8b1410; background: #fdecea; border: 2px solid #b3261e; border-radius: 8px; padding: 8px 12px; font-weight: 700; }
table.rows { border-collapse: separate; border-spacing: 0; width: 100%; background: #fff; font-size: 14px;
  border: 1px solid #d0d7de; border-radius: 10px; }
.rows th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #59636e;
  background: #f6f8fa; padding: 8px 10px; border-bottom: 1px solid #d0d7de; }
.rows th:first-child { border-top-left-radius: 10px; }
.rows th:last-child { border-top-right-radius: 10px; }
.rows td { padding: 10px 8px; vertical-align: top; border-bottom: 1px solid #e6e8eb; overflow-wrap: anywhere; }
.rows tr:last-child td { border-bottom: 0; }
.rows td:first-child { border-left: 5px solid transparent; padding-left: 10px; }
.rows td:nth-child(2) { min-width: 11em; max-width: 24em; }
.rows td:nth-child(3), .rows td:nth-child(4) { min-width: 8em; }
.rowno { font-weight: 700; }
.why { margin: 6px 0 4px; }
.todo { margin: 4px 0 0; font-size: 13px; color: #424a53; }
.match { color: #1a7f37; font-size: 13px; }
.mismatch { color: #b3261e; font-weight: 700; }

.badge { display: inline-block; padding: 1px 9px; border-radius: 6px; font-size: 12px; font-weight: 800;
  letter-spacing: .04em; white-space: nowrap; background: #e6e8eb; color: #1f2328; }
.badge.failed, .badge.invalid, .badge.not-checked { background: #b3261e; color: #fff; }
.badge.in-doubt { background: #f5c04a; color: #3d2a00; }
.badge.rejected { background: #d46b08; color: #fff; }
.badge.duplicate { background: #6e40c9; color: #fff; }
.badge.eligible, .badge.approved { background: #dbe9ff; color: #0b3d91; }
.badge.submitted { background: #1a7f37; color: #fff; }
.badge.not-submitted { background: #e6e8eb; color: #424a53; }
tr.failed td:first-child, tr.invalid td:first-child, tr.not-checked td:first-child { border-left-color: #b3261e; }
tr.in-doubt td:first-child { border-left-color: #f5c04a; }
tr.rejected td:first-child { border-left-color: #d46b08; }
tr.duplicate td:first-child { border-left-color: #6e40c9; }
tr.submitted td:first-child { border-left-color: #1a7f37; }
tr.eligible td:first-child, tr.approved td:first-child { border-left-color: #7aa7ee; }

footer { color: #59636e; font-size: 13px; border-top: 1px solid #d0d7de; padding-top: 10px; }

@media (max-width: 1100px) { .page { padding: 16px 16px 32px; } }
@media (max-width: 900px) {
  .page { padding: 12px 12px 32px; }
  h1 { font-size: 20px; }
  .banner { padding: 12px 14px; }
  .tile { min-width: 0; flex: 1 1 40%; padding: 6px 12px; }
  .tile .n { font-size: 22px; }
  table.rows, .rows tbody, .rows tr, .rows td { display: block; width: 100%; }
  table.rows { background: none; border: 0; }
  .rows thead { display: none; }
  .rows tr { background: #fff; border: 1px solid #d0d7de; border-left: 6px solid #afb8c1; border-radius: 10px;
    margin: 0 0 12px; padding: 6px 0; }
  .rows td, .rows td:first-child, .rows td:nth-child(n) { border: 0; padding: 4px 12px 4px 8.6em; min-width: 0;
    max-width: none; display: flow-root; }
  .rows td::before { content: attr(data-label); float: left; width: 7.4em; margin-left: -7.6em; padding-top: 2px;
    font-size: 12px; font-weight: 700; color: #59636e; text-transform: uppercase; letter-spacing: .03em; }
  tr.failed, tr.invalid, tr.not-checked { border-left-color: #b3261e; }
  tr.in-doubt { border-left-color: #f5c04a; }
  tr.rejected { border-left-color: #d46b08; }
  tr.duplicate { border-left-color: #6e40c9; }
  tr.submitted { border-left-color: #1a7f37; }
  tr.eligible, tr.approved { border-left-color: #7aa7ee; }
}
@media print {
  body { background: #fff; }
  .rows tr { break-inside: avoid; }
}
)css";
}

}  // namespace xferd::report_html
