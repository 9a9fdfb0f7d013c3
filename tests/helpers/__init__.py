"""What the tests share: page runners (apphelp, drillhelp), a sample database (sampledb),
browser and server helpers (e2ehelp, devserver) and PostgreSQL helpers (pghelp). The
fixtures themselves live in the conftest.py files that use these."""
