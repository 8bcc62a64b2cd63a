"""The staff back office beyond the admin's declarations: the overview per workshop, exports (attendee lists,
registrations per municipality, Zoom breakout rooms) and the pages that link them. The reads live here; every
write goes through registrations.services."""
