"""The staff back office beyond the admin's declarations: exports (attendee lists, registrations per
municipality, Zoom breakout rooms) and the pages that link them. Read-only: nothing here writes."""
