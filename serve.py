"""EcoCity Tracker's server entry: ``streamlit run serve.py`` serves the dashboard of
app.py (the router, unchanged) plus the app's own HTTP routes (``ecocity.ui.http``: the
readiness check ``/_ecocity/ready``; the upload gate, which takes files only from sessions
whose user may upload; the security headers on every answer). Streamlit finds ``app`` below (an ``st.App``) and
runs it with the same options and ``.streamlit/config.toml`` as ``streamlit run app.py``.
Replicas behind the proxy start this file (README, "Deployment (several users)")."""

import streamlit as st
from starlette.middleware import Middleware

from ecocity.ui.http import SecurityHeaders, UploadGate, routes

app = st.App("app.py", routes=routes(), middleware=[Middleware(SecurityHeaders), Middleware(UploadGate)])
