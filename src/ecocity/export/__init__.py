"""Exports of the slide sequence (``ecocity.slides``): PNG charts, a PPTX deck, a PDF report.

- ``source.load_deck(engine, year, scope, lang)``: the deck from the database, with the data date;
- ``png``: charts as images through Plotly's exporter (kaleido) and the system Chromium,
  with the shipped Thai font; several figures in one browser session;
- ``pptx.deck_pptx(deck)``: an editable 16:9 deck (text as text, Thai font set for
  complex scripts, charts as images, speaker notes with the numbers);
- ``pdf.deck_pdf(deck)``: an A4 executive report (Thai shaped by HarfBuzz, font embedded,
  page numbers, data date and framework version on every page);
- ``cli``: ``ecocity export pptx|pdf|png``.

Every export states the fiscal year, the scope, the data date and, when the framework in
force is the default one, "default indicator set" (``Deck.facts``).
"""
