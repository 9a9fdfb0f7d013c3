"""Files in and out: the Excel workbook (template, checks, reader), the registry file, the
sample workbooks, table files (CSV/XLSX), the Thai font and the PNG/PDF/PPTX exports."""
