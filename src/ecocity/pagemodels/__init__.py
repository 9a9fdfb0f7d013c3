"""What each page, slide and report shows, as plain data and Plotly figures built from
stored rows: one module per page (overview, area, estate, indicators, method), the deck
(slides), the map markers and the one chart theme (charts). No Streamlit, no SQL."""
