"""The Excel path: the official template and the upload checker.

- ``template``: ``build_template(fw)``, ``write_submission(fw, data)`` (.xlsx bytes)
- ``reader``: ``check_workbook(content, filename, fw, estates)`` -> ``CheckResult``
- ``cells``: parsing one cell value (numbers, Thai digits, %, yes/no, years, dates)
- ``container``: file type, encryption, zip-bomb and sheet-extent guards before parsing
- ``layout``: sheet, label and column names shared by template and reader
- ``cli``: ``ecocity template`` and ``ecocity check``

Modules are imported where used, so importing this package stays cheap.
"""
