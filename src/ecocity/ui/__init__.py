"""Small shared Streamlit pieces for app.py and views/. The only part of ``ecocity`` that
may import streamlit; its submodules import it, this package file does not, so
``ecocity.io.fonts`` stays usable from the Makefile without loading Streamlit."""
