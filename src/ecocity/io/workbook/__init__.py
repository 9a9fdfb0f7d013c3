"""The Excel path (docs/submission-format.md): ``template`` writes the official workbook,
``container`` guards the file before parsing, ``reader`` checks and reads it with ``cells``
and ``layout``, and ``result`` holds the located messages."""
