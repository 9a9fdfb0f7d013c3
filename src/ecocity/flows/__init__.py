"""Steps that join files and storage for one user action: an upload from its bytes to the
database (intake), the upload page's preview, a deck from the database, the audit export."""
