"""Dossiers: their kinds, routes, who sees them, the operations that change them, their documents and pages."""
