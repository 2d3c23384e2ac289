"""The tree over time: an organisation ends on a date, with or without a successor, and what it held follows."""
