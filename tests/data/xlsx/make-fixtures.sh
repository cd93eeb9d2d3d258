#!/usr/bin/env bash
# How the .xlsx fixtures here (and samples/batches/offboarding-2026-12.xlsx) were made: by a real
# spreadsheet program, LibreOffice Calc, from the text sources beside them, so the tests read
# what a spreadsheet program writes (shared strings, styles, number and date cells, cached
# formula results), not what xferd's own writer would. The .xlsx files are committed; CI does
# not run this (it has no LibreOffice). To remake them on a developer machine:
#   apt-get install -y --no-install-recommends libreoffice-calc-nogui
#   bash tests/data/xlsx/make-fixtures.sh
#
# - hr-leavers.xlsx from hr-leavers.csv: a CSV feed opened the way Excel opens one, typing
#   every cell: service ids and phone numbers become numbers (0612345678 loses its leading zero),
#   2026-12-15 and 12/31/2026 become dates, =NA() is evaluated to an #N/A error cell, the
#   empty line is an empty row.
# - leavers-workbook.xlsx from leavers-workbook.fods (a flat OpenDocument spreadsheet, written
#   as XML by hand): sheets Instructions, Leavers (header in row 3) and a hidden Lookup sheet
#   that the Service ID / Service Number VLOOKUPs read; LibreOffice computes the formulas on
#   load, so one misspelt name gives #N/A, and the order numbers are string formula results.
# - approved-by-libreoffice.xlsx from approved-by-libreoffice.csv: a confirmation saved back by
#   an operator with `approve` filled (yes, and a 1 that becomes a number; 00417 becomes 417).
# - samples/batches/offboarding-2026-12.xlsx from offboarding-2026-12.csv (the demo's sample).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# CSV import: comma, double quote, UTF-8, from line 1, default column types, en-US, quoted
# cells not forced to text, detect special numbers (dates) on, …, evaluate formulas on.
csv_filter='CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true'
convert() {  # convert SOURCE [INFILTER]
    soffice --headless ${2:+--infilter="$2"} --convert-to xlsx --outdir "$out" "$1" >/dev/null
}

convert "$here/hr-leavers.csv" "$csv_filter"
convert "$here/approved-by-libreoffice.csv" "$csv_filter"
convert "$here/offboarding-2026-12.csv" "$csv_filter"
convert "$here/leavers-workbook.fods"

cp "$out/hr-leavers.xlsx" "$out/approved-by-libreoffice.xlsx" "$out/leavers-workbook.xlsx" "$here/"
cp "$out/offboarding-2026-12.xlsx" "$repo/samples/batches/"
ls -l "$here"/*.xlsx "$repo/samples/batches/offboarding-2026-12.xlsx"
