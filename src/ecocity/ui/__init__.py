"""Small shared Streamlit pieces for app.py and pages/. The only part of ``ecocity`` that
may import streamlit; its submodules import it, this package file does not, so
``ecocity.ui.fonts`` stays usable from the Makefile without loading Streamlit."""
