"""State changes of growth: `groups` (拼团) and `referral` (邀请有礼); each call is one transaction."""
