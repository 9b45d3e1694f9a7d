"""State changes of the channels app, one transaction each, by concern (attribution and commission,
calendar, live, videos, sharers, alliance, challenges)."""
