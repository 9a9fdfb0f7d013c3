"""Exports of a seminar deck (``ecocity.pagemodels.slides.Deck``): PNG charts through
Plotly's exporter and the system Chromium, an editable PPTX and an A4 PDF report, all
with the shipped Thai font; ``bundle`` packs them for download."""
