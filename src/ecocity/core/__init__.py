"""The rules of the maturity model, pure: framework, scoring, aggregation, gap, forecast,
registry types, access rules and value/threshold text. No database, no Streamlit, no files
but the framework and registry files it reads (docs/maturity-model.md)."""
