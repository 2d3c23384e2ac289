"""Who changed what in the administration (organisations, users, plans, routes, rule sets, imports): one row per
change with the fields before and after, shown on the unit's or the user's page."""
