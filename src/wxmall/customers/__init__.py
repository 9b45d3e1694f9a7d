"""The merchant's view of customers: list and profile (personal data masked unless revealed, audited),
saved segments, and issuing coupons to a segment."""
