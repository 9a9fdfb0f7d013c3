"""EcoCity Tracker: the maturity levels of Thailand's eco-industrial towns, from Excel submissions
to dashboards and exports; layers core, pagemodels, io, store, flows, cli and ui."""
