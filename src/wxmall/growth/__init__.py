"""Growth within WeChat's rules: group buying (拼团) and referral rewards (邀请有礼).

- `actions.groups`: open / join a group at the group price (a normal order paid through WeChat Pay), a
  seat taken with a guarded UPDATE, the group decided under its row lock when it fills or expires; a
  failed group's paid members are refunded through `payments.refund_order`.
- `actions.referral`: campaigns whose copy passes the compliance scanner's induced-sharing lexicon before
  they start; a reward for an invitee's first paid order only (never for sharing itself), once per
  invitee, taken back when that order is fully refunded.
"""
